"""CPU time of a local Postgres server, all its processes together, read from /proc.

The benchmark compares what a workflow step costs with what one message of a bare queue
costs. When the machine is CPU-bound the ratio of their rates is a ratio of CPU costs, and
when it is not (a slow disk flush bounds the bare queue) it is not: the CPU figures tell which.

The server's time is the postmaster's own, plus what its exited children left it (reaped
backends, cutime/cstime), plus that of every live child (backends, background workers).
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

_TICKS = os.sysconf("SC_CLK_TCK")
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (index 0 is the state)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _cpu_ticks(fields: list[str]) -> int:
    # utime, stime, cutime, cstime: fields 14-17 of proc(5), 11-14 here
    return sum(int(value) for value in fields[11:15])


def postmaster_pid(dsn: str) -> int | None:
    """The pid of the postmaster serving dsn, when that server runs on this machine; None
    for a remote server (or one whose processes this user may not read)."""
    host = conninfo_to_dict(dsn).get("host") or os.environ.get("PGHOST", "")
    if host.split(",")[0] not in _LOCAL_HOSTS and not host.startswith("/"):
        return None
    with psycopg.connect(dsn) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        fields = _stat(backend)
        try:
            cmdline = Path(f"/proc/{backend}/cmdline").read_bytes()
        except OSError:
            return None
    if fields is None or not cmdline.startswith(b"postgres"):
        return None
    return int(fields[1])  # a backend's parent is the postmaster


def server_cpu_seconds(postmaster: int) -> float:
    """CPU seconds (user and system) the server has used so far."""
    own = _stat(postmaster)
    if own is None:
        raise RuntimeError(f"no postmaster with pid {postmaster}")
    ticks = _cpu_ticks(own)
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == postmaster:
                ticks += _cpu_ticks(fields)
    return ticks / _TICKS
