"""Composite and graph-aware layers: se, channel_shuffle, crop, deform_conv."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.base import Layer, Pad4, arg, boolean, choice, need_image, nonneg_int, pad_form, pos_int, register
from cnncalc.layers.conv import Conv
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import as_str
from cnncalc.source.yamltree import YNode


def make_divisible(v: int, d: int) -> int:
    """torchvision's _make_divisible for integer v: nearest multiple of d, never below 90 % of v."""
    new = max(d, (v + d // 2) // d * d)
    return new + d if 10 * new < 9 * v else new


@register
@dataclass(frozen=True, kw_only=True)
class SqueezeExcite(Layer):
    """Squeeze-and-excitation (torchvision SqueezeExcitation): global average pool,
    1x1 conv C→S, activation, 1x1 conv S→C, gate, multiply with the input.

    S = ``squeeze``, or C // ``reduction`` (made divisible by ``divisible_by`` if given).
    params = C·S + S + S·C + C (both convs have biases); MACs = 2·C·S (the convs run
    on a 1x1 map; pooling, gate and multiply count 0).
    """

    kind = "se"
    aliases = ("squeeze_excite",)
    main = "reduction"
    reduction: int | None = arg(pos_int, None, "S = C // reduction")
    squeeze: int | None = arg(pos_int, None, "S given directly (instead of reduction)")
    divisible_by: int | None = arg(pos_int, None, "round S as torchvision's _make_divisible")
    activation: str = arg(choice("relu", "silu", "swish"), "relu", "between the two 1x1 convs")
    gate: str = arg(choice("sigmoid", "hardsigmoid"), "sigmoid", "applied before the multiply")

    def validate(self) -> None:
        if (self.reduction is None) == (self.squeeze is None):
            raise SpecError("se takes exactly one of 'reduction' and 'squeeze'", code="E123")

    def squeezed(self, c: int) -> int:
        if self.squeeze is not None:
            return self.squeeze
        assert self.reduction is not None
        s = c // self.reduction
        s = make_divisible(s, self.divisible_by) if self.divisible_by else s
        if s < 1:
            raise ShapeError(f"se: {c} channels // reduction {self.reduction} leaves no channels", code="E305")
        return s

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)
        self.squeezed(inputs[0].c)
        return inputs[0]

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        c = inputs[0].c
        s = self.squeezed(c)
        return Cost(trainable=c * s + s + s * c + c, macs=2 * c * s)

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        return (f"squeeze to {self.squeezed(inputs[0].c)} channels",)


@register
@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(Layer):
    """ShuffleNet's channel shuffle: ``groups`` must divide C; no parameters."""

    kind = "channel_shuffle"
    main = "groups"
    groups: int = arg(pos_int, doc="number of groups")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        if x.c % self.groups:
            raise ShapeError(f"channel_shuffle: groups={self.groups} must divide the channels of {x}", code="E303")
        return x


@register
@dataclass(frozen=True, kw_only=True)
class ChannelSplit(Layer):
    """Slice ``index`` (from 0) of ``parts`` equal channel slices, as ``torch.chunk(x, parts,
    dim=1)[index]`` (ShuffleNetV2's channel split); no parameters, 0 MACs."""

    kind = "channel_split"
    parts: int = arg(pos_int, doc="number of equal slices; must divide C")
    index: int = arg(nonneg_int, doc="which slice, from 0")

    def validate(self) -> None:
        if self.index >= self.parts:
            raise SpecError(f"channel_split: index {self.index} is not below parts={self.parts}", code="E111")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        if x.c % self.parts:
            raise ShapeError(f"channel_split: parts={self.parts} must divide the channels of {x}", code="E303")
        return x.with_c(x.c // self.parts)


def _name(node: YNode, what: str) -> str:
    return as_str(node, what)


@register
@dataclass(frozen=True, kw_only=True)
class Crop(Layer):
    """Crop H and W: ``to: NAME`` centre-crops to that output's size (extra rows at the
    bottom/right go, as torchvision's CenterCrop for even differences); or explicit
    ``amount`` (p, [ph, pw] or [top, bottom, left, right]) removed from the edges."""

    kind = "crop"
    aliases = ("cropping",)
    main = "amount"
    refs = ("to",)
    to: str | None = arg(_name, None, "name of an earlier output whose H x W to crop to")
    amount: Pad4 | str | None = arg(pad_form, None, "pixels removed from each edge")

    def validate(self) -> None:
        if (self.to is None) == (self.amount is None):
            raise SpecError("crop takes exactly one of 'to' and 'amount'", code="E123")
        if self.amount == "same":
            raise SpecError("crop amount must be explicit", code="E111")

    def edges(self, inputs: tuple[Shape, ...]) -> Pad4:
        x = inputs[0]
        if self.to is None:
            assert isinstance(self.amount, tuple)
            return self.amount
        target = inputs[1]
        need_image(target, self.kind)
        dh, dw = x.h - target.h, x.w - target.w
        if dh < 0 or dw < 0:
            raise ShapeError(f"crop: cannot crop {x} to the larger {target.h}x{target.w} of '{self.to}'", code="E306")
        return (dh // 2, dh - dh // 2, dw // 2, dw - dw // 2)

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        t, b, left, r = self.edges(inputs)
        h, w = x.h - t - b, x.w - left - r
        if h < 1 or w < 1:
            raise ShapeError(f"crop: removing {t}+{b} rows and {left}+{r} columns empties {x}", code="E306")
        return Shape((h, w, x.c))


@register
@dataclass(frozen=True, kw_only=True)
class DeformConv(Conv):
    """Deformable conv v1: conv + offset conv; bilinear sampling H_out·W_out·C_in·kh·kw·4 MACs apart.

    torchvision.ops.DeformConv2d plus its offset conv.

    The offset conv is a conv with the same kernel, stride, padding and dilation
    producing 2·kh·kw·offset_groups channels (with bias).  Counted: both convs, as
    conv.  Not in the convention total: bilinear sampling, 4 MACs per sampled value,
    H_out·W_out·C_in·kh·kw·4 (shown in the notes).
    """

    kind = "deform_conv"
    aliases = ("deformconv",)
    offset_groups: int = arg(pos_int, 1, "offset groups (must divide the input channels)")
    offset_bias: bool = arg(boolean, True, "bias on the offset conv")

    def offset_conv(self) -> Conv:
        oc = 2 * self.kernel[0] * self.kernel[1] * self.offset_groups
        return Conv(filters=oc, kernel=self.kernel, stride=self.stride, padding=self.padding,
                    dilation=self.dilation, bias=self.offset_bias)

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        if inputs[0].is_image and inputs[0].c % self.offset_groups:
            raise ShapeError(f"deform_conv: offset_groups={self.offset_groups} must divide the channels of {inputs[0]}", code="E303")
        return super().infer(inputs)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        off = self.offset_conv()
        both = super().cost(inputs, out) + off.cost(inputs, off.infer(inputs))
        return Cost(both.trainable, both.non_trainable, both.macs, self.sampling_macs(inputs, out))

    def sampling_macs(self, inputs: tuple[Shape, ...], out: Shape) -> int:
        return out.h * out.w * inputs[0].c * self.kernel[0] * self.kernel[1] * 4

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        n = self.sampling_macs(inputs, out)
        return (*super().notes(inputs, out), f"bilinear sampling: {n:,} MACs, not in the total")

