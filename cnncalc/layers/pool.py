"""Pooling: max/avg with PyTorch's ceil_mode rule, global and adaptive pools.

Pooling has no parameters and counts 0 MACs in the torchvision convention.
"""

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
    pad_form,
    pair,
    register,
    resolve_padding,
)
from cnncalc.shapes import Shape

ZERO: Pad4 = (0, 0, 0, 0)


def pool_out(size: int, before: int, after: int, k: int, s: int, ceil: bool) -> tuple[int, bool]:
    """PyTorch's pooling_output_shape: (output, whether the last-window rule fired).

    floor or ceil of (in + before + after − k) / s, plus 1; in ceil mode a last
    window that would start at or beyond ``in + before`` (in the right padding
    or past it) is dropped.
    """
    num = size + before + after - k
    out = (num + (s - 1 if ceil else 0)) // s + 1
    fired = ceil and (out - 1) * s >= size + before
    return (out - 1 if fired else out), fired


@dataclass(frozen=True, kw_only=True)
class _Pool(Layer):
    main = "kernel"
    kernel: Pair = arg(pair, doc="window: k or [kh, kw]")
    stride: Pair | None = arg(pair, None, "step (defaults to the kernel)")
    padding: Padding = arg(pad_form, ZERO, "as conv: p, [ph, pw], 4 values, valid or same")
    ceil_mode: bool = arg(boolean, False, "round the output size up, as PyTorch")

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

    def geometry(self, x: Shape) -> tuple[int, int, bool, bool]:
        need_image(x, self.kind)
        t, b, left, r = self.pads(x)
        h, fh = pool_out(x.h, t, b, self.kernel[0], self.step[0], self.ceil_mode)
        w, fw = pool_out(x.w, left, r, self.kernel[1], self.step[1], self.ceil_mode)
        if h < 1 or w < 1:
            raise ShapeError(
                f"{self.kind}: window {self.kernel[0]}x{self.kernel[1]} does not fit input {x}"
                f" with padding {t}+{b}, {left}+{r} (output would be {h}x{w})",
                code="E302",
            )
        return h, w, fh, fw

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w, _, _ = self.geometry(inputs[0])
        return Shape((h, w, inputs[0].c))

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        x = inputs[0]
        notes = []
        if self.padding == "same":
            notes.append("same padding: top {}, bottom {}, left {}, right {}".format(*self.pads(x)))
        _, _, fh, fw = self.geometry(x)
        if fh or fw:
            notes.append("ceil_mode: a last window starting in the padding was dropped")
        return tuple(notes)


@register
@dataclass(frozen=True, kw_only=True)
class MaxPool(_Pool):
    """Max pooling (PyTorch MaxPool2d): output size as conv, or ceil with ceil_mode."""

    kind = "maxpool"
    aliases = ("maxpool2d", "max_pool")


@register
@dataclass(frozen=True, kw_only=True)
class AvgPool(_Pool):
    """Average pooling (PyTorch AvgPool2d): output size as conv, or ceil with ceil_mode."""

    kind = "avgpool"
    aliases = ("avgpool2d", "avg_pool")


@dataclass(frozen=True, kw_only=True)
class _Global(Layer):
    keepdims: bool = arg(boolean, True, "keep 1x1xC (true) or give the vector C (false, Keras default)")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)
        return Shape((1, 1, inputs[0].c)) if self.keepdims else Shape((inputs[0].c,))


@register
@dataclass(frozen=True, kw_only=True)
class GlobalAvgPool(_Global):
    """Average over H and W: 1x1xC."""

    kind = "global_avgpool"
    aliases = ("gap", "global_average_pooling")


@register
@dataclass(frozen=True, kw_only=True)
class GlobalMaxPool(_Global):
    """Maximum over H and W: 1x1xC."""

    kind = "global_maxpool"


@dataclass(frozen=True, kw_only=True)
class _Adaptive(Layer):
    main = "output"
    output: Pair = arg(pair, doc="output size: n or [h, w]")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)
        return Shape((*self.output, inputs[0].c))


@register
@dataclass(frozen=True, kw_only=True)
class AdaptiveAvgPool(_Adaptive):
    """PyTorch AdaptiveAvgPool2d: any input size to the given output size."""

    kind = "adaptive_avgpool"


@register
@dataclass(frozen=True, kw_only=True)
class AdaptiveMaxPool(_Adaptive):
    """PyTorch AdaptiveMaxPool2d: any input size to the given output size."""

    kind = "adaptive_maxpool"
