"""Up-sampling by a scale (integer or decimal, as PyTorch computes it) or to a size."""

from __future__ import annotations

import math
import re
from fractions import Fraction

from cnncalc.errors import ShapeError, SpecError, clip
from cnncalc.layers.args import ArgType, choice, name_ref, pair
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import register
from cnncalc.layers.counting import Rule, Term, per_out
from cnncalc.layers.formula import Eq, Line, X, axes
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import Pair, Reads, Resample, need_image
from cnncalc.layers.reshape import Mover
from cnncalc.shapes import Cost, Shape
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
        written = clip(node.value.strip()) if isinstance(node, YScalar) else "0"
        mantissa = re.split("[eE]", written)[0]
        underflow = (f"{written} is below the smallest positive double: PyTorch's float would be 0"
                     if re.search("[1-9]", mantissa) else None)
        raise SpecError(f"{what} must be above 0, got {written}", node.pos, hint=underflow, code="E111")
    return int(value) if value.is_integer() else value


def _parse_factors(node: YNode, what: str) -> tuple[Factor, Factor]:
    if isinstance(node, YSeq):
        if len(node.items) != 2:
            raise SpecError(f"{what} must be a number or a list of 2 numbers, got {describe(node)}", node.pos,
                            code="E110")
        return _factor(node.items[0], what), _factor(node.items[1], what)
    f = _factor(node, what)
    return f, f


FACTOR_SCHEMA = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_FACTOR}
_factors = ArgType(_parse_factors, {"oneOf": [FACTOR_SCHEMA, {"type": "array", "items": FACTOR_SCHEMA, "minItems": 2,
                                                              "maxItems": 2}]}, "s or [sh, sw]: integer or decimal")


def scaled(size: int, factor: Factor) -> int:
    """PyTorch's interpolate size: ``floor(size · scale)``, the product taken in double precision as torch
    takes it (so 10 · 0.7 gives 7 where exact arithmetic gives 6.99…); an integer factor is exact."""
    return size * factor if isinstance(factor, int) else math.floor(size * factor)


UPSAMPLE_TAPS = {"nearest": 1, "bilinear": 4, "bicubic": 16}
FVCORE_UPSAMPLE = {"nearest": 1, "bilinear": 4, "bicubic": 0}  # aten::upsample_bicubic2d has no handle


@register
class Upsample(Mover):
    """Resize by a ``scale`` (out = floor(in · s), as PyTorch), to a ``size``, or to the H x W of
    an earlier output (``like: NAME``: a decoder back to its encoder's size at any input); 0 MACs."""

    kind = "upsample"
    aliases = ("upsampling", "interpolate")
    main = "scale"
    refs = ("like",)
    conventions = Rule(
        Term(lambda L, ins, out, m: FVCORE_UPSAMPLE[L.mode] * out.numel, "nearest 1, bilinear 4, bicubic 0 per output element"),
        per_out(1),
        Term(lambda L, ins, out, m: UPSAMPLE_TAPS[L.mode] * out.numel, "nearest 1, bilinear 4, bicubic 16 per output element"),
    )
    scale: tuple[Factor, Factor] | None = arg(_factors, default=None, doc="factor: s or [sh, sw]; integer or decimal")
    size: Pair | None = arg(pair, default=None, doc="output size: n or [h, w] (instead of scale)")
    like: str | None = arg(name_ref, default=None, doc="name of an earlier output whose H x W to resize to")
    mode: str = arg(choice("nearest", "bilinear", "bicubic"), default="nearest", doc="interpolation")

    def validate(self) -> None:
        if sum(v is not None for v in (self.scale, self.size, self.like)) != 1:
            raise SpecError("upsample takes exactly one of 'scale', 'size' and 'like'", code="E123")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        if self.size is not None:
            return Shape((*self.size, x.c))
        if self.like is not None:
            need_image(inputs[1], self.kind)
            return Shape((inputs[1].h, inputs[1].w, x.c))
        assert self.scale is not None
        h, w = scaled(x.h, self.scale[0]), scaled(x.w, self.scale[1])
        if h < 1 or w < 1:
            raise ShapeError(f"upsample by {self.scale[0]} x {self.scale[1]} turns input {x} into {h}x{w}: "
                             "floor(in · scale) must be at least 1", code="E308")
        return Shape((h, w, x.c))

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        mode = self.mode
        if self.scale is None:
            return Resample(inputs[0].dims[axis], out.dims[axis], mode)
        # PyTorch maps back by the factor given (1/s), not by in/out: the factor's exact ratio
        ratio = Fraction(str(self.scale[axis]))
        return Resample(ratio.denominator, ratio.numerator, mode)

    def autograd(self, step: Step) -> Tensor:
        """A new output in its input's dtype, nothing kept; ``like:``'s reference gives only a size
        (no gradient flows to it, and its dtype does not matter)."""
        x = step.inputs[0]
        return step.output(x.dtype, x.grad)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x = inputs[0]
        if self.like is not None:
            return [f"output size from '{self.like}': {out.h}x{out.w}; 0 MACs ({self.mode})"]
        if self.scale is None:
            return [f"output size given: {out.h}x{out.w}; 0 MACs ({self.mode})"]

        def size(axis: str, n: int, f: Factor, got: int) -> Eq:
            if isinstance(f, int):
                return Eq((axis,), f"{n} {X} {f}", got)
            return Eq((axis,), f"floor({n} {X} {f}) = floor({n * f!r})", got)  # the double product shown

        lines = axes(size("H_out", x.h, self.scale[0], out.h), size("W_out", x.w, self.scale[1], out.w))
        if not all(isinstance(f, int) for f in self.scale):
            lines.append("the product is taken in double precision, as PyTorch takes it (10 × 0.7 gives 7)")
        return [*lines, f"{self.mode} interpolation counts 0 MACs (see --conventions)"]


