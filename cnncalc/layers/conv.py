"""Convolutions over a sliding window: conv, dwconv, sepconv (transposed conv: deconv.py)."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import ShapeError
from cnncalc.layers.base import (
    Layer,
    Pad4,
    Padding,
    Pair,
    arg,
    boolean,
    need_image,
    pad_form,
    pair,
    pos_int,
    register,
    resolve_padding,
    window_out,
)
from cnncalc.shapes import Cost, Shape

ZERO: Pad4 = (0, 0, 0, 0)


def k_eff(kernel: Pair, dilation: Pair) -> Pair:
    """Extent a dilated kernel covers: d·(k−1) + 1 per axis."""
    return (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)


@dataclass(frozen=True, kw_only=True)
class _Windowed(Layer):
    """Shared geometry of every sliding-window layer with Conv2d's arguments."""

    kernel: Pair = arg(pair, doc="kernel size: k or [kh, kw]")
    stride: Pair = arg(pair, (1, 1), "step: s or [sh, sw]")
    padding: Padding = arg(pad_form, ZERO, "p, [ph, pw], [top, bottom, left, right], valid or same")
    dilation: Pair = arg(pair, (1, 1), "spacing of kernel taps: d or [dh, dw]")

    def pads(self, x: Shape) -> Pad4:
        return resolve_padding(self.padding, x, k_eff(self.kernel, self.dilation), self.stride)

    def spatial(self, x: Shape) -> Pair:
        """(H_out, W_out) = floor((in + pads − d·(k−1) − 1) / s) + 1 per axis."""
        need_image(x, self.kind)
        t, b, left, r = self.pads(x)
        ke = k_eff(self.kernel, self.dilation)
        return (
            window_out(x.h, t, b, ke[0], self.stride[0], "height", self.kind, x),
            window_out(x.w, left, r, ke[1], self.stride[1], "width", self.kind, x),
        )

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        if self.padding == "same":
            t, b, left, r = self.pads(inputs[0])
            return (f"same padding: top {t}, bottom {b}, left {left}, right {r}",)
        return ()


def check_groups(kind: str, c_in: int, c_out: int, groups: int, x: Shape) -> None:
    if c_in % groups or c_out % groups:
        raise ShapeError(
            f"{kind}: groups={groups} must divide both the input channels ({c_in},"
            f" input {x}) and the output channels ({c_out})",
            code="E303",
        )


@register
@dataclass(frozen=True, kw_only=True)
class Conv(_Windowed):
    """2-D convolution (PyTorch Conv2d, Keras Conv2D).

    params = C_out · (C_in/groups · kh · kw + bias);
    MACs = H_out · W_out · C_out · (C_in/groups) · kh · kw (bias adds are not MACs).
    """

    kind = "conv"
    aliases = ("conv2d",)
    main = "filters"
    filters: int = arg(pos_int, doc="output channels")
    groups: int = arg(pos_int, 1, "channel groups; must divide in and out channels")
    bias: bool = arg(boolean, True, "add a learned bias per filter")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        h, w = self.spatial(x)
        check_groups(self.kind, x.c, self.filters, self.groups, x)
        return Shape((h, w, self.filters))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        per_filter = inputs[0].c // self.groups * self.kernel[0] * self.kernel[1]
        return Cost(
            trainable=self.filters * (per_filter + self.bias),
            macs=out.h * out.w * self.filters * per_filter,
        )


@register
@dataclass(frozen=True, kw_only=True)
class DepthwiseConv(_Windowed):
    """Depthwise convolution: one kh x kw filter per input channel (x multiplier).

    C_out = C_in · multiplier; params = C_out · (kh · kw + bias);
    MACs = H_out · W_out · C_out · kh · kw.
    """

    kind = "dwconv"
    aliases = ("depthwise_conv",)
    main = "kernel"
    multiplier: int = arg(pos_int, 1, "filters per input channel (Keras depth_multiplier)")
    bias: bool = arg(boolean, True, "add a learned bias per output channel")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w = self.spatial(inputs[0])
        return Shape((h, w, inputs[0].c * self.multiplier))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        taps = self.kernel[0] * self.kernel[1]
        return Cost(trainable=out.c * (taps + self.bias), macs=out.h * out.w * out.c * taps)


@register
@dataclass(frozen=True, kw_only=True)
class SeparableConv(_Windowed):
    """Keras SeparableConv2D: depthwise (no bias) then a 1x1 conv to ``filters``.

    params = C_in·m·kh·kw + C_in·m·filters + bias·filters;
    MACs = H_out·W_out·(C_in·m·kh·kw + C_in·m·filters).
    """

    kind = "sepconv"
    aliases = ("separable_conv",)
    main = "filters"
    filters: int = arg(pos_int, doc="output channels of the pointwise conv")
    multiplier: int = arg(pos_int, 1, "depthwise filters per input channel")
    bias: bool = arg(boolean, True, "bias on the pointwise conv (Keras use_bias)")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w = self.spatial(inputs[0])
        return Shape((h, w, self.filters))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        mid = inputs[0].c * self.multiplier
        per_pos = mid * self.kernel[0] * self.kernel[1] + mid * self.filters
        return Cost(trainable=per_pos + self.bias * self.filters, macs=out.h * out.w * per_pos)
