"""pyhotmesh: durable workflows that live inside PostgreSQL."""

from .compiler import CompileError
from .engine import Deployment, DeploymentError, HotMesh
from .errors import ConfigurationError, HotMeshError, MigrationError
from .quorum import QuorumError
from .throttle import ThrottleError
from .worker import Worker

__all__ = [
    "CompileError", "ConfigurationError", "Deployment", "DeploymentError", "HotMesh",
    "HotMeshError", "MigrationError", "QuorumError", "ThrottleError", "Worker",
]
