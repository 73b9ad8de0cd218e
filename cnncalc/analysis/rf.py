"""Receptive field, effective stride (jump) and centre of every layer, per axis.

Along one axis, output index ``o`` of a layer depends on the input indices
between ``lo(o)`` and ``hi(o)``.  For every layer kind these bounds are
non-decreasing in ``o`` and *quasi-affine*: ``lo(o + P) = lo(o) + Q`` for a
period ``P`` and a step ``Q`` (a conv: P = 1, Q = stride; a transposed conv or
an up-sampling by s: P = s, Q = 1).  Because they are non-decreasing, the
bounds of a chain are the composition of the bounds, and the composition is
again quasi-affine: a :class:`Span` keeps one period of it, in exact integers.

Reported per axis (:class:`~cnncalc.shapes.AxisRF`): the field size (the
maximum over output positions of ``hi − lo + 1`` network-input pixels,
borders ignored: the input is taken as unbounded, padding included), the jump
``Q / P`` (input pixels between neighbouring outputs) and the centre of output
0's field (negative when it lies in the padding).  A merge takes the union of
its paths; paths that disagree on the jump, or on the centre averaged over a
period, are reported as warnings (W201).  A 1x1 gate broadcast by ``multiply`` and the reference input of
``crop: {to: ...}`` carry no spatial dependency and are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from math import gcd
from typing import Any

from cnncalc.analysis.lint import Lint
from cnncalc.analysis.report import AxisRF, LayerReport, Report, RField
from cnncalc.graph.nodes import INPUT, Graph
from cnncalc.layers.base import Layer
from cnncalc.layers.composite import Crop, DeformConv
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv
from cnncalc.layers.deconv import Deconv
from cnncalc.layers.pool import AdaptiveAvgPool, AdaptiveMaxPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from cnncalc.layers.reshape import Flatten, PixelShuffle, PixelUnshuffle, Upsample, ZeroPad
from cnncalc.shapes import Shape

MAX_PERIOD = 1 << 14  # periods multiply through up-sampling; far above any real network


@dataclass(frozen=True, slots=True)
class Span:
    """Bounds ``[lo(o), hi(o)]`` in network-input pixels; ``lo(o + period) = lo(o) + step``."""

    period: int
    step: int
    lo: tuple[int, ...]
    hi: tuple[int, ...]

    def at(self, o: int) -> tuple[int, int]:
        q, r = divmod(o, self.period)
        return self.lo[r] + q * self.step, self.hi[r] + q * self.step

    def axis(self) -> AxisRF:
        size = max(h - lo + 1 for lo, h in zip(self.lo, self.hi))
        return AxisRF(size, Fraction(self.step, self.period), Fraction(self.lo[0] + self.hi[0], 2))


IDENTITY = Span(1, 1, (0,), (0,))


@dataclass(frozen=True, slots=True)
class Local:
    """One layer along one axis: output o reads input indices lo(o)..hi(o) (quasi-affine, period/step)."""

    period: int
    step: int
    bounds: Callable[[int], tuple[int, int]]


def compose(pred: Span, local: Local) -> Span:
    """The span of a layer whose input has span ``pred``."""
    if local.step == 0:
        period = local.period
    else:
        period = local.period * pred.period // gcd(local.step, pred.period)
    period = min(period, MAX_PERIOD)
    turns = period // local.period * local.step // pred.period  # input periods per output period
    lo, hi = [], []
    for o in range(period):
        a, b = local.bounds(o)
        lo.append(pred.at(a)[0])
        hi.append(pred.at(b)[1])
    return Span(period, turns * pred.step, tuple(lo), tuple(hi))


# --- per-kind local bounds, per axis (0 = H, 1 = W) ---------------------------------------

def _window(start: int, stride: int, extent: int) -> Local:
    return Local(1, stride, lambda o: (o * stride - start, o * stride - start + extent - 1))


def _conv(layer: Any, x: Shape, axis: int) -> Local:
    pads = layer.pads(x)
    k, d = layer.kernel[axis], layer.dilation[axis]
    return _window(pads[2 * axis], layer.stride[axis], d * (k - 1) + 1)


def _pool(layer: Any, x: Shape, axis: int) -> Local:
    pads = layer.pads(x)
    return _window(pads[2 * axis], layer.step[axis], layer.kernel[axis])


def _deconv(layer: Deconv, x: Shape, axis: int) -> Local:
    s, k, d, p = layer.stride[axis], layer.kernel[axis], layer.dilation[axis], layer.pads()[2 * axis]

    def bounds(o: int) -> tuple[int, int]:
        # input i reaches output i·s − p + t·d for taps t = 0..k−1
        hits = [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]
        if not hits:  # a stride larger than the kernel leaves outputs no input reaches
            i = (o + p) // s
            return i, i
        return min(hits), max(hits)

    return Local(s, 1, bounds)


def _ratio(size_in: int, size_out: int, bounds: Callable[[int], tuple[int, int]]) -> Local:
    g = gcd(size_in, size_out)
    return Local(size_out // g, size_in // g, bounds)


def _upsample(layer: Upsample, x: Shape, axis: int, out: Shape) -> Local:
    n, m = x.dims[axis], out.dims[axis]
    if layer.scale is not None:  # PyTorch maps back by the factor given (1/s), not by in/out
        s = Fraction(str(layer.scale[axis])).limit_denominator(MAX_PERIOD)
        n, m = s.denominator, s.numerator
    if layer.mode == "nearest":  # PyTorch: src = floor(o · in / out)
        return _ratio(n, m, lambda o: (o * n // m, o * n // m))
    taps = 1 if layer.mode == "bilinear" else 2  # taps on each side of the source point

    def bounds(o: int) -> tuple[int, int]:
        # align_corners=False: src = (o + 1/2)·in/out − 1/2 = ((2o + 1)·in − out) / (2·out)
        num, den = (2 * o + 1) * n - m, 2 * m
        base = num // den
        if num % den == 0:  # on a pixel: the other taps weigh 0
            return base, base
        return base - (taps - 1), base + taps

    return _ratio(n, m, bounds)


def _adaptive(layer: Any, x: Shape, axis: int, out: Shape) -> Local:
    n, m = x.dims[axis], out.dims[axis]
    return _ratio(n, m, lambda o: (o * n // m, -(-(o + 1) * n // m) - 1))


def _whole(layer: Any, x: Shape, axis: int, out: Shape) -> Local:
    n = x.dims[axis] if x.is_image else 1
    return Local(1, 0, lambda o: (0, n - 1))


def _zeropad(layer: ZeroPad, x: Shape, axis: int, out: Shape) -> Local:
    assert isinstance(layer.padding, tuple)
    off = layer.padding[2 * axis]
    return Local(1, 1, lambda o: (o - off, o - off))


Rule = Callable[[Any, Shape, int, Shape], Local]
LOCALS: dict[type[Layer], Rule] = {
    Conv: lambda L, x, a, out: _conv(L, x, a),
    DepthwiseConv: lambda L, x, a, out: _conv(L, x, a),
    SeparableConv: lambda L, x, a, out: _conv(L, x, a),
    DeformConv: lambda L, x, a, out: _conv(L, x, a),  # nominal grid; learned offsets may reach further
    MaxPool: lambda L, x, a, out: _pool(L, x, a),
    AvgPool: lambda L, x, a, out: _pool(L, x, a),
    Deconv: lambda L, x, a, out: _deconv(L, x, a),
    Upsample: _upsample,
    AdaptiveAvgPool: _adaptive,
    AdaptiveMaxPool: _adaptive,
    GlobalAvgPool: _whole,
    GlobalMaxPool: _whole,
    ZeroPad: _zeropad,
    PixelShuffle: lambda L, x, a, out: Local(L.factor, 1, lambda o: (o // L.factor, o // L.factor)),
    PixelUnshuffle: lambda L, x, a, out: _window(0, L.factor, L.factor),
}
# Everything else keeps positions: element-wise layers, norms (statistics aside), se
# (its global squeeze aside), dense on positions, channel ops; merges are handled below.


def _local(layer: Layer, ins: tuple[Shape, ...], out: Shape, axis: int) -> Local | None:
    x = ins[0]
    if isinstance(layer, Crop):
        t, _, left, _ = layer.edges(ins)
        off = (t, left)[axis]
        return Local(1, 1, lambda o: (o + off, o + off))
    if isinstance(layer, Flatten) and x.is_image:
        return _whole(layer, x, axis, out)
    rule = LOCALS.get(type(layer))
    if rule is None or not x.is_image:
        return None
    return rule(layer, x, axis, out)


def _merge(spans: list[Span]) -> tuple[Span, str | None]:
    """Union of several paths' spans; the second value says how the paths disagree."""
    period = 1
    for s in spans:
        period = period * s.period // gcd(period, s.period)
    period = min(period, MAX_PERIOD)
    steps = {Fraction(s.step, s.period) for s in spans}
    if len(steps) > 1:
        best = max(range(len(spans)), key=lambda i: spans[i].axis().size)
        jumps = ", ".join(_frac(j) for j in sorted(steps))
        return spans[best], f"paths disagree on the jump ({jumps}); the widest path's field is reported"
    step = spans[0].step * period // spans[0].period
    lo = tuple(min(s.at(o)[0] for s in spans) for o in range(period))
    hi = tuple(max(s.at(o)[1] for s in spans) for o in range(period))
    # Centres compared on average over a period: a stride-2 up-conv gives outputs 2i and
    # 2i + 1 the same field, which is aligned with a skip path though output 0's differ.
    centres = {Fraction(sum(sum(s.at(o)) for o in range(period)), 2 * period) for s in spans}
    note = None
    if len(centres) > 1:
        shown = ", ".join(_frac(c) for c in sorted(centres))
        note = f"paths disagree on the centre ({shown}); the field covers them all"
    return Span(period, step, lo, hi), note


