"""Typed errors, each carrying its HotMesh code."""

from __future__ import annotations

from . import codes


class HotMeshError(Exception):
    """Base of every pyhotmesh error; ``code`` is the HotMesh status code."""

    code: int = codes.UNKNOWN

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigurationError(HotMeshError):
    """A connection, worker or option given to pyhotmesh is invalid."""


class MigrationError(HotMeshError):
    """The SQL bundle could not be applied (names the file and why)."""


class LeaseExpiredError(HotMeshError):
    """A worker lost the lease on a message it was processing; the message is not acked."""

    code = codes.DURABLE_FATAL
