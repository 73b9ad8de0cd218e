"""Cropping: explicit amounts, or to the size of an earlier output (U-Net's skip connections)."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import name_ref, nonneg_pair, pad_form
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import NOTHING
from cnncalc.layers.formula import Eq, Line, M, axes
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import Offset, Pad4, Pair, Reads, need_image
from cnncalc.shapes import Cost, Shape


@register
class Crop(Layer):
    """Crop H and W: ``like: NAME`` (or ``to: NAME``) crops to that output's size, centred
    (extra rows at the bottom/right go, as torchvision's CenterCrop for even differences) or
    from ``offset`` [top, left] (Caffe's Crop layer, FCN's offset-31 crop); or explicit
    ``amount`` (p, [ph, pw] or [top, bottom, left, right]) removed from the edges.  A size
    taken from another output stays right at any input size."""

    kind = "crop"
    aliases = ("cropping",)
    main = "amount"
    refs = ("like", "to")
    macs_formula = "0"
    conventions = NOTHING
    like: str | None = arg(name_ref, default=None, doc="name of an earlier output whose H x W to crop to")
    to: str | None = arg(name_ref, default=None, doc="the same as like (the older name)")
    offset: Pair | None = arg(nonneg_pair, default=None, doc="with like: the first row and column kept, n or [top, left]"
                              " (default: centred)")
    amount: Pad4 | str | None = arg(pad_form, default=None, doc="pixels removed from each edge")

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    @property
    def reference(self) -> str | None:
        return self.like if self.like is not None else self.to

    def validate(self) -> None:
        given = [n for n in ("like", "to", "amount") if getattr(self, n) is not None]
        if len(given) != 1:
            raise SpecError("crop takes exactly one of 'like' (or 'to') and 'amount'", code="E123")
        if self.amount == "same":
            raise SpecError("crop amount must be explicit", code="E111")
        if self.offset is not None and self.amount is not None:
            raise SpecError("crop offset goes with 'like': an amount already says where to cut", code="E123")

    def edges(self, inputs: tuple[Shape, ...]) -> Pad4:
        x = inputs[0]
        if self.reference is None:
            assert isinstance(self.amount, tuple)
            return self.amount
        target = inputs[1]
        need_image(target, self.kind)
        dh, dw = x.h - target.h, x.w - target.w
        if dh < 0 or dw < 0:
            raise ShapeError(f"crop: cannot crop {x} to the larger {target.h}x{target.w} of '{self.reference}'",
                             code="E306")
        if self.offset is None:
            return (dh // 2, dh - dh // 2, dw // 2, dw - dw // 2)
        t, left = self.offset
        if t > dh or left > dw:
            raise ShapeError(f"crop: offset [{t}, {left}] leaves less than {target.h}x{target.w} of {x}"
                             f" (at most [{dh}, {dw}])", code="E306")
        return (t, dh - t, left, dw - left)

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
        if self.reference is not None:
            where = (f"from offset [{self.offset[0]}, {self.offset[1]}]" if self.offset is not None
                     else "centred; an odd pixel goes from the bottom/right")
            lines.append(f"crop to the size of '{self.reference}' ({inputs[1].h}x{inputs[1].w}), {where}")
        return lines + axes(Eq(("H_out",), f"{x.h} {M} {t} {M} {b}", out.h),
                            Eq(("W_out",), f"{x.w} {M} {left} {M} {r}", out.w))

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def autograd(self, step: Step) -> Tensor:
        """A view of its input (nothing kept): a layer that keeps it keeps the uncropped tensor."""
        out, n = step.out, step.batch
        return step.view(step.inputs[0], (n, out.c, out.h, out.w), numel=n * out.numel)