def _frac(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else (f"{float(f):g}" if 1000 % f.denominator == 0 else str(f))


def spans(graph: Graph, report: Report) -> tuple[list[tuple[Span, Span] | None], list[Lint]]:
    """Per node, its (H, W) spans (None when the network input is a vector) and the warnings."""
    if not graph.input.is_image:
        return [None] * len(graph.nodes), []
    out: list[tuple[Span, Span] | None] = []
    warnings: list[Lint] = []
    for node, row in zip(graph.nodes, report.rows):
        preds = [(IDENTITY, IDENTITY) if i == INPUT else out[i] for i in node.inputs]
        if node.layer.arity == 0:
            keep = [k for k, s in enumerate(row.inputs)
                    if not (s.numel == s.c and row.output.numel > row.output.c)]  # broadcast gates
            pair = []
            for axis in (0, 1):
                merged, note = _merge([p[axis] for k in keep if (p := preds[k]) is not None])
                pair.append(merged)
                if note and not any(w.layer == node.name for w in warnings):
                    warnings.append(Lint("W201", node.name, node.kind, "receptive field: " + note, node.pos))
            out.append((pair[0], pair[1]))
            continue
        first = preds[0]
        assert first is not None
        new = []
        for axis in (0, 1):
            local = _local(node.layer, row.inputs, row.output, axis)
            new.append(first[axis] if local is None else compose(first[axis], local))
        out.append((new[0], new[1]))
    return out, warnings


def with_rf(graph: Graph, report: Report) -> tuple[Report, list[Lint]]:
    """The report with ``rf`` filled on every row, and the receptive-field warnings."""
    found, warnings = spans(graph, report)
    rows: list[LayerReport] = []
    for row, pair in zip(report.rows, found):
        rows.append(row if pair is None else replace(row, rf=RField(pair[0].axis(), pair[1].axis())))
    return Report(report.name, report.input, report.output, tuple(rows), report.checks), warnings
