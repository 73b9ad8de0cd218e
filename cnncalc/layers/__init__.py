"""Layer kinds, one module per family; importing this package fills REGISTRY."""

from cnncalc.layers import (  # noqa: F401  (registration: one module per family)
    act,
    channels,
    composite,
    conv,
    crop,
    deconv,
    deform,
    dense,
    globalpool,
    lrn,
    merge,
    norm,
    pool,
    reshape,
    unpool,
    upsample,
)
from cnncalc.layers.args import build
from cnncalc.layers.base import REGISTRY, Layer

__all__ = ["REGISTRY", "Layer", "build"]
