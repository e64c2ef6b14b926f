"""Running a pyhotmesh program: on uvloop when it is installed (``pip install pyhotmesh[fast]``).

A worker host spends most of its own CPU in the event loop, not in the callbacks: every database
call waits on its socket through the loop, several times. On uvloop a psycopg call costs about
a quarter less CPU than on asyncio's loop (76 against 105 µs for ``SELECT 1`` on the
development machines), and the worker process of the benchmark's W1 uses a fifth less CPU per
step (docs/operations.md). Nothing else changes: pyhotmesh is plain asyncio either way.

    import pyhotmesh

    async def main():
        hotmesh = await pyhotmesh.HotMesh.init(...)
        ...

    pyhotmesh.run(main())
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

# HOTMESH_EVENT_LOOP=asyncio runs on asyncio's own loop even when uvloop is installed (to rule
# the loop out when something misbehaves).
_ENVIRONMENT = "HOTMESH_EVENT_LOOP"


def uvloop_module() -> Any:
    """The uvloop module when it is installed and not turned off, else None."""
    choice = os.environ.get(_ENVIRONMENT, "").strip().lower()
    if choice not in ("", "uvloop", "asyncio"):
        raise ValueError(f"{_ENVIRONMENT} must be 'uvloop' or 'asyncio', got {choice!r}")
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ImportError(f"{_ENVIRONMENT}=uvloop, but uvloop is not installed "
                              "(pip install pyhotmesh[fast])") from None
        return None
    return uvloop


def loop_name() -> str:
    """The loop run() uses: 'uvloop' or 'asyncio'."""
    return "uvloop" if uvloop_module() is not None else "asyncio"


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(main), on uvloop's loop when it is installed."""
    try:
        uvloop = uvloop_module()
    except (ValueError, ImportError):
        main.close()  # never to run: no "coroutine was never awaited" warning besides
        raise
    if uvloop is None:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
