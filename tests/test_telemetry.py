"""Observability: OpenTelemetry spans of a workflow run (names, parentage, attributes, error
status, trace ids carried in job and message metadata), nothing recorded when telemetry is off
or opentelemetry is missing, and HMSH_LOGLEVEL."""

from __future__ import annotations

import asyncio
import io
import logging
import subprocess
import sys
import textwrap

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from pyhotmesh import HotMesh, telemetry
from pyhotmesh.engine import DuplicateJobError

FAST = 0.05

APP = """
app:
  id: tel
  version: '1'
  graphs:
    - subscribes: tel.start
      activities:
        t1:
          type: trigger
          stats: {id: '{$self.input.data.id}'}
        a1:
          type: worker
          topic: tel.double
          input: {maps: {n: '{t1.output.data.n}'}}
        a2:
          type: worker
          topic: tel.double
          input: {maps: {n: '{a1.output.data.n}'}}
          job: {maps: {result: '{$self.output.data.n}'}}
      transitions:
        t1: [{to: a1}]
        a1: [{to: a2}]
    - subscribes: tel.fail
      activities:
        f1: {type: trigger}
        bad: {type: worker, topic: tel.bad}
      transitions:
        f1: [{to: bad}]
"""

user_tracer_provider: TracerProvider | None = None


async def double(message: dict) -> dict:
    # an application span inside the callback: a child of the EXECUTE span
    if user_tracer_provider is not None:
        with user_tracer_provider.get_tracer("app").start_as_current_span("app.double"):
            pass
    return {"metadata": message["metadata"], "data": {"n": message["data"]["n"] * 2}}


async def failing(message: dict) -> dict:
    return {"metadata": message["metadata"], "status": "error", "code": 500,
            "data": {"message": "no stock"}}


@pytest.fixture
def exporter(monkeypatch):
    """Spans of pyhotmesh (HMSH_TELEMETRY=true) go to an in-memory exporter."""
    global user_tracer_provider
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    monkeypatch.setenv("HMSH_TELEMETRY", "true")
    telemetry.set_tracer_provider(provider)
    user_tracer_provider = provider
    yield memory
    user_tracer_provider = None
    telemetry.set_tracer_provider(None)


@pytest.fixture
async def mesh(dsn):
    created: list[HotMesh] = []

    async def make(workers=()) -> HotMesh:
        instance = await HotMesh.init(
            app_id="tel", engine={"connection": dsn, "poll_interval": FAST},
            workers=[{"poll_interval": FAST, **worker} for worker in workers])
        created.append(instance)
        await instance.deploy(textwrap.dedent(APP))
        await instance.activate("1")
        return instance

    yield make
    for instance in created:
        await instance.stop()


