"""Transposed convolution (deconv): the up-sampling conv, counted from its input."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.base import (
    Layer,
    Pad4,
    Padding,
    Pair,
    arg,
    boolean,
    need_image,
    nonneg_pair,
    pad_form,
    pair,
    pos_int,
    register,
)
from cnncalc.layers.conv import ZERO, check_groups, k_eff
from cnncalc.shapes import Cost, Shape


@register
@dataclass(frozen=True, kw_only=True)
class Deconv(Layer):
    """Transposed convolution (PyTorch ConvTranspose2d).

    out = (in − 1)·s − pad_before − pad_after + d·(k − 1) + output_padding + 1;
    ``padding: same`` is Keras' Conv2DTranspose: out = in·s, i.e. max(d·(k − 1) + 1 − s, 0)
    removed (the odd one at the bottom/right) and max(s − d·(k − 1) − 1, 0) output padding;
    params = C_in · (C_out/groups) · kh · kw + bias · C_out;
    MACs = H_in · W_in · C_in · (C_out/groups) · kh · kw — input-based: every input
    pixel is multiplied into a kh x kw x C_out/groups patch once.  Counting it from
    the output (as for conv) over-counts by about stride².
    """

    kind = "deconv"
    aliases = ("conv_transpose", "convtranspose")
    main = "filters"
    filters: int = arg(pos_int, doc="output channels")
    kernel: Pair = arg(pair, doc="kernel size: k or [kh, kw]")
    stride: Pair = arg(pair, (1, 1), "upsampling step: s or [sh, sw]")
    padding: Padding = arg(pad_form, ZERO, "p, [ph, pw] or [top, bottom, left, right] removed from the output;"
                           " same: out = in·stride (Keras)")
    output_padding: Pair = arg(nonneg_pair, (0, 0), "extra rows/cols at the bottom/right")
    dilation: Pair = arg(pair, (1, 1), "spacing of kernel taps")
    groups: int = arg(pos_int, 1, "channel groups")
    bias: bool = arg(boolean, True, "add a learned bias per filter")

    def validate(self) -> None:
        if self.padding == "same" and self.output_padding != (0, 0):
            raise SpecError("deconv with padding 'same' sets its own output_padding (out = in·stride);"
                            " give explicit padding to choose output_padding", code="E111")
        for axis, op, s, d in zip("hw", self.output_padding, self.stride, self.dilation):
            if op >= s and op >= d:
                raise SpecError(
                    f"deconv output_padding ({op}) must be smaller than the stride ({s}) or the"
                    f" dilation ({d}) on axis {axis}, as PyTorch requires",
                    code="E111",
                )

    def pads(self) -> Pad4:
        """Rows and columns removed: (top, bottom, left, right), Keras 'same' resolved."""
        if isinstance(self.padding, tuple):
            return self.padding
        (t, b), (left, r) = (_split_half(max(ke - s, 0)) for ke, s in zip(k_eff(self.kernel, self.dilation), self.stride))
        return t, b, left, r

    def extra(self) -> Pair:
        """output_padding, Keras 'same' resolved (the rows a stride above the kernel leaves)."""
        if isinstance(self.padding, tuple):
            return self.output_padding
        ke = k_eff(self.kernel, self.dilation)
        return max(self.stride[0] - ke[0], 0), max(self.stride[1] - ke[1], 0)

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        t, b, left, r = self.pads()
        (oh, ow), ke = self.extra(), k_eff(self.kernel, self.dilation)
        h = (x.h - 1) * self.stride[0] - t - b + ke[0] + oh
        w = (x.w - 1) * self.stride[1] - left - r + ke[1] + ow
        if h < 1 or w < 1:
            raise ShapeError(f"deconv: padding removes the whole output ({h}x{w}) for input {x}", code="E304")
        check_groups(self.kind, x.c, self.filters, self.groups, x)
        return Shape((h, w, self.filters))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        x = inputs[0]
        per_in = self.filters // self.groups * self.kernel[0] * self.kernel[1]
        return Cost(
            trainable=x.c * per_in + self.bias * self.filters,
            macs=x.h * x.w * x.c * per_in,
        )


def _split_half(total: int) -> Pair:
    return total // 2, total - total // 2
