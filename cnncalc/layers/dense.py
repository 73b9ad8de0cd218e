"""Fully connected layers."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.layers.args import boolean, pos_int
from cnncalc.layers.autograd import Step, Tensor, mergeable
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import WEIGHTED
from cnncalc.layers.formula import Eq, Line, X, mul
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import SAME, Reads
from cnncalc.shapes import Cost, Shape


@register
class Dense(Layer):
    """Fully connected on the last axis (Keras Dense; PyTorch Linear on a vector).

    On H x W x C it maps C to ``units`` at every position: H x W x units.
    params = C · units + bias · units; MACs = positions · C · units.
    """

    kind = "dense"
    aliases = ("linear", "fc")
    main = "units"
    macs_formula = "positions·C_in·units"
    conventions = WEIGHTED
    units: int = arg(pos_int, doc="output features")
    bias: bool = arg(boolean, default=True, doc="add a learned bias per unit")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0].with_c(self.units)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        x = inputs[0]
        positions = x.numel // x.c
        return Cost(
            trainable=x.c * self.units + self.bias * self.units,
            macs=positions * x.c * self.units,
        )

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        weight = inputs[0].c * self.units
        return (weight, self.units) if self.bias else (weight,)

    def autograd(self, step: Step) -> Tensor:
        """Keeps its input; on an image, the channels-last copy the module makes of it (a view when
        the input is channels-last already, or N, H·W or C is 1), and its output is channels-last.  Autocast copies the weight, kept only for the input's gradient."""
        x = step.cast(step.inputs[0])
        if step.shapes[0].is_image:  # x.movedim(1, -1).reshape(-1, C): N, H and W must merge
            n, c, h, w = x.shape
            sn, _, sh, sw = x.strides
            if not mergeable((1, n, h, w), (0, sn, sh, sw)):
                x = step.new(x.numel, x.dtype, x.grad, (n * h * w, c))
        step.keep(x)
        step.weight_copy(step.shapes[0].c * self.units, kept=step.inputs[0].grad)
        fwd = step.batch * step.cost.macs
        step.macs(fwd if step.inputs[0].grad else 0, fwd)
        return step.output(x.dtype, True, like=step.shapes[0].is_image)  # on an image: movedim(-1, 1), channels-last

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return SAME  # position by position (a vector has no spatial axes)

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        yield Variant("without the bias" if self.bias else "with a bias", self.replace(bias=not self.bias))

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, u = inputs[0], self.units
        lines: list[Line] = [Eq(("params",), f"{x.c} {X} {u} + {u}" if self.bias else f"{x.c} {X} {u}", cost.params)]
        pos = x.dims[:-1]
        lines.append(Eq(("MACs",), mul(*pos, x.c, u), cost.macs))
        if pos:
            lines.insert(0, f"applied at each of the {' x '.join(map(str, pos))} positions")
        return lines
