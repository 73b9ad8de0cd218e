"""The sliding-window convolution family: geometry, receptive field, alternatives, convention."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError
from cnncalc.layers.args import boolean, pad_form, pair
from cnncalc.layers.autograd import Step, Tensor, symmetric
from cnncalc.layers.base import Layer, Variant
from cnncalc.layers.counting import WEIGHTED
from cnncalc.layers.formula import Line, window_lines
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import Pad4, Padding, Pair, Reads, Window, checked_out, need_image, resolve_padding
from cnncalc.shapes import Shape

ZERO: Pad4 = (0, 0, 0, 0)


def k_eff(kernel: Pair, dilation: Pair) -> Pair:
    """Extent a dilated kernel covers: d·(k−1) + 1 per axis."""
    return (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)


class Windowed(Layer):
    """The family of sliding-window convolutions (Conv2d's geometry arguments): the window,
    receptive field, the padding/bias/stride/rounding alternatives and the convention rule
    are stated here once for conv, dwconv, sepconv and deform_conv."""

    kernel: Pair = arg(pair, doc="kernel size: k or [kh, kw]")
    stride: Pair = arg(pair, default=(1, 1), doc="step: s or [sh, sw]")
    padding: Padding = arg(pad_form, default=ZERO, doc="p, [ph, pw], [top, bottom, left, right], valid or same")
    dilation: Pair = arg(pair, default=(1, 1), doc="spacing of kernel taps: d or [dh, dw]")
    bias: bool = arg(boolean, default=True, doc="add a learned bias per output channel")
    conventions = WEIGHTED

    def pads(self, x: Shape) -> Pad4:
        return resolve_padding(self.padding, x, k_eff(self.kernel, self.dilation), self.stride)

    def windows(self, x: Shape) -> tuple[Window, Window]:
        t, b, left, r = self.pads(x)
        (kh, kw), (sh, sw), (dh, dw) = self.kernel, self.stride, self.dilation
        return Window(x.h, kh, sh, t, b, dh), Window(x.w, kw, sw, left, r, dw)

    def spatial(self, x: Shape) -> Pair:
        """(H_out, W_out) = floor((in + pads − d·(k−1) − 1) / s) + 1 per axis."""
        need_image(x, self.kind)
        h, w = self.windows(x)
        return checked_out(h, 0, self.kind, x), checked_out(w, 1, self.kind, x)

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return self.windows(inputs[0])[axis]

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        if self.padding == "same":
            t, b, left, r = self.pads(inputs[0])
            return (f"same padding: top {t}, bottom {b}, left {left}, right {r}",)
        return ()

    def padded_input(self, step: Step) -> Tensor:
        """The tensor the module convolves: the input, or an explicitly padded copy when the
        padding is asymmetric (the export puts a ZeroPad2d in front of the conv)."""
        pads = self.pads(step.shapes[0])
        return step.inputs[0] if symmetric(pads) else step.padded(step.inputs[0], pads)

    def geometry_lines(self, x: Shape, out: Shape) -> list[Line]:
        h, w = self.windows(x)
        return window_lines(h, w, out, self.padding == "same")

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        if self.padding == "same":
            yield Variant("with no padding ('valid')", self.replace(padding=ZERO))
        else:
            yield Variant("with padding 'same'", self.replace(padding="same"))
        yield Variant("without the bias" if self.bias else "with a bias", self.replace(bias=not self.bias))
        if self.stride != (1, 1):
            yield Variant("with the stride not applied (stride 1)", self.replace(stride=(1, 1)))
        h, w = self.windows(inputs[0])
        out = self.infer(inputs)
        if (h.ceil_out, w.ceil_out) != (out.h, out.w):
            ceil = Shape((h.ceil_out, w.ceil_out, out.c))
            yield Variant("with ceil instead of floor in the output size", output=ceil, cost=self.cost(inputs, ceil))


def check_groups(kind: str, c_in: int, c_out: int, groups: int, x: Shape) -> None:
    if c_in % groups or c_out % groups:
        raise ShapeError(
            f"{kind}: groups={groups} must divide both the input channels ({c_in},"
            f" input {x}) and the output channels ({c_out})",
            code="E303",
        )


