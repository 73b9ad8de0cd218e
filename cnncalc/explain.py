"""Homework mode: every number of a layer as a formula with the numbers substituted.

``H_out = floor((28 + 2 + 2 − 5) / 1) + 1 = 28``.  Each :class:`Eq` keeps the
expression text and the value it was computed to; ``names`` that are also
report fields (``H_out``, ``W_out``, ``C_out``, ``params``, ``trainable``,
``non_trainable``, ``MACs``) must equal the report's number (a test evaluates
every printed right-hand side and compares).  One explainer per layer class,
through an explicit mapping.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import GraphError
from .graph import Graph
from .layers.act import PReLU
from .layers.base import REGISTRY, Layer, did_you_mean
from .layers.blocks import ChannelShuffle, Crop, DeformConv, SqueezeExcite, make_divisible
from .layers.conv import Conv, Deconv, DepthwiseConv, SeparableConv
from .layers.dense import Dense
from .layers.merge import Add, Concat, Multiply
from .layers.norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm
from .layers.pool import AdaptiveAvgPool, AdaptiveMaxPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool, pool_out
from .layers.reshape import Factor, Flatten, PixelShuffle, PixelUnshuffle, Upsample, ZeroPad, scaled
from .shapes import LayerReport, Report, Shape

M = "−"  # the minus sign printed in formulas
X = "×"


@dataclass(frozen=True, slots=True)
class Eq:
    """``names = expr = value``; ``names`` like ("H_out", "W_out") when both axes agree."""

    names: tuple[str, ...]
    expr: str
    value: int

    def __str__(self) -> str:
        return " = ".join((*self.names, self.expr, f"{self.value:,}"))


Line = Eq | str


@dataclass(frozen=True, slots=True)
class Explanation:
    name: str
    kind: str
    inputs: tuple[Shape, ...]
    output: Shape
    lines: tuple[Line, ...]


def _axes(h: Eq, w: Eq) -> list[Line]:
    """One line when both axes have the same arithmetic, else two."""
    if h.expr == w.expr:
        return [Eq((*h.names, *w.names), h.expr, h.value)]
    return [h, w]


def _mul(*factors: int | str) -> str:
    return f" {X} ".join(str(f) for f in factors)


# --- convolutions -----------------------------------------------------------------

def _same_split(axis: str, size: int, ke: int, s: int, before: int, after: int) -> list[Line]:
    total = before + after
    expr = f"max((ceil({size} / {s}) {M} 1) {X} {s} + {ke} {M} {size}, 0)"
    first, second = ("top", "bottom") if axis == "H" else ("left", "right")
    return [Eq((f"pad_{axis}",), expr, total),
            Eq((f"pad_{first}",), f"floor({total} / 2)", before),
            Eq((f"pad_{second}",), f"{total} {M} {before}", after)]


def _window_geometry(layer: Any, x: Shape, out: Shape, dilation: tuple[int, int], stride: tuple[int, int],
                     same_note: str) -> list[Line]:
    """Effective kernel, padding (with the 'same' split) and H_out / W_out of a sliding window."""
    lines: list[Line] = []
    kh, kw = layer.kernel
    dh, dw = dilation
    ke = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    if dh > 1 or dw > 1:
        lines += _axes(Eq(("kh_eff",), f"{dh} {X} ({kh} {M} 1) + 1", ke[0]),
                       Eq(("kw_eff",), f"{dw} {X} ({kw} {M} 1) + 1", ke[1]))
    t, b, left, r = layer.pads(x)
    if layer.padding == "same":
        lines.append(same_note)
        lines += _same_split("H", x.h, ke[0], stride[0], t, b)
        if (x.w, ke[1], stride[1]) != (x.h, ke[0], stride[0]):
            lines += _same_split("W", x.w, ke[1], stride[1], left, r)
    return lines + _axes(
        Eq(("H_out",), f"floor(({x.h} + {t} + {b} {M} {ke[0]}) / {stride[0]}) + 1", out.h),
        Eq(("W_out",), f"floor(({x.w} + {left} + {r} {M} {ke[1]}) / {stride[1]}) + 1", out.w),
    )


SAME_CONV = "same padding: enough total padding for H_out = ceil(H_in / stride); an odd pixel goes bottom/right"


def _conv(layer: Conv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines = _window_geometry(layer, x, out, layer.dilation, layer.stride, SAME_CONV)
    kh, kw = layer.kernel
    g = layer.groups
    cin = f"({x.c} / {g})" if g > 1 else str(x.c)
    per_filter = x.c // g * kh * kw
    lines.append(f"C_out = {out.c} (filters)" + (f"; each filter sees {x.c} / {g} = {x.c // g} channels" if g > 1
                                                  else ""))
    inner = _mul(kh, kw, cin)
    params = layer.filters * (per_filter + layer.bias)
    lines.append(Eq(("params",), f"{layer.filters} {X} ({inner} + 1)" if layer.bias else
                    _mul(layer.filters, kh, kw, cin), params))
    lines.append(Eq(("MACs",), f"{_mul(out.h, out.w, out.c)} {X} ({inner})", out.h * out.w * out.c * per_filter))
    if layer.bias:
        lines.append("bias adds are not MACs (torchvision convention; see --conventions)")
    return lines


def _deform(layer: DeformConv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    lines = [line for line in _conv(layer, ins, out) if not isinstance(line, Eq) or line.names[0] not in
             ("params", "MACs")]
    x = ins[0]
    kh, kw = layer.kernel
    oc = 2 * kh * kw * layer.offset_groups
    per = x.c // layer.groups * kh * kw
    lines.append(Eq(("offset channels",), _mul(2, kh, kw, layer.offset_groups), oc))
    main = f"{layer.filters} {X} ({_mul(kh, kw, x.c // layer.groups)} + {int(layer.bias)})"
    off = f"{oc} {X} ({_mul(kh, kw, x.c)} + {int(layer.offset_bias)})"
    params = layer.filters * (per + layer.bias) + oc * (x.c * kh * kw + layer.offset_bias)
    lines.append(Eq(("params",), f"{main} + {off}", params))
    macs = out.h * out.w * (layer.filters * per + oc * x.c * kh * kw)
    lines.append(Eq(("MACs",), f"{_mul(out.h, out.w)} {X} ({_mul(layer.filters, kh, kw, x.c // layer.groups)}"
                               f" + {_mul(oc, kh, kw, x.c)})", macs))
    lines.append(Eq(("sampling MACs (not in the total)",), _mul(out.h, out.w, x.c, kh, kw, 4),
                    layer.sampling_macs(ins, out)))
    return lines


def _dwconv(layer: DepthwiseConv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines = _window_geometry(layer, x, out, layer.dilation, layer.stride, SAME_CONV)
    kh, kw = layer.kernel
    lines.append(Eq(("C_out",), _mul(x.c, layer.multiplier), out.c))
    taps = _mul(kh, kw)
    lines.append(Eq(("params",), f"{out.c} {X} ({taps} + 1)" if layer.bias else _mul(out.c, kh, kw),
                    out.c * (kh * kw + layer.bias)))
    lines.append(Eq(("MACs",), _mul(out.h, out.w, out.c, kh, kw), out.h * out.w * out.c * kh * kw))
    return lines


def _sepconv(layer: SeparableConv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines = _window_geometry(layer, x, out, layer.dilation, layer.stride, SAME_CONV)
    kh, kw = layer.kernel
    m, f = layer.multiplier, layer.filters
    dw, pw = _mul(x.c, m, kh, kw), _mul(x.c, m, f)
    lines.append("depthwise (no bias) then a 1x1 pointwise conv")
    mid = x.c * m
    lines.append(Eq(("params",), f"{dw} + {pw}" + (f" + {f}" if layer.bias else ""),
                    mid * kh * kw + mid * f + layer.bias * f))
    lines.append(Eq(("MACs",), f"{_mul(out.h, out.w)} {X} ({dw} + {pw})", out.h * out.w * (mid * kh * kw + mid * f)))
    return lines


def _deconv(layer: Deconv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    assert isinstance(layer.padding, tuple)
    t, b, left, r = layer.padding
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = layer.kernel, layer.stride, layer.dilation, layer.output_padding
    lines: list[Line] = _axes(
        Eq(("H_out",), f"({x.h} {M} 1) {X} {sh} {M} {t} {M} {b} + {dh} {X} ({kh} {M} 1) + {oh} + 1", out.h),
        Eq(("W_out",), f"({x.w} {M} 1) {X} {sw} {M} {left} {M} {r} + {dw} {X} ({kw} {M} 1) + {ow} + 1", out.w),
    )
    g = layer.groups
    cout = f"({layer.filters} / {g})" if g > 1 else str(layer.filters)
    per_in = layer.filters // g * kh * kw
    params = x.c * per_in + layer.bias * layer.filters
    lines.append(Eq(("params",), _mul(x.c, cout, kh, kw) + (f" + {layer.filters}" if layer.bias else ""), params))
    lines.append(Eq(("MACs",), f"{_mul(x.h, x.w, x.c)} {X} ({_mul(cout, kh, kw)})", x.h * x.w * x.c * per_in))
    per_out = x.c // g * kh * kw
    lines.append(f"transposed conv is counted from its input: each of the {x.h}·{x.w}·{x.c} input values is"
                 f" multiplied into one {kh}x{kw}x{layer.filters // g} patch; counted from the output like a conv,")
    lines.append(Eq(("output-based count (wrong)",), f"{_mul(out.h, out.w, out.c)} {X} ({_mul(x.c // g, kh, kw)})",
                    out.h * out.w * out.c * per_out))
    lines.append(f"over-counts about {sh}·{sw}-fold: most output pixels receive only some of the kh·kw taps")
    return lines


# --- pooling ------------------------------------------------------------------------

def _pool_axis(names: tuple[str, ...], size: int, before: int, after: int, k: int, s: int, ceil: bool,
               out: int) -> list[Line]:
    if not ceil:
        return [Eq(names, f"floor(({size} + {before} + {after} {M} {k}) / {s}) + 1", out)]
    raw = -(-(size + before + after - k) // s) + 1
    _, fired = pool_out(size, before, after, k, s, True)
    first = tuple(f"{n} before the rule" for n in names) if fired else names
    lines: list[Line] = [Eq(first, f"ceil(({size} + {before} + {after} {M} {k}) / {s}) + 1", raw)]
    start = (raw - 1) * s
    lines.append(Eq(("last window start",), f"({raw} {M} 1) {X} {s}", start))
    if fired:
        lines.append(f"{start} ≥ {size} + {before}: the last window would start in the padding; PyTorch drops it")
        lines.append(Eq(names, f"{raw} {M} 1", out))
    else:
        lines.append(f"{start} < {size} + {before}: it starts inside the input, so it is kept (ceil_mode rule)")
    return lines


def _pool(layer: MaxPool, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines: list[Line] = []
    t, b, left, r = layer.pads(x)
    if layer.padding == "same":
        lines.append("same padding: total padding for H_out = ceil(H_in / stride); an odd pixel goes bottom/right")
        lines += _same_split("H", x.h, layer.kernel[0], layer.step[0], t, b)
        if (x.w, layer.kernel[1], layer.step[1]) != (x.h, layer.kernel[0], layer.step[0]):
            lines += _same_split("W", x.w, layer.kernel[1], layer.step[1], left, r)
    h = (x.h, t, b, layer.kernel[0], layer.step[0])
    w = (x.w, left, r, layer.kernel[1], layer.step[1])
    if h == w:
        lines += _pool_axis(("H_out", "W_out"), *h, layer.ceil_mode, out.h)
    else:
        lines += _pool_axis(("H_out",), *h, layer.ceil_mode, out.h)
        lines += _pool_axis(("W_out",), *w, layer.ceil_mode, out.w)
    stride = "" if layer.stride is not None else f" (stride defaults to the kernel, {layer.kernel[0]})"
    lines.append(f"C_out = {out.c} (channels kept){stride}; no parameters; pooling counts 0 MACs")
    return lines


def _global(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [f"one value per channel over the whole {ins[0].h}x{ins[0].w} map: output {out}; 0 MACs"]


def _adaptive(layer: AdaptiveAvgPool, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [(f"output fixed at {layer.output[0]}x{layer.output[1]} whatever the input; window i spans"
             " [floor(i·in/out), ceil((i+1)·in/out)); 0 MACs")]


# --- dense, norms, the rest -----------------------------------------------------------

def _dense(layer: Dense, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    u = layer.units
    lines: list[Line] = [Eq(("params",), f"{x.c} {X} {u} + {u}" if layer.bias else f"{x.c} {X} {u}",
                            x.c * u + layer.bias * u)]
    pos = x.dims[:-1]
    lines.append(Eq(("MACs",), _mul(*pos, x.c, u), x.numel * u))
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
    return [Eq(("C_out",), _mul(*ins[0].dims), out.c)] if ins[0].is_image else ["a vector stays as it is"]


def _upsample(layer: Upsample, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    if layer.scale is None:
        return [f"output size given: {out.h}x{out.w}; 0 MACs ({layer.mode})"]

    def size(axis: str, n: int, f: Factor) -> Eq:
        return Eq((axis,), f"{n} {X} {f}" if isinstance(f, int) else f"floor({n} {X} {f})", scaled(n, f))

    lines = _axes(size("H_out", x.h, layer.scale[0]), size("W_out", x.w, layer.scale[1]))
    if not all(isinstance(f, int) for f in layer.scale):
        lines.append("the product is taken in double precision, as PyTorch takes it (10 × 0.7 gives 7)")
    return [*lines, f"{layer.mode} interpolation counts 0 MACs (see --conventions)"]


def _pixel_shuffle(layer: PixelShuffle, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x, r = ins[0], layer.factor
    return [*_axes(Eq(("H_out",), f"{x.h} {X} {r}", out.h), Eq(("W_out",), f"{x.w} {X} {r}", out.w)),
            Eq(("C_out",), f"{x.c} / {r}²", out.c), "values are only moved: no parameters, 0 MACs"]


def _pixel_unshuffle(layer: PixelUnshuffle, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x, r = ins[0], layer.factor
    return [*_axes(Eq(("H_out",), f"{x.h} / {r}", out.h), Eq(("W_out",), f"{x.w} / {r}", out.w)),
            Eq(("C_out",), f"{x.c} {X} {r}²", out.c), "values are only moved: no parameters, 0 MACs"]


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
    return _axes(Eq(("H_out",), f"{x.h} + {t} + {b}", out.h), Eq(("W_out",), f"{x.w} + {left} + {r}", out.w))


def _crop(layer: Crop, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    t, b, left, r = layer.edges(ins)
    lines: list[Line] = []
    if layer.to is not None:
        lines.append(f"centre crop to '{layer.to}' ({ins[1].h}x{ins[1].w}); an odd pixel goes from the bottom/right")
    return lines + _axes(Eq(("H_out",), f"{x.h} {M} {t} {M} {b}", out.h),
                         Eq(("W_out",), f"{x.w} {M} {left} {M} {r}", out.w))


def _concat(layer: Concat, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return ["spatial sizes agree; channels add up", Eq(("C_out",), " + ".join(str(s.c) for s in ins), out.c)]


def _elementwise_merge(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [f"element-wise over {len(ins)} inputs of shape {out}; no parameters; 0 MACs"]


def _same_shape(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return ["shape unchanged; no parameters; 0 MACs"]


def _shuffle(layer: ChannelShuffle, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [f"{ins[0].c} channels reordered in {layer.groups} groups; shape unchanged; 0 MACs"]


Explainer = Callable[[Any, tuple[Shape, ...], Shape], list[Line]]
EXPLAINERS: dict[type[Layer], Explainer] = {
    Conv: _conv, DeformConv: _deform, DepthwiseConv: _dwconv, SeparableConv: _sepconv, Deconv: _deconv,
    MaxPool: _pool, AvgPool: _pool, GlobalAvgPool: _global, GlobalMaxPool: _global,
    AdaptiveAvgPool: _adaptive, AdaptiveMaxPool: _adaptive, Dense: _dense, BatchNorm: _bn,
    LayerNorm: _norm, GroupNorm: _norm, SqueezeExcite: _se, Flatten: _flatten, Upsample: _upsample,
    ZeroPad: _zeropad, Crop: _crop, Concat: _concat, Add: _elementwise_merge, Multiply: _elementwise_merge,
    ChannelShuffle: _shuffle, PixelShuffle: _pixel_shuffle, PixelUnshuffle: _pixel_unshuffle, PReLU: _prelu,
    InstanceNorm: _instancenorm,
}


def _split(layer: Any, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [Eq(("C_out",), f"{ins[0].c} / {layer.parts}", out.c), f"slice {layer.index} of {layer.parts}; 0 MACs"]


if "channel_split" in REGISTRY:  # added by the ShuffleNet work; explained if present
    EXPLAINERS[REGISTRY["channel_split"]] = _split


def explainer_for(layer: Layer) -> Explainer:
    """The layer's explainer; element-wise kinds (activations, dropout, ...) keep the shape."""
    return EXPLAINERS.get(type(layer), _generic)


