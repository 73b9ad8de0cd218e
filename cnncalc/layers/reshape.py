"""Layers that move values without learning: flatten, upsample, pixel (un)shuffle, zeropad."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.base import Layer, Padding, Pair, arg, choice, need_image, pad_form, pair, pos_int, register
from cnncalc.shapes import Shape
from cnncalc.source.values import as_float, as_int, describe
from cnncalc.source.yamltree import YNode, YScalar, YSeq

Factor = int | float
MAX_FACTOR = 1e6


def _factor(node: YNode, what: str) -> Factor:
    """A positive scale factor: an integer stays exact; a decimal is a float, as PyTorch's scale_factor."""
    if isinstance(node, YScalar) and node.plain and re.fullmatch(r"[+-]?[0-9_]+", node.value.strip()):
        return as_int(node, what, minimum=1)
    value = as_float(node, what, 0.0, MAX_FACTOR)  # refuses anything but a plain number
    if value <= 0:
        raise SpecError(f"{what} must be above 0, got {value:g}", node.pos, code="E111")
    return int(value) if value.is_integer() else value


def _factors(node: YNode, what: str) -> tuple[Factor, Factor]:
    if isinstance(node, YSeq):
        if len(node.items) != 2:
            raise SpecError(f"{what} must be a number or a list of 2 numbers, got {describe(node)}", node.pos,
                            code="E110")
        return _factor(node.items[0], what), _factor(node.items[1], what)
    f = _factor(node, what)
    return f, f


def scaled(size: int, factor: Factor) -> int:
    """PyTorch's interpolate size: ``floor(size · scale)``, the product taken in double precision as torch
    takes it (so 10 · 0.7 gives 7 where exact arithmetic gives 6.99…); an integer factor is exact."""
    return size * factor if isinstance(factor, int) else math.floor(size * factor)


@register
@dataclass(frozen=True, kw_only=True)
class Flatten(Layer):
    """H x W x C to the vector H·W·C (a vector stays as it is)."""

    kind = "flatten"

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return Shape((inputs[0].numel,))


@register
@dataclass(frozen=True, kw_only=True)
class Upsample(Layer):
    """Resize by a ``scale`` (out = floor(in · s), as PyTorch) or to a ``size``; 0 MACs."""

    kind = "upsample"
    aliases = ("upsampling", "interpolate")
    main = "scale"
    scale: tuple[Factor, Factor] | None = arg(_factors, None, "factor: s or [sh, sw]; integer or decimal")
    size: Pair | None = arg(pair, None, "output size: n or [h, w] (instead of scale)")
    mode: str = arg(choice("nearest", "bilinear", "bicubic"), "nearest", "interpolation")

    def validate(self) -> None:
        if (self.scale is None) == (self.size is None):
            raise SpecError("upsample takes exactly one of 'scale' and 'size'", code="E123")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        if self.size is not None:
            return Shape((*self.size, x.c))
        assert self.scale is not None
        h, w = scaled(x.h, self.scale[0]), scaled(x.w, self.scale[1])
        if h < 1 or w < 1:
            raise ShapeError(f"upsample by {self.scale[0]} x {self.scale[1]} turns input {x} into {h}x{w}: "
                             "floor(in · scale) must be at least 1", code="E308")
        return Shape((h, w, x.c))


@register
@dataclass(frozen=True, kw_only=True)
class PixelShuffle(Layer):
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


@register
@dataclass(frozen=True, kw_only=True)
class PixelUnshuffle(Layer):
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


def _nonneg_pad(node: YNode, what: str) -> Padding:
    pad = pad_form(node, what)
    if pad == "same":
        raise SpecError("zeropad needs explicit amounts; 'same' depends on a kernel", node.pos, code="E111")
    return pad


@register
@dataclass(frozen=True, kw_only=True)
class ZeroPad(Layer):
    """Pad with zeros: H + top + bottom, W + left + right."""

    kind = "zeropad"
    aliases = ("zeropadding", "pad")
    main = "padding"
    padding: Padding = arg(_nonneg_pad, doc="p, [ph, pw] or [top, bottom, left, right]")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        assert isinstance(self.padding, tuple)
        t, b, left, r = self.padding
        return Shape((x.h + t + b, x.w + left + r, x.c))

