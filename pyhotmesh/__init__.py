"""pyhotmesh: durable workflows that live inside PostgreSQL."""

from .compiler import CompileError
from .dba import DBA
from .engine import Deployment, DeploymentError, HotMesh
from .errors import ConfigurationError, HotMeshError, MigrationError
from .worker import Worker

__all__ = [
    "CompileError", "ConfigurationError", "DBA", "Deployment", "DeploymentError", "HotMesh",
    "HotMeshError", "MigrationError", "Worker",
]
