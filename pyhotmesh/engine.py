"""The HotMesh client: one app's point of presence on the database.

So far: deploy, plan and activate versions of the app's YAML graphs. (Jobs, signals and the
rest of HotMesh's API come with the engine.)
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import psycopg
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from .compiler import compile_source
from .connection import ConnectionConfig, resolve_conninfo
from .errors import ConfigurationError, HotMeshError


class DeploymentError(HotMeshError):
    """The database refused a deployment or activation (names app and version)."""


@dataclass(frozen=True)
class Deployment:
    app_id: str
    version: str
    status: str  # 'deployed', or 'unchanged' when this exact version was already there
    compiled: dict[str, Any]


class HotMesh:
    """A HotMesh instance for one app (``await HotMesh.init(app_id=..., engine=...)``)."""

    def __init__(self, app_id: str, conninfo: str, pool: AsyncConnectionPool) -> None:
        self.app_id = app_id
        self.conninfo = conninfo
        self.pool = pool
        self.guid = HotMesh.guid()

    @classmethod
    async def init(
        cls,
        *,
        app_id: str,
        engine: Mapping[str, Any] | None = None,
        connection: ConnectionConfig = None,
    ) -> "HotMesh":
        if not isinstance(app_id, str) or not app_id:
            raise ConfigurationError("app_id must be a non-empty string")
        config = dict(engine or {})
        conninfo = resolve_conninfo(config.get("connection", connection))
        pool = AsyncConnectionPool(conninfo, min_size=1, max_size=4,
                                   kwargs={"autocommit": True}, open=False)
        await pool.open(wait=True, timeout=30)
        return cls(app_id, conninfo, pool)

    @staticmethod
    def guid() -> str:
        """A unique id (for job ids and the like)."""
        return "H" + uuid.uuid4().hex

    async def plan(self, source: str | Path) -> dict[str, Any]:
        """Compile and validate a manifest (path or YAML text) without storing anything."""
        _, compiled = compile_source(source)
        self._check_app(compiled)
        return compiled

    async def deploy(self, source: str | Path) -> Deployment:
        """Compile a manifest and store its version (inactive until ``activate``).

        Deploying the same version again with the same content changes nothing; with other
        content it is refused."""
        manifest, compiled = compile_source(source)
        self._check_app(compiled)
        app = compiled["app"]
        try:
            async with self.pool.connection() as conn:
                row = await (await conn.execute(
                    "SELECT hotmesh.deploy_version(%s, %s, %s, %s)",
                    (app["id"], app["version"], Jsonb(manifest), Jsonb(compiled)),
                )).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise DeploymentError(str(exc.diag.message_primary)) from None
        return Deployment(app["id"], app["version"], row[0], compiled)

    async def activate(self, version: str | int, delay: float | None = None) -> bool:
        """Make ``version`` the one new jobs run on."""
        try:
            async with self.pool.connection() as conn:
                await conn.execute("SELECT hotmesh.activate_version(%s, %s)",
                                   (self.app_id, str(version)))
        except psycopg.errors.NoDataFound as exc:
            raise DeploymentError(str(exc.diag.message_primary), code=404) from None
        return True

    async def stop(self) -> None:
        await self.pool.close()

    def _check_app(self, compiled: dict[str, Any]) -> None:
        if compiled["app"]["id"] != self.app_id:
            raise ConfigurationError(
                f"the manifest is for app '{compiled['app']['id']}', but this HotMesh instance "
                f"serves app '{self.app_id}'")
