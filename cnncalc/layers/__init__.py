"""Layer kinds, one module per family; importing this package fills REGISTRY."""

from . import act, blocks, conv, dense, merge, norm, pool, reshape  # noqa: F401  (registration)
from .base import REGISTRY, Layer, build

__all__ = ["REGISTRY", "Layer", "build"]
