"""The formulas of ``cnncalc explain``: one explainer per layer class, through an explicit mapping.

The vocabulary (:class:`Eq`) and the sliding-window layers are in :mod:`cnncalc.explain_windows`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cnncalc.explain.windows import (
    Eq,
    Line,
    M,
    X,
    adaptive,
    axes,
    conv,
    deconv,
    deform,
    dwconv,
    global_pool,
    mul,
    pool,
    sepconv,
)
from cnncalc.layers.act import PReLU
from cnncalc.layers.base import Layer
from cnncalc.layers.composite import ChannelShuffle, ChannelSplit, Crop, DeformConv, SqueezeExcite, make_divisible
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv
from cnncalc.layers.deconv import Deconv
from cnncalc.layers.dense import Dense
from cnncalc.layers.merge import Add, Concat, Multiply
from cnncalc.layers.norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm
from cnncalc.layers.pool import AdaptiveAvgPool, AdaptiveMaxPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from cnncalc.layers.reshape import Factor, Flatten, PixelShuffle, PixelUnshuffle, Upsample, ZeroPad, scaled
from cnncalc.shapes import Shape

# --- dense, norms, the rest -----------------------------------------------------------

def _dense(layer: Dense, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    u = layer.units
    lines: list[Line] = [Eq(("params",), f"{x.c} {X} {u} + {u}" if layer.bias else f"{x.c} {X} {u}",
                            x.c * u + layer.bias * u)]
    pos = x.dims[:-1]
    lines.append(Eq(("MACs",), mul(*pos, x.c, u), x.numel * u))
    if pos:
        lines.insert(0, f"applied at each of the {' x '.join(map(str, pos))} positions")
    return lines


def _bn(layer: BatchNorm, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    c = ins[0].c
    tr = 2 * c * layer.affine
    lines: list[Line] = [Eq(("trainable",), f"2 {X} {c}", tr)] if layer.affine else ["trainable = 0 (affine: false)"]
    lines.append(Eq(("non_trainable",), f"2 {X} {c}", 2 * c))
    lines.append("γ and β are trained; the running mean and variance are buffers, not parameters")
    lines.append(Eq(("params",), f"{tr} + {2 * c}", tr + 2 * c))
    return lines


def _norm(layer: LayerNorm, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    c = ins[0].c
    if not layer.affine:
        return ["no parameters (affine: false)"]
    return [Eq(("params",), f"2 {X} {c}", 2 * c), "a scale and a shift per channel"]


def _se(layer: SqueezeExcite, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    c = ins[0].c
    s = layer.squeezed(c)
    lines: list[Line] = []
    if layer.squeeze is not None:
        lines.append(f"S = {s} (given)")
    else:
        assert layer.reduction is not None
        raw = c // layer.reduction
        lines.append(Eq(("S",) if not layer.divisible_by else ("C / reduction",), f"floor({c} / {layer.reduction})",
                        raw))
        if layer.divisible_by:
            d = layer.divisible_by
            lines.append(f"S: {raw} rounded to a multiple of {d} (torchvision's make_divisible) is"
                         f" {make_divisible(raw, d)}")
    lines.append(Eq(("params",), f"{c} {X} {s} + {s} + {s} {X} {c} + {c}", c * s + s + s * c + c))
    lines.append(Eq(("MACs",), f"2 {X} {c} {X} {s}", 2 * c * s))
    return lines


def _flatten(layer: Flatten, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [Eq(("C_out",), mul(*ins[0].dims), out.c)] if ins[0].is_image else ["a vector stays as it is"]


def _upsample(layer: Upsample, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    if layer.scale is None:
        return [f"output size given: {out.h}x{out.w}; 0 MACs ({layer.mode})"]

    def size(axis: str, n: int, f: Factor) -> Eq:
        if isinstance(f, int):
            return Eq((axis,), f"{n} {X} {f}", scaled(n, f))
        return Eq((axis,), f"floor({n} {X} {f}) = floor({n * f!r})", scaled(n, f))  # the double product shown

    lines = axes(size("H_out", x.h, layer.scale[0]), size("W_out", x.w, layer.scale[1]))
    if not all(isinstance(f, int) for f in layer.scale):
        lines.append("the product is taken in double precision, as PyTorch takes it (10 × 0.7 gives 7)")
    return [*lines, f"{layer.mode} interpolation counts 0 MACs (see --conventions)"]


def _pixel_shuffle(layer: PixelShuffle, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x, r = ins[0], layer.factor
    return [*axes(Eq(("H_out",), f"{x.h} {X} {r}", out.h), Eq(("W_out",), f"{x.w} {X} {r}", out.w)),
            Eq(("C_out",), f"{x.c} / ({r} {X} {r})", out.c), "values are only moved: no parameters, 0 MACs"]


def _pixel_unshuffle(layer: PixelUnshuffle, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x, r = ins[0], layer.factor
    return [*axes(Eq(("H_out",), f"{x.h} / {r}", out.h), Eq(("W_out",), f"{x.w} / {r}", out.w)),
            Eq(("C_out",), f"{x.c} {X} {r} {X} {r}", out.c), "values are only moved: no parameters, 0 MACs"]


def _prelu(layer: PReLU, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    if layer.slopes(ins[0]) > 1:
        return [f"params = {ins[0].c:,} (one learned slope per channel); shape unchanged; 0 MACs"]
    return ["params = 1 (one learned slope shared by all channels, nn.PReLU()); shape unchanged; 0 MACs"]


def _instancenorm(layer: InstanceNorm, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    c = ins[0].c
    tr, nt = 2 * c * layer.affine, 2 * c * layer.track_running_stats
    lines: list[Line] = [Eq(("trainable",), f"2 {X} {c}", tr)] if layer.affine else [
        "trainable = 0 (affine: false, PyTorch's default)"]
    lines.append(Eq(("non_trainable",), f"2 {X} {c}", nt) if layer.track_running_stats else
                 "non_trainable = 0 (track_running_stats: false, PyTorch's default)")
    lines.append("statistics over H x W, per sample and channel; 0 MACs (see --conventions)")
    return lines


def _zeropad(layer: ZeroPad, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    assert isinstance(layer.padding, tuple)
    t, b, left, r = layer.padding
    return axes(Eq(("H_out",), f"{x.h} + {t} + {b}", out.h), Eq(("W_out",), f"{x.w} + {left} + {r}", out.w))


def _crop(layer: Crop, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    t, b, left, r = layer.edges(ins)
    lines: list[Line] = []
    if layer.to is not None:
        lines.append(f"centre crop to '{layer.to}' ({ins[1].h}x{ins[1].w}); an odd pixel goes from the bottom/right")
    return lines + axes(Eq(("H_out",), f"{x.h} {M} {t} {M} {b}", out.h),
                         Eq(("W_out",), f"{x.w} {M} {left} {M} {r}", out.w))


def _concat(layer: Concat, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return ["spatial sizes agree; channels add up", Eq(("C_out",), " + ".join(str(s.c) for s in ins), out.c)]


def _elementwise_merge(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [f"element-wise over {len(ins)} inputs of shape {out}; no parameters; 0 MACs"]


def same_shape(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return ["shape unchanged; no parameters; 0 MACs"]


def _shuffle(layer: ChannelShuffle, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [f"{ins[0].c} channels reordered in {layer.groups} groups; shape unchanged; 0 MACs"]


def _split(layer: ChannelSplit, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [Eq(("C_out",), f"{ins[0].c} / {layer.parts}", out.c), f"slice {layer.index} of {layer.parts}; 0 MACs"]


Explainer = Callable[[Any, tuple[Shape, ...], Shape], list[Line]]
EXPLAINERS: dict[type[Layer], Explainer] = {
    Conv: conv, DeformConv: deform, DepthwiseConv: dwconv, SeparableConv: sepconv, Deconv: deconv,
    MaxPool: pool, AvgPool: pool, GlobalAvgPool: global_pool, GlobalMaxPool: global_pool,
    AdaptiveAvgPool: adaptive, AdaptiveMaxPool: adaptive, Dense: _dense, BatchNorm: _bn,
    LayerNorm: _norm, GroupNorm: _norm, SqueezeExcite: _se, Flatten: _flatten, Upsample: _upsample,
    ZeroPad: _zeropad, Crop: _crop, Concat: _concat, Add: _elementwise_merge, Multiply: _elementwise_merge,
    ChannelShuffle: _shuffle, PixelShuffle: _pixel_shuffle, PixelUnshuffle: _pixel_unshuffle, PReLU: _prelu,
    InstanceNorm: _instancenorm, ChannelSplit: _split,
}
