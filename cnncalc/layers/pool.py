"""Pooling: max/avg with PyTorch's ceil_mode rule, global and adaptive pools.

Pooling has no parameters and counts 0 MACs in the torchvision convention.
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import boolean, pad_form, pair
from cnncalc.layers.autograd import Step, Tensor, symmetric
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import ZERO as NONE
from cnncalc.layers.counting import Rule, Term, per_in
from cnncalc.layers.formula import Line, window_lines
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import Pad4, Padding, Pair, Reads, Window, need_image, resolve_padding
from cnncalc.records import replace
from cnncalc.shapes import Cost, Shape

ZERO: Pad4 = (0, 0, 0, 0)
WINDOW_TERM = Term(lambda L, ins, out, m: L.kernel[0] * L.kernel[1] * out.numel, "kh·kw per output element")


class _Pool(Layer):
    main = "kernel"
    macs_formula = "0"
    conventions = Rule(NONE, per_in(1), WINDOW_TERM)
    kernel: Pair = arg(pair, doc="window: k or [kh, kw]")
    stride: Pair | None = arg(pair, default=None, doc="step (defaults to the kernel)")
    padding: Padding = arg(pad_form, default=ZERO, doc="as conv: p, [ph, pw], 4 values, valid or same")
    ceil_mode: bool = arg(boolean, default=False, doc="round the output size up, as PyTorch")

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    @property
    def step(self) -> Pair:
        return self.stride if self.stride is not None else self.kernel

    def validate(self) -> None:
        if isinstance(self.padding, tuple):
            t, b, left, r = self.padding
            kh, kw = self.kernel
            if max(t, b) > kh // 2 or max(left, r) > kw // 2:
                raise SpecError(
                    f"{self.kind} padding {self.padding} exceeds half the kernel {self.kernel}:"
                    " such windows would see only padding (PyTorch rejects it)",
                    code="E111",
                )

    def pads(self, x: Shape) -> Pad4:
        return resolve_padding(self.padding, x, self.kernel, self.step)

    def windows(self, x: Shape) -> tuple[Window, Window]:
        t, b, left, r = self.pads(x)
        (kh, kw), (sh, sw), ceil = self.kernel, self.step, self.ceil_mode
        return (Window(x.h, kh, sh, t, b, ceil=ceil, pool=True), Window(x.w, kw, sw, left, r, ceil=ceil, pool=True))

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return self.windows(inputs[0])[axis]

    def explicit_pads(self, x: Shape, out: Shape) -> Pad4:
        """Asymmetric padding written out (top, bottom, left, right): the top/left as given, at the
        bottom/right exactly what the last window needs, which reproduces PyTorch's ceil_mode rule."""
        t, _, left, _ = self.pads(x)
        (kh, kw), (sh, sw) = self.kernel, self.step
        return (t, max(0, (out.h - 1) * sh + kh - x.h - t), left, max(0, (out.w - 1) * sw + kw - x.w - left))

    def autograd(self, step: Step) -> Tensor:
        """When a gradient flows: keeps its input (or, with asymmetric padding, the padded copy the
        export pools); max pooling also int64 indices of the output's shape, and a Keras 'same'
        average pool the divisor it averages by."""
        x, s, out = step.inputs[0], step.shapes[0], step.out
        pads = self.pads(s)
        xp = x if symmetric(pads) else step.padded(x, self.explicit_pads(s, out))
        # max pooling's indices, also handed to an unpool that reads them (counted only if kept)
        indices = step.new(step.batch * out.numel, "int64", False) if isinstance(self, MaxPool) else None
        if step.needs:
            step.keep(xp)
            if indices is not None:
                step.keep(indices)
            elif not symmetric(pads) and self.padding == "same":
                step.keep(step.new(step.batch * out.h * out.w, x.dtype, False))
        y = step.output(x.dtype, step.needs)
        return y if indices is None else replace(y, indices=indices.storage)

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        wh, ww = self.windows(x)
        h, w = wh.out, ww.out
        if h < 1 or w < 1:
            raise ShapeError(
                f"{self.kind}: window {self.kernel[0]}x{self.kernel[1]} does not fit input {x}"
                f" with padding {wh.before}+{wh.after}, {ww.before}+{ww.after} (output would be {h}x{w})",
                code="E302",
            )
        return Shape((h, w, x.c))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        x = inputs[0]
        notes = []
        if self.padding == "same":
            notes.append("same padding: top {}, bottom {}, left {}, right {}".format(*self.pads(x)))
        if any(w.dropped for w in self.windows(x)):
            notes.append("ceil_mode: a last window starting in the padding was dropped")
        return tuple(notes)

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        if self.padding == "same":
            yield Variant("with no padding ('valid')", self.replace(padding=ZERO))
        else:
            yield Variant("with padding 'same'", self.replace(padding="same"))
        label = "with floor (ceil_mode: false)" if self.ceil_mode else "with ceil instead of floor (ceil_mode: true)"
        yield Variant(label, self.replace(ceil_mode=not self.ceil_mode))
        if self.step != (1, 1):
            yield Variant("with the stride not applied (stride 1)", self.replace(stride=(1, 1)))

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        h, w = self.windows(inputs[0])
        lines = window_lines(h, w, out, self.padding == "same")
        stride = "" if self.stride is not None else f" (stride defaults to the kernel, {self.kernel[0]})"
        lines.append(f"C_out = {out.c} (channels kept){stride}; no parameters; pooling counts 0 MACs")
        return lines


@register
class MaxPool(_Pool):
    """Max pooling (PyTorch MaxPool2d): output size as conv, or ceil with ceil_mode."""

    kind = "maxpool"
    aliases = ("maxpool2d", "max_pool")


@register
class AvgPool(_Pool):
    """Average pooling (PyTorch AvgPool2d): output size as conv, or ceil with ceil_mode."""

    kind = "avgpool"
    aliases = ("avgpool2d", "avg_pool")
