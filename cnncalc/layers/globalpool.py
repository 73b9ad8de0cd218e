"""Global and adaptive pooling: any input size to a fixed output size; 0 MACs (torchvision)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from cnncalc.layers.args import boolean, pair
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import ZERO as NONE
from cnncalc.layers.counting import Rule, Term, per_in
from cnncalc.layers.formula import Line
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import WHOLE, Pair, Reads, Resample, need_image
from cnncalc.shapes import Cost, Shape


class _Global(Layer):
    maximum: ClassVar[bool]  # a maximum (keeps indices) or an average
    macs_formula = "0"
    keepdims: bool = arg(boolean, default=True, doc="keep 1x1xC (true) or give the vector C (false, Keras default)")

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)
        return Shape((1, 1, inputs[0].c)) if self.keepdims else Shape((inputs[0].c,))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return WHOLE

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [f"one value per channel over the whole {inputs[0].h}x{inputs[0].w} map: output {out}; 0 MACs"]

    def autograd(self, step: Step) -> Tensor:
        return _pooled(step, self.maximum, to_one=True)


@register
class GlobalAvgPool(_Global):
    """Average over H and W: 1x1xC."""

    kind = "global_avgpool"
    maximum = False
    aliases = ("gap", "global_average_pooling")
    conventions = Rule(per_in(1), per_in(1), per_in(1))

    def autograd(self, step: Step) -> Tensor:
        """Nothing (PyTorch computes a mean, whose gradient needs no values)."""
        return _Global.autograd(self, step)


@register
class GlobalMaxPool(_Global):
    """Maximum over H and W: 1x1xC."""

    kind = "global_maxpool"
    maximum = True
    conventions = Rule(NONE, per_in(1), per_in(1))

    def autograd(self, step: Step) -> Tensor:
        """Its input and int64 indices of the output's shape, when a gradient flows."""
        return _Global.autograd(self, step)


def _pooled(step: Step, maximum: bool, to_one: bool) -> Tensor:
    x = step.inputs[0]
    if step.needs and (maximum or not to_one):
        step.keep(x)
    if step.needs and maximum:
        step.keep(step.new(step.batch * step.out.numel, "int64", False))
    return step.output(x.dtype, step.needs)


def _window_sum(size: int, n: int) -> int:
    """Sum of PyTorch's adaptive window lengths: [floor(i·size/n), ceil((i+1)·size/n))."""
    return sum(-(-(i + 1) * size // n) - i * size // n for i in range(n))


ADAPTIVE_ALL = Term(lambda L, ins, out, m: _window_sum(ins[0].h, out.h) * _window_sum(ins[0].w, out.w) * ins[0].c,
                    "sum of window sizes")


class _Adaptive(Layer):
    maximum: ClassVar[bool]
    main = "output"
    macs_formula = "0"
    output: Pair = arg(pair, doc="output size: n or [h, w]")

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)
        return Shape((*self.output, inputs[0].c))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return Resample(inputs[0].dims[axis], out.dims[axis], "adaptive")

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def autograd(self, step: Step) -> Tensor:
        return _pooled(step, self.maximum, to_one=step.out.h * step.out.w == 1)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [(f"output fixed at {self.output[0]}x{self.output[1]} whatever the input; window i spans"
                 " [floor(i·in/out), ceil((i+1)·in/out)); 0 MACs")]


@register
class AdaptiveAvgPool(_Adaptive):
    """PyTorch AdaptiveAvgPool2d: any input size to the given output size."""

    kind = "adaptive_avgpool"
    maximum = False
    conventions = Rule(per_in(1), per_in(1), ADAPTIVE_ALL)

    def autograd(self, step: Step) -> Tensor:
        """Its input, when a gradient flows (nothing when the output is 1x1: a mean)."""
        return _Adaptive.autograd(self, step)


@register
class AdaptiveMaxPool(_Adaptive):
    """PyTorch AdaptiveMaxPool2d: any input size to the given output size."""

    kind = "adaptive_maxpool"
    maximum = True
    conventions = Rule(NONE, per_in(1), ADAPTIVE_ALL)

    def autograd(self, step: Step) -> Tensor:
        """Its input and int64 indices of the output's shape, when a gradient flows."""
        return _Adaptive.autograd(self, step)