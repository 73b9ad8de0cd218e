"""Cropping: explicit amounts, or to the size of an earlier output (U-Net's skip connections)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import name_ref, pad_form
from cnncalc.layers.base import Layer, Pad4, Variant, arg, need_image, register
from cnncalc.layers.counting import NOTHING
from cnncalc.layers.formula import Eq, Line, M, axes
from cnncalc.layers.geometry import Offset, Reads
from cnncalc.shapes import Cost, Shape


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
    macs_formula = "0"
    conventions = NOTHING
    to: str | None = arg(name_ref, None, "name of an earlier output whose H x W to crop to")
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

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return Offset(self.edges(inputs)[2 * axis])  # the reference input (to:) is read for its size only

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x = inputs[0]
        t, b, left, r = self.edges(inputs)
        lines: list[Line] = []
        if self.to is not None:
            lines.append(f"centre crop to '{self.to}' ({inputs[1].h}x{inputs[1].w}); an odd pixel goes from the"
                         " bottom/right")
        return lines + axes(Eq(("H_out",), f"{x.h} {M} {t} {M} {b}", out.h),
                            Eq(("W_out",), f"{x.w} {M} {left} {M} {r}", out.w))

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())
