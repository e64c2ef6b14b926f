"""Observability: logging by ``HMSH_LOGLEVEL``, OpenTelemetry spans by ``HMSH_TELEMETRY``.

Logging. Every module logs to a child of the ``pyhotmesh`` logger. ``HMSH_LOGLEVEL`` (debug,
info, warn, error, silent) sets that logger's level, once, when the package is imported
(``configure_logging``). The application's own logging is left alone: records propagate to its
handlers as usual, and a fallback handler writes to stderr only while the application has
configured none (so HMSH_LOGLEVEL=debug shows something in a bare script, and nothing is
printed twice once the application calls ``logging.basicConfig``).

Tracing. With ``HMSH_TELEMETRY`` set to ``true`` (or HotMesh's ``info`` / ``debug``) and the
``opentelemetry-api`` package installed (``pip install 'pyhotmesh[telemetry]'``), the client
records ``SpanKind.CLIENT`` spans named as HotMesh names them:

* ``JOB/<app>/<topic>/1`` around ``pub`` (and so ``pubsub``); the job's metadata carries the
  trace id and this span's id (``trc``, ``spn``), and the engine copies them into every worker
  message and child job of the job (``hotmesh.engine_trace``);
* ``EXECUTE/<app>/<activity>/<topic>`` around a worker callback, a child of the span the
  message names (``trc``/``spn`` in its metadata), else of the current span;
* ``WORKER/<app>/<activity>/2`` around the engine call that answers it (``respond``: the
  activity's leg 2), a child of the callback's span.

Attributes: ``app.job.id``, ``app.job.topic``, ``app.activity.id``, ``app.activity.dad``,
``app.activity.topic``, ``app.activity.leg``, ``app.activity.code`` (the status code),
``app.activity.status``, ``app.activity.outcome`` (what respond said), ``app.stream.id``.
Errors set the span's status to ERROR (a callback's error status as ``Function Status Code
<code>``). Spans go to the global tracer provider, or to the one given to
``set_tracer_provider``. Otherwise (telemetry off, or the package missing) every helper here
is a no-op that costs one environment lookup.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections import OrderedDict
from typing import Any, ContextManager, Iterator, Mapping, Sequence

try:  # the optional extra: pip install 'pyhotmesh[telemetry]'
    from opentelemetry import trace as otel_trace
    from opentelemetry.trace import (NonRecordingSpan, SpanContext, SpanKind, Status,
                                     StatusCode, TraceFlags)
except ImportError:  # pragma: no cover - exercised by the fallback test in a subprocess
    otel_trace = None

LOGGER_NAME = "pyhotmesh"
TRACER_NAME = "pyhotmesh"

# -- logging ----------------------------------------------------------------------------------

SILENT = logging.CRITICAL + 10
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "silent": SILENT,
}


def log_level(value: str | None, default: int | None = None) -> int | None:
    """The logging level HMSH_LOGLEVEL's ``value`` names (``default`` when unset or unknown)."""
    if value is None or not value.strip():
        return default
    return _LEVELS.get(value.strip().lower(), default)


class _FallbackHandler(logging.StreamHandler):
    """stderr, but only while the application has configured no handler of its own."""

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger().handlers:
            return  # the record reaches the application's handlers by propagation
        super().emit(record)


_logging_configured = False


def configure_logging(force: bool = False) -> logging.Logger:
    """Set the ``pyhotmesh`` logger's level from HMSH_LOGLEVEL (once; ``force`` re-reads it).
    Unset, the level is left to the application."""
    global _logging_configured
    logger = logging.getLogger(LOGGER_NAME)
    if _logging_configured and not force:
        return logger
    _logging_configured = True
    value = os.environ.get("HMSH_LOGLEVEL")
    level = log_level(value)
    if level is None:
        if value and value.strip():
            logger.warning("HMSH_LOGLEVEL=%r is none of debug, info, warn, error, silent; "
                           "ignored", value)
        return logger
    logger.setLevel(level)
    if not any(isinstance(handler, _FallbackHandler) for handler in logger.handlers):
        handler = _FallbackHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
    return logger