async def spans_named(exporter, *names: str, timeout: float = 20.0) -> dict:
    """Wait until spans with these names were exported; returns name -> span."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        spans = {span.name: span for span in exporter.get_finished_spans()}
        if all(name in spans for name in names):
            return spans
        if loop.time() > deadline:
            raise AssertionError(f"spans {names} not all recorded; got {sorted(spans)}")
        await asyncio.sleep(0.02)


def hex_ids(span) -> tuple[str, str]:
    return format(span.context.trace_id, "032x"), format(span.context.span_id, "016x")


WORKERS = [{"topic": "tel.double", "callback": double},
           {"topic": "tel.bad", "callback": failing, "retry": {"maximumAttempts": 1}}]


async def test_a_workflow_run_records_its_spans_with_parentage_and_attributes(
        exporter, mesh, db):
    hm = await mesh(WORKERS)
    output = await hm.pubsub("tel.start", {"id": "job-1", "n": 3})
    assert output["data"]["result"] == 12
    spans = await spans_named(exporter, "JOB/tel/tel.start/1", "EXECUTE/tel/a1/tel.double",
                              "WORKER/tel/a1/2", "EXECUTE/tel/a2/tel.double",
                              "WORKER/tel/a2/2", "app.double")
    job = spans["JOB/tel/tel.start/1"]
    trace_id, job_span_id = hex_ids(job)
    assert {span.context.trace_id for span in spans.values()} == {job.context.trace_id}, \
        "one trace"
    assert job.kind == SpanKind.CLIENT
    assert job.attributes["app.job.id"] == "job-1"
    assert job.attributes["app.job.topic"] == "tel.start"
    assert output["metadata"]["trc"] == trace_id and output["metadata"]["spn"] == job_span_id

    for aid in ("a1", "a2"):
        execute = spans[f"EXECUTE/tel/{aid}/tel.double"]
        respond = spans[f"WORKER/tel/{aid}/2"]
        assert execute.parent.span_id == job.context.span_id, "a callback joins the job's span"
        assert respond.parent.span_id == execute.context.span_id, "leg 2 follows the callback"
        assert execute.kind == respond.kind == SpanKind.CLIENT
        assert dict(execute.attributes).items() >= {
            "app.job.id": "job-1", "app.activity.id": aid, "app.activity.topic": "tel.double",
            "app.activity.code": 200, "app.activity.leg": 1}.items()
        assert dict(respond.attributes).items() >= {
            "app.job.id": "job-1", "app.activity.id": aid, "app.activity.leg": 2,
            "app.activity.code": 200, "app.activity.outcome": "applied"}.items()
        assert execute.status.status_code == respond.status.status_code == StatusCode.UNSET
    assert spans["app.double"].parent.span_id in {
        spans["EXECUTE/tel/a1/tel.double"].context.span_id,
        spans["EXECUTE/tel/a2/tel.double"].context.span_id}, "application spans nest inside"

    # the trace ids travelled in the worker messages' metadata
    rows = db.execute("SELECT message -> 'metadata' FROM hotmesh.worker_streams"
                      " WHERE job_key = 'job-1'").fetchall()
    assert [(md["trc"], md["spn"]) for (md,) in rows] == [(trace_id, job_span_id)] * 2


async def test_errors_set_the_span_status(exporter, mesh):
    hm = await mesh(WORKERS)
    job_id = await hm.pub("tel.fail", {})
    spans = await spans_named(exporter, "EXECUTE/tel/bad/tel.bad", "WORKER/tel/bad/2")
    execute = spans["EXECUTE/tel/bad/tel.bad"]
    assert execute.status.status_code == StatusCode.ERROR
    assert execute.status.description == "Function Status Code 500"
    assert execute.attributes["app.activity.code"] == 500
    assert dict(spans["WORKER/tel/bad/2"].attributes).items() >= {
        "app.activity.code": 500, "app.activity.status": "error", "app.job.id": job_id}.items()

    await hm.pubsub("tel.start", {"id": "dup", "n": 1})
    exporter.clear()
    with pytest.raises(DuplicateJobError):
        await hm.pub("tel.start", {"id": "dup", "n": 1})
    (job,) = [s for s in exporter.get_finished_spans() if s.name == "JOB/tel/tel.start/1"]
    assert job.status.status_code == StatusCode.ERROR
    assert any(event.name == "exception" for event in job.events)


async def test_a_raising_callback_records_the_exception(exporter, mesh):
    async def boom(message):
        raise RuntimeError("out of paper")

    hm = await mesh([{"topic": "tel.double", "callback": boom,
                      "retry": {"maximumAttempts": 1}}])
    await hm.pub("tel.start", {"id": "job-boom", "n": 1})
    spans = await spans_named(exporter, "EXECUTE/tel/a1/tel.double")
    execute = spans["EXECUTE/tel/a1/tel.double"]
    assert execute.status.status_code == StatusCode.ERROR
    assert "out of paper" in execute.status.description
    assert [e.attributes["exception.message"] for e in execute.events] == ["out of paper"]


async def test_a_job_joins_the_trace_it_is_given(exporter, mesh):
    hm = await mesh(WORKERS)
    caller = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
    await hm.pubsub("tel.start", {"id": "job-2", "n": 1},
                    context={"metadata": {"trc": caller[0], "spn": caller[1]}})
    job = (await spans_named(exporter, "JOB/tel/tel.start/1"))["JOB/tel/tel.start/1"]
    assert format(job.context.trace_id, "032x") == caller[0]
    assert format(job.parent.span_id, "016x") == caller[1]

    exporter.clear()
    with user_tracer_provider.get_tracer("app").start_as_current_span("app.request") as outer:
        await hm.pub("tel.start", {"id": "job-3", "n": 1})
    job = (await spans_named(exporter, "JOB/tel/tel.start/1"))["JOB/tel/tel.start/1"]
    assert job.parent.span_id == outer.get_span_context().span_id, \
        "without ids in its metadata, the job span is a child of the current span"


async def test_telemetry_off_records_nothing(exporter, mesh, monkeypatch, db):
    monkeypatch.delenv("HMSH_TELEMETRY")
    hm = await mesh(WORKERS)
    output = await hm.pubsub("tel.start", {"id": "job-4", "n": 2})
    assert output["data"]["result"] == 8
    assert "trc" not in output["metadata"]
    await asyncio.sleep(0.2)
    assert [s.name for s in exporter.get_finished_spans()] == ["app.double", "app.double"], \
        "only the application's own spans"
    rows = db.execute("SELECT message -> 'metadata' FROM hotmesh.worker_streams").fetchall()
    assert all("trc" not in md and "spn" not in md for (md,) in rows)


async def test_without_the_package_telemetry_falls_back_to_no_ops(exporter, mesh, monkeypatch):
    monkeypatch.setattr(telemetry, "otel_trace", None)  # the module's ImportError path
    assert not telemetry.available() and not telemetry.enabled()
    hm = await mesh(WORKERS)
    output = await hm.pubsub("tel.start", {"id": "job-5", "n": 2})
    assert output["data"]["result"] == 8 and "trc" not in output["metadata"]
    await asyncio.sleep(0.2)
    assert [s.name for s in exporter.get_finished_spans()
            if not s.name.startswith("app.")] == []


def test_the_module_imports_and_works_without_opentelemetry():
    script = textwrap.dedent("""
        import sys
        sys.modules["opentelemetry"] = None  # as if it were not installed
        import os
        os.environ["HMSH_TELEMETRY"] = "true"
        import pyhotmesh
        from pyhotmesh import telemetry
        assert not telemetry.available() and not telemetry.enabled()
        with telemetry.job_span("app", "topic", {"metadata": {"x": 1}}) as span:
            assert span.context == {"metadata": {"x": 1}} and span.started("j") == "j"
        class Message:
            id, stream, job_key, data = 1, "t", "j", {"metadata": {"aid": "a"}}
        with telemetry.execute_span("app", Message()) as span:
            assert span.returned({"data": 1}) == {"data": 1}
        with telemetry.respond_spans("app", [(Message(), {"data": 1})]) as spans:
            assert spans.record(["applied"]) == ["applied"]
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# -- HMSH_LOGLEVEL ------------------------------------------------------------------------------

