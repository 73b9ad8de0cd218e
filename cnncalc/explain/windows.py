"""Formula vocabulary of ``cnncalc explain``, and the sliding-window layers: convolutions and pooling.

An :class:`Eq` is ``names = expr = value``: the expression text with the numbers substituted and
the value it was computed to.  ``names`` that are also report fields (``H_out``, ``W_out``,
``C_out``, ``params``, ``trainable``, ``non_trainable``, ``MACs``) must equal the report's
number: a test evaluates every printed right-hand side and compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cnncalc.layers.base import Layer
from cnncalc.layers.composite import DeformConv
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv
from cnncalc.layers.deconv import Deconv
from cnncalc.layers.pool import AdaptiveAvgPool, MaxPool, pool_out
from cnncalc.shapes import Shape

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


def axes(h: Eq, w: Eq) -> list[Line]:
    """One line when both axes have the same arithmetic, else two."""
    if h.expr == w.expr:
        return [Eq((*h.names, *w.names), h.expr, h.value)]
    return [h, w]


def mul(*factors: int | str) -> str:
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
        lines += axes(Eq(("kh_eff",), f"{dh} {X} ({kh} {M} 1) + 1", ke[0]),
                       Eq(("kw_eff",), f"{dw} {X} ({kw} {M} 1) + 1", ke[1]))
    t, b, left, r = layer.pads(x)
    if layer.padding == "same":
        lines.append(same_note)
        lines += _same_split("H", x.h, ke[0], stride[0], t, b)
        if (x.w, ke[1], stride[1]) != (x.h, ke[0], stride[0]):
            lines += _same_split("W", x.w, ke[1], stride[1], left, r)
    return lines + axes(
        Eq(("H_out",), f"floor(({x.h} + {t} + {b} {M} {ke[0]}) / {stride[0]}) + 1", out.h),
        Eq(("W_out",), f"floor(({x.w} + {left} + {r} {M} {ke[1]}) / {stride[1]}) + 1", out.w),
    )


SAME_CONV = "same padding: enough total padding for H_out = ceil(H_in / stride); an odd pixel goes bottom/right"


def conv(layer: Conv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines = _window_geometry(layer, x, out, layer.dilation, layer.stride, SAME_CONV)
    kh, kw = layer.kernel
    g = layer.groups
    cin = f"({x.c} / {g})" if g > 1 else str(x.c)
    per_filter = x.c // g * kh * kw
    lines.append(f"C_out = {out.c} (filters)" + (f"; each filter sees {x.c} / {g} = {x.c // g} channels" if g > 1
                                                  else ""))
    inner = mul(kh, kw, cin)
    params = layer.filters * (per_filter + layer.bias)
    lines.append(Eq(("params",), f"{layer.filters} {X} ({inner} + 1)" if layer.bias else
                    mul(layer.filters, kh, kw, cin), params))
    lines.append(Eq(("MACs",), f"{mul(out.h, out.w, out.c)} {X} ({inner})", out.h * out.w * out.c * per_filter))
    if layer.bias:
        lines.append("bias adds are not MACs (torchvision convention; see --conventions)")
    return lines


def deform(layer: DeformConv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    lines = [line for line in conv(layer, ins, out) if not isinstance(line, Eq) or line.names[0] not in
             ("params", "MACs")]
    x = ins[0]
    kh, kw = layer.kernel
    oc = 2 * kh * kw * layer.offset_groups
    per = x.c // layer.groups * kh * kw
    lines.append(Eq(("offset channels",), mul(2, kh, kw, layer.offset_groups), oc))
    main = f"{layer.filters} {X} ({mul(kh, kw, x.c // layer.groups)} + {int(layer.bias)})"
    off = f"{oc} {X} ({mul(kh, kw, x.c)} + {int(layer.offset_bias)})"
    params = layer.filters * (per + layer.bias) + oc * (x.c * kh * kw + layer.offset_bias)
    lines.append(Eq(("params",), f"{main} + {off}", params))
    macs = out.h * out.w * (layer.filters * per + oc * x.c * kh * kw)
    lines.append(Eq(("MACs",), f"{mul(out.h, out.w)} {X} ({mul(layer.filters, kh, kw, x.c // layer.groups)}"
                               f" + {mul(oc, kh, kw, x.c)})", macs))
    lines.append(Eq(("sampling MACs (not in the total)",), mul(out.h, out.w, x.c, kh, kw, 4),
                    layer.sampling_macs(ins, out)))
    return lines


def dwconv(layer: DepthwiseConv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines = _window_geometry(layer, x, out, layer.dilation, layer.stride, SAME_CONV)
    kh, kw = layer.kernel
    lines.append(Eq(("C_out",), mul(x.c, layer.multiplier), out.c))
    taps = mul(kh, kw)
    lines.append(Eq(("params",), f"{out.c} {X} ({taps} + 1)" if layer.bias else mul(out.c, kh, kw),
                    out.c * (kh * kw + layer.bias)))
    lines.append(Eq(("MACs",), mul(out.h, out.w, out.c, kh, kw), out.h * out.w * out.c * kh * kw))
    return lines


def sepconv(layer: SeparableConv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    lines = _window_geometry(layer, x, out, layer.dilation, layer.stride, SAME_CONV)
    kh, kw = layer.kernel
    m, f = layer.multiplier, layer.filters
    dw, pw = mul(x.c, m, kh, kw), mul(x.c, m, f)
    lines.append("depthwise (no bias) then a 1x1 pointwise conv")
    mid = x.c * m
    lines.append(Eq(("params",), f"{dw} + {pw}" + (f" + {f}" if layer.bias else ""),
                    mid * kh * kw + mid * f + layer.bias * f))
    lines.append(Eq(("MACs",), f"{mul(out.h, out.w)} {X} ({dw} + {pw})", out.h * out.w * (mid * kh * kw + mid * f)))
    return lines


def deconv(layer: Deconv, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    x = ins[0]
    t, b, left, r = layer.pads()
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = layer.kernel, layer.stride, layer.dilation, layer.extra()
    lines: list[Line] = []
    if layer.padding == "same":
        lines.append("same padding (Keras): H_out = H_in × stride; the kernel's overhang d·(k − 1) + 1 − s is"
                     " removed (odd pixel at the bottom/right), or output padding fills a stride above it")
    lines += axes(
        Eq(("H_out",), f"({x.h} {M} 1) {X} {sh} {M} {t} {M} {b} + {dh} {X} ({kh} {M} 1) + {oh} + 1", out.h),
        Eq(("W_out",), f"({x.w} {M} 1) {X} {sw} {M} {left} {M} {r} + {dw} {X} ({kw} {M} 1) + {ow} + 1", out.w),
    )
    g = layer.groups
    cout = f"({layer.filters} / {g})" if g > 1 else str(layer.filters)
    per_in = layer.filters // g * kh * kw
    params = x.c * per_in + layer.bias * layer.filters
    lines.append(Eq(("params",), mul(x.c, cout, kh, kw) + (f" + {layer.filters}" if layer.bias else ""), params))
    lines.append(Eq(("MACs",), f"{mul(x.h, x.w, x.c)} {X} ({mul(cout, kh, kw)})", x.h * x.w * x.c * per_in))
    per_out = x.c // g * kh * kw
    lines.append(f"transposed conv is counted from its input: each of the {x.h}·{x.w}·{x.c} input values is"
                 f" multiplied into one {kh}x{kw}x{layer.filters // g} patch; counted from the output like a conv,")
    lines.append(Eq(("output-based count (wrong)",), f"{mul(out.h, out.w, out.c)} {X} ({mul(x.c // g, kh, kw)})",
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


def pool(layer: MaxPool, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
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


def global_pool(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [f"one value per channel over the whole {ins[0].h}x{ins[0].w} map: output {out}; 0 MACs"]


def adaptive(layer: AdaptiveAvgPool, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    return [(f"output fixed at {layer.output[0]}x{layer.output[1]} whatever the input; window i spans"
             " [floor(i·in/out), ceil((i+1)·in/out)); 0 MACs")]
