"""pyhotmesh.run: a program on uvloop when it is installed, on asyncio's loop otherwise."""

from __future__ import annotations

import asyncio
import sys
import textwrap

import pytest
import uvloop  # a test dependency: `make setup` installs the fast extra

import pyhotmesh
from pyhotmesh import HotMesh
from pyhotmesh.event_loop import loop_name, run

SEQUENCE = textwrap.dedent("""\
    app:
      id: loopy
      version: '1'
      graphs:
        - subscribes: loopy.start
          activities:
            t1: {type: trigger}
            a1: {type: worker, topic: loopy.add, input: {maps: {n: '{t1.output.data.n}'}}}
            a2:
              type: worker
              topic: loopy.add
              input: {maps: {n: '{a1.output.data.n}'}}
              job: {maps: {n: '{$self.output.data.n}'}}
          transitions:
            t1: [{to: a1}]
            a1: [{to: a2}]
    """)


async def running_loop() -> type:
    return type(asyncio.get_running_loop())


def test_run_returns_what_the_program_returns_on_uvloop(monkeypatch):
    monkeypatch.delenv("HOTMESH_EVENT_LOOP", raising=False)
    assert loop_name() == "uvloop"
    assert run(running_loop()) is uvloop.Loop
    assert pyhotmesh.run is run


def test_asyncio_s_own_loop_when_asked_for_or_when_uvloop_is_missing(monkeypatch):
    monkeypatch.setenv("HOTMESH_EVENT_LOOP", "asyncio")
    assert loop_name() == "asyncio"
    assert not issubclass(run(running_loop()), uvloop.Loop)

    monkeypatch.delenv("HOTMESH_EVENT_LOOP")
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop raises ImportError
    assert loop_name() == "asyncio"
    assert not issubclass(run(running_loop()), uvloop.Loop)


def test_a_loop_asked_for_that_cannot_be_had_is_an_error_naming_the_setting(monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)
    monkeypatch.setenv("HOTMESH_EVENT_LOOP", "uvloop")
    program = running_loop()
    with pytest.raises(ImportError, match=r"HOTMESH_EVENT_LOOP=uvloop.*pyhotmesh\[fast\]"):
        run(program)
    assert program.cr_frame is None  # closed, not left to warn that it was never awaited

    monkeypatch.setenv("HOTMESH_EVENT_LOOP", "trio")
    with pytest.raises(ValueError, match="HOTMESH_EVENT_LOOP must be 'uvloop' or 'asyncio', "
                                         "got 'trio'"):
        run(running_loop())


def test_workers_pubsub_and_completions_run_on_uvloop(dsn, monkeypatch):
    # the whole stack on uvloop against a real Postgres: the pools, the workers' dequeue and
    # answers, LISTEN/NOTIFY for steps and for completions
    monkeypatch.delenv("HOTMESH_EVENT_LOOP", raising=False)

    async def add_one(message: dict) -> dict:
        return {"data": {"n": message["data"]["n"] + 1}}

    async def program() -> tuple[type, list[dict]]:
        hotmesh = await HotMesh.init(
            app_id="loopy", engine={"connection": dsn},
            workers=[{"topic": "loopy.add", "callback": add_one, "concurrency": 4}])
        try:
            await hotmesh.deploy(SEQUENCE)
            await hotmesh.activate("1")
            outputs = await asyncio.gather(*(
                hotmesh.pubsub("loopy.start", {"n": n}, timeout=30) for n in range(10)))
        finally:
            await hotmesh.stop()
        return type(asyncio.get_running_loop()), outputs

    loop_type, outputs = run(program())
    assert loop_type is uvloop.Loop
    assert sorted(output["data"]["n"] for output in outputs) == list(range(2, 12))
