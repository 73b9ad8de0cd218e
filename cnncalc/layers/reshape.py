"""Layers that move values without learning: flatten, upsample, zeropad."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SpecError
from ..shapes import Shape
from ..yamltree import YNode
from .base import Layer, Padding, Pair, arg, choice, need_image, pad_form, pair, register


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
    """Resize by an integer ``scale`` (out = in · s) or to a ``size``; 0 MACs."""

    kind = "upsample"
    aliases = ("upsampling", "interpolate")
    main = "scale"
    scale: Pair | None = arg(pair, None, "integer factor: s or [sh, sw]")
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
        return Shape((x.h * self.scale[0], x.w * self.scale[1], x.c))


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

