"""pyhotmesh: durable workflows that live inside PostgreSQL."""

from .codec import CodecError, DecodeOnly, KeyedCodec
from .compiler import CompileError
from .dba import DBA
from .engine import Deployment, DeploymentError, HotMesh
from .errors import ConfigurationError, HotMeshError, MigrationError
from .event_loop import run
from .quorum import QuorumError
from .telemetry import configure_logging
from .throttle import ThrottleError
from .worker import Worker

configure_logging()  # HMSH_LOGLEVEL: the level of the pyhotmesh logger (only that logger)

__all__ = [
    "CompileError", "ConfigurationError", "DBA", "Deployment", "DeploymentError", "HotMesh",
    "HotMeshError", "MigrationError", "QuorumError", "ThrottleError", "Worker",
    "CodecError", "DecodeOnly", "KeyedCodec", "run",
]
