"""Layers that move values without learning: flatten, pixel (un)shuffle, zeropad (up-sampling: upsample.py)."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError
from cnncalc.layers.args import explicit_pads, pos_int
from cnncalc.layers.autograd import Step, Tensor, keeps_nothing, mergeable
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import NOTHING
from cnncalc.layers.formula import Eq, Line, X, axes, mul
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import WHOLE, Offset, Padding, Reads, Resample, Window, need_image
from cnncalc.shapes import Cost, Shape


class Mover(Layer):
    """The family of kinds that only move values: no parameters, 0 MACs, no alternatives."""

    macs_formula = "0"
    conventions = NOTHING

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def autograd(self, step: Step) -> Tensor:
        """A new output, nothing kept: moving values needs nothing to move gradients back."""
        return keeps_nothing(step)


@register
class Flatten(Mover):
    """H x W x C to the vector H·W·C (a vector stays as it is)."""

    kind = "flatten"

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return Shape((inputs[0].numel,))

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return WHOLE

    def autograd(self, step: Step) -> Tensor:
        """A view of its input (nothing kept); flattening a strided tensor (a crop) copies it."""
        x, n = step.inputs[0], step.batch
        if len(x.shape) <= 2:
            return step.view(x)
        if not mergeable(x.shape, x.strides):
            return step.output(x.dtype, x.grad)
        return step.view(x, (n, step.out.c), (x.strides[0], x.strides[-1]), n * step.out.c)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [Eq(("C_out",), mul(*inputs[0].dims), out.c)] if inputs[0].is_image else ["a vector stays as it is"]


@register
class PixelShuffle(Mover):
    """Sub-pixel up-sampling (PyTorch PixelShuffle): H·r x W·r x C/r²; C must divide by r²; 0 MACs."""

    kind = "pixel_shuffle"
    aliases = ("pixelshuffle", "depth_to_space")
    main = "factor"
    factor: int = arg(pos_int, doc="upscale factor r")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x, r = inputs[0], self.factor
        need_image(x, self.kind)
        if x.c % (r * r):
            raise ShapeError(f"pixel_shuffle: {r}² = {r * r} must divide the channels of input {x}", code="E303")
        return Shape((x.h * r, x.w * r, x.c // (r * r)))

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return Resample(1, self.factor, "nearest")  # output o reads input o // r

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, r = inputs[0], self.factor
        return [*axes(Eq(("H_out",), f"{x.h} {X} {r}", out.h), Eq(("W_out",), f"{x.w} {X} {r}", out.w)),
                Eq(("C_out",), f"{x.c} / ({r} {X} {r})", out.c), "values are only moved: no parameters, 0 MACs"]


@register
class PixelUnshuffle(Mover):
    """The inverse of pixel_shuffle (PyTorch PixelUnshuffle): H/r x W/r x C·r²; r must divide H and W."""

    kind = "pixel_unshuffle"
    aliases = ("pixelunshuffle", "space_to_depth")
    main = "factor"
    factor: int = arg(pos_int, doc="downscale factor r")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x, r = inputs[0], self.factor
        need_image(x, self.kind)
        if x.h % r or x.w % r:
            raise ShapeError(f"pixel_unshuffle: {r} must divide the height and width of input {x}", code="E309")
        return Shape((x.h // r, x.w // r, x.c * r * r))

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return Window(inputs[0].dims[axis], self.factor, self.factor, 0, 0)  # an r x r block per output

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, r = inputs[0], self.factor
        return [*axes(Eq(("H_out",), f"{x.h} / {r}", out.h), Eq(("W_out",), f"{x.w} / {r}", out.w)),
                Eq(("C_out",), f"{x.c} {X} {r} {X} {r}", out.c), "values are only moved: no parameters, 0 MACs"]


@register
class ZeroPad(Mover):
    """Pad with zeros: H + top + bottom, W + left + right."""

    kind = "zeropad"
    aliases = ("zeropadding", "pad")
    main = "padding"
    padding: Padding = arg(explicit_pads("zeropad"), doc="p, [ph, pw] or [top, bottom, left, right]")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        assert isinstance(self.padding, tuple)
        t, b, left, r = self.padding
        return Shape((x.h + t + b, x.w + left + r, x.c))

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        assert isinstance(self.padding, tuple)
        return Offset(-self.padding[2 * axis])

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x = inputs[0]
        assert isinstance(self.padding, tuple)
        t, b, left, r = self.padding
        return axes(Eq(("H_out",), f"{x.h} + {t} + {b}", out.h), Eq(("W_out",), f"{x.w} + {left} + {r}", out.w))