def _generic(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    if out == ins[0]:
        return _same_shape(layer, ins, out)
    return [f"output {out} (by the {layer.kind} rule; `cnncalc kinds` states it)"]


def explain_row(layer: Layer, row: LayerReport) -> Explanation:
    lines = explainer_for(layer)(layer, row.inputs, row.output)
    return Explanation(row.name, row.kind, row.inputs, row.output, tuple(lines))


def explain(graph: Graph, report: Report, layer: str | None = None) -> list[Explanation]:
    """Explanations of every layer, or of the layers named (or prefixed) ``layer``."""
    out = [explain_row(node.layer, row) for node, row in zip(graph.nodes, report.rows)
           if layer is None or row.name == layer or row.name.startswith(layer + ".")]
    if not out:
        hint = did_you_mean(layer or "", [r.name for r in report.rows]) or "see the names in `cnncalc summary`"
        raise GraphError(f"no layer is named '{layer}'", hint=hint, code="E201")
    return out


# --- output: the formulas are the text, so they are written here -------------------

def to_text(expls: list[Explanation]) -> str:
    """Each layer: a heading line, then its formulas indented."""
    out: list[str] = []
    for e in expls:
        out.append(f"{e.name} ({e.kind}): {' + '.join(str(s) for s in e.inputs)} -> {e.output}")
        out += [f"    {line}" for line in e.lines]
        out.append("")
    return "\n".join(out)


def to_markdown(expls: list[Explanation]) -> str:
    out: list[str] = []
    for e in expls:
        out += [f"#### {e.name} ({e.kind}): {' + '.join(str(s) for s in e.inputs)} → {e.output}", ""]
        out += [f"- `{line}`" if isinstance(line, Eq) else f"- {line}" for line in e.lines]
        out.append("")
    return "\n".join(out)


def to_json(expls: list[Explanation]) -> str:
    def line(x: Line) -> dict[str, Any]:
        if isinstance(x, str):
            return {"note": x}
        return {"names": list(x.names), "expr": x.expr, "value": x.value, "text": str(x)}

    return json.dumps([{"name": e.name, "kind": e.kind, "inputs": [list(s.dims) for s in e.inputs],
                        "output": list(e.output.dims), "lines": [line(x) for x in e.lines]} for e in expls],
                      indent=2)
