"""Fully connected layers."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.layers.base import Layer, arg, boolean, pos_int, register
from cnncalc.shapes import Cost, Shape


@register
@dataclass(frozen=True, kw_only=True)
class Dense(Layer):
    """Fully connected on the last axis (Keras Dense; PyTorch Linear on a vector).

    On H x W x C it maps C to ``units`` at every position: H x W x units.
    params = C · units + bias · units; MACs = positions · C · units.
    """

    kind = "dense"
    aliases = ("linear", "fc")
    main = "units"
    units: int = arg(pos_int, doc="output features")
    bias: bool = arg(boolean, True, "add a learned bias per unit")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0].with_c(self.units)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        x = inputs[0]
        positions = x.numel // x.c
        return Cost(
            trainable=x.c * self.units + self.bias * self.units,
            macs=positions * x.c * self.units,
        )