# -- tracing ----------------------------------------------------------------------------------

_ON = {"true", "1", "yes", "on", "info", "debug"}
_provider: Any = None
_tracers: dict[int, Any] = {}
# the span of each callback, by message id, for its respond span (bounded: a message that is
# never answered, e.g. one that failed, is forgotten eventually)
_executed: OrderedDict[int, Any] = OrderedDict()
_EXECUTED_MAX = 10_000


def available() -> bool:
    """Whether the opentelemetry package is installed."""
    return otel_trace is not None


def enabled() -> bool:
    """Whether spans are recorded: HMSH_TELEMETRY is on and opentelemetry is installed."""
    return otel_trace is not None and \
        os.environ.get("HMSH_TELEMETRY", "").strip().lower() in _ON


def set_tracer_provider(provider: Any) -> None:
    """Record spans with this tracer provider instead of the global one (None: the global)."""
    global _provider
    _provider = provider
    _tracers.clear()


def _tracer() -> Any:
    provider = _provider or otel_trace.get_tracer_provider()
    tracer = _tracers.get(id(provider))
    if tracer is None:
        try:
            from importlib.metadata import version
            package_version = version("pyhotmesh")
        except Exception:  # a source checkout that is not installed
            package_version = None
        tracer = _tracers[id(provider)] = provider.get_tracer(TRACER_NAME, package_version)
    return tracer


