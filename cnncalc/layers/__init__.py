"""Layer kinds, one module per family; importing this package fills REGISTRY."""

from cnncalc.layers import act, composite, conv, deconv, dense, merge, norm, pool, reshape  # noqa: F401  (registration)
from cnncalc.layers.base import REGISTRY, Layer, build

__all__ = ["REGISTRY", "Layer", "build"]
