"""pyhotmesh: durable workflows that live inside PostgreSQL."""

from .codec import CodecError, DecodeOnly, KeyedCodec
from .compiler import CompileError
from .engine import Deployment, DeploymentError, HotMesh
from .errors import ConfigurationError, HotMeshError, MigrationError
from .worker import Worker

__all__ = [
    "CompileError", "ConfigurationError", "Deployment", "DeploymentError", "HotMesh",
    "HotMeshError", "MigrationError", "Worker",
    "CodecError", "DecodeOnly", "KeyedCodec",
]