def _remote_parent(metadata: Mapping[str, Any]) -> Any:
    """The context of the span a message or a job names (trc/spn), or None."""
    try:
        trace_id = int(str(metadata.get("trc")), 16)
        span_id = int(str(metadata.get("spn")), 16)
    except (TypeError, ValueError):
        return None
    if not (0 < trace_id < 1 << 128 and 0 < span_id < 1 << 64):
        return None
    parent = SpanContext(trace_id=trace_id, span_id=span_id, is_remote=True,
                         trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return otel_trace.set_span_in_context(NonRecordingSpan(parent))


def _attributes(**values: Any) -> dict[str, Any]:
    return {f"app.{key.replace('__', '.')}": value for key, value in values.items()
            if value is not None and value != ""}


class _Job:
    """What job_span yields: the context to publish with, and started(job_id)."""

    def __init__(self, span: Any, context: Mapping[str, Any] | None) -> None:
        self.span = span
        self.context = context

    def started(self, job_id: str) -> str:
        if self.span is not None:
            self.span.set_attribute("app.job.id", job_id)
        return job_id


@contextlib.contextmanager
def job_span(app_id: str, topic: str,
             context: Mapping[str, Any] | None) -> Iterator[_Job]:
    """Around pub: the JOB span. Yields the context to publish with: ``context`` with the
    trace id and this span's id in its metadata (unchanged when telemetry is off)."""
    if not enabled():
        yield _Job(None, context)
        return
    metadata = dict((context or {}).get("metadata") or {})
    with _tracer().start_as_current_span(
            f"JOB/{app_id}/{topic}/1", context=_remote_parent(metadata), kind=SpanKind.CLIENT,
            attributes=_attributes(job__app=app_id, job__topic=topic)) as span:
        ids = span.get_span_context()
        metadata["trc"] = format(ids.trace_id, "032x")
        metadata["spn"] = format(ids.span_id, "016x")
        yield _Job(span, {**(context or {}), "metadata": metadata})


class _Execute:
    """What execute_span yields: returned(response) records the callback's result."""

    def __init__(self, span: Any) -> None:
        self.span = span

    def returned(self, response: Any) -> Any:
        if self.span is not None and isinstance(response, Mapping):
            status = response.get("status", "success")
            code = response.get("code", 500 if status == "error" else 200)
            self.span.set_attributes(_attributes(activity__status=status,
                                                 activity__code=code))
            if status == "error":
                self.span.set_status(Status(StatusCode.ERROR, f"Function Status Code {code}"))
        return response


# off, the span helpers of the worker's hot path return these (no generator per message)
_NO_EXECUTE = contextlib.nullcontext(_Execute(None))


def execute_span(app_id: str, message: Any) -> ContextManager[_Execute]:
    """Around a worker callback: the EXECUTE span (an exception sets its status to ERROR)."""
    if not enabled():
        return _NO_EXECUTE
    return _execute_span(app_id, message)


@contextlib.contextmanager
def _execute_span(app_id: str, message: Any) -> Iterator[_Execute]:
    metadata = message.data.get("metadata") or {}
    aid = metadata.get("aid")
    topic = metadata.get("topic") or message.stream
    name = f"EXECUTE/{app_id}/{aid}/{topic}" if aid else f"EXECUTE/{app_id}/{topic}"
    with _tracer().start_as_current_span(
            name, context=_remote_parent(metadata), kind=SpanKind.CLIENT,
            attributes=_attributes(job__id=metadata.get("jid") or message.job_key,
                                   activity__id=aid, activity__dad=metadata.get("dad"),
                                   activity__topic=topic, activity__leg=1 if aid else None,
                                   stream__id=message.id)) as span:
        if aid:
            _executed[message.id] = span.get_span_context()
            while len(_executed) > _EXECUTED_MAX:
                _executed.popitem(last=False)
        yield _Execute(span)


class _Respond:
    """What respond_spans yields: record(outcomes) records what respond said per message."""

    def __init__(self, spans: list[Any]) -> None:
        self.spans = spans

    def record(self, outcomes: Sequence[str] | None) -> Sequence[str] | None:
        known = list(outcomes or ())
        for index, span in enumerate(self.spans):
            if index >= len(known):  # the call failed: nothing was answered
                span.set_status(Status(StatusCode.ERROR, "the response was not delivered "
                                       "(the message comes back after its lease)"))
                continue
            span.set_attribute("app.activity.outcome", known[index])
            if known[index].startswith("error"):
                span.set_status(Status(StatusCode.ERROR, known[index]))
        return outcomes


_NO_RESPOND = contextlib.nullcontext(_Respond([]))


def respond_spans(app_id: str,
                  answers: Sequence[tuple[Any, Mapping[str, Any]]]) -> ContextManager[_Respond]:
    """Around the engine call answering workers' messages (one call may answer a batch): one
    WORKER/<app>/<activity>/2 span per message, each a child of its callback's span."""
    if not enabled():
        return _NO_RESPOND
    return _respond_spans(app_id, answers)


@contextlib.contextmanager
def _respond_spans(app_id: str,
                   answers: Sequence[tuple[Any, Mapping[str, Any]]]) -> Iterator[_Respond]:
    tracer = _tracer()
    spans = []
    for message, response in answers:
        metadata = message.data.get("metadata") or {}
        executed = _executed.pop(message.id, None)
        parent = (otel_trace.set_span_in_context(NonRecordingSpan(executed)) if executed
                  else _remote_parent(metadata))
        status = response.get("status", "success")
        spans.append(tracer.start_span(
            f"WORKER/{app_id}/{metadata.get('aid')}/2", context=parent, kind=SpanKind.CLIENT,
            attributes=_attributes(job__id=metadata.get("jid") or message.job_key,
                                   activity__id=metadata.get("aid"),
                                   activity__dad=metadata.get("dad"),
                                   activity__topic=metadata.get("topic") or message.stream,
                                   activity__leg=2, activity__status=status,
                                   activity__code=response.get(
                                       "code", 500 if status == "error" else 200),
                                   stream__id=message.id)))
    try:
        yield _Respond(spans)
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        raise
    finally:
        for span in spans:
            span.end()