@pytest.fixture
def package_logger(monkeypatch):
    """The pyhotmesh logger, restored afterwards."""
    logger = logging.getLogger("pyhotmesh")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


@pytest.mark.parametrize("value, level", [
    ("debug", logging.DEBUG), ("info", logging.INFO), ("warn", logging.WARNING),
    ("WARNING", logging.WARNING), ("error", logging.ERROR), ("silent", telemetry.SILENT),
])
def test_hmsh_loglevel_sets_the_package_loggers_level(package_logger, monkeypatch, value, level):
    root = logging.getLogger()
    root_level, root_handlers = root.level, list(root.handlers)
    monkeypatch.setenv("HMSH_LOGLEVEL", value)
    telemetry.configure_logging(force=True)
    assert package_logger.level == level
    assert logging.getLogger("pyhotmesh.worker").getEffectiveLevel() == level
    assert (root.level, root.handlers) == (root_level, root_handlers), \
        "the application's root logger is left alone"


def test_an_unknown_or_missing_hmsh_loglevel_leaves_the_level_alone(package_logger, monkeypatch):
    package_logger.setLevel(logging.ERROR)
    monkeypatch.setenv("HMSH_LOGLEVEL", "loud")
    telemetry.configure_logging(force=True)
    assert package_logger.level == logging.ERROR
    monkeypatch.delenv("HMSH_LOGLEVEL")
    telemetry.configure_logging(force=True)
    assert package_logger.level == logging.ERROR
    assert telemetry.configure_logging() is package_logger, "configured once"


def test_the_fallback_handler_writes_only_while_the_application_has_no_handler(
        package_logger, monkeypatch):
    monkeypatch.setenv("HMSH_LOGLEVEL", "debug")
    telemetry.configure_logging(force=True)
    (fallback,) = [h for h in package_logger.handlers
                   if isinstance(h, telemetry._FallbackHandler)]
    stream = io.StringIO()
    fallback.setStream(stream)
    root = logging.getLogger()
    saved = list(root.handlers)
    try:
        root.handlers[:] = []
        logging.getLogger("pyhotmesh.engine").debug("shown %s", 1)
        root.handlers[:] = [logging.NullHandler()]
        logging.getLogger("pyhotmesh.engine").debug("not shown twice")
    finally:
        root.handlers[:] = saved
    assert "DEBUG pyhotmesh.engine: shown 1" in stream.getvalue()
    assert "not shown" not in stream.getvalue()
    telemetry.configure_logging(force=True)
    assert sum(isinstance(h, telemetry._FallbackHandler) for h in package_logger.handlers) == 1
