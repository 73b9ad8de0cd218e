"""Receptive field, effective stride (jump) and centre of every layer, per axis.

Along one axis, output index ``o`` of a layer depends on the input indices between ``lo(o)``
and ``hi(o)``; each kind states which (:meth:`~cnncalc.layers.base.Layer.reads`).  For every
kind these bounds are non-decreasing in ``o`` and *quasi-affine*: ``lo(o + P) = lo(o) + Q`` for
a period ``P`` and a step ``Q`` (a conv: P = 1, Q = stride; a transposed conv or an up-sampling
by s: P = s, Q = 1).  Because they are non-decreasing, the bounds of a chain are the composition
of the bounds, and the composition is again quasi-affine: a :class:`Span` keeps one period of
it, in exact integers.

Reported per axis (:class:`~cnncalc.analysis.report.AxisRF`): the field size (the maximum over
output positions of ``hi − lo + 1`` network-input pixels, borders ignored: the input is taken as
unbounded, padding included), the jump ``Q / P`` (input pixels between neighbouring outputs,
an exact fraction) and the centre of output 0's field (negative when it lies in the padding).
A merge takes the union of its paths; paths that disagree on the jump, or on the centre
averaged over a period, are reported as warnings (W201).  A 1x1 gate broadcast by
``multiply`` and the reference input of ``crop: {to: ...}`` carry no spatial dependency and
are skipped.

Decimal up-sampling makes periods multiply (three ``upsample: 1.37`` have a period of 137³
outputs).  Past :data:`MAX_PERIOD` the table of one period is not kept: the jump stays exact,
the size and centre are reported as unknown (W202), never as a wrong number.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from math import gcd

from cnncalc.analysis.lint import Lint
from cnncalc.analysis.report import AxisRF, LayerReport, Report, RField
from cnncalc.graph.nodes import INPUT
from cnncalc.layers.geometry import Offset, Reads, Resample, Transposed, Whole, Window
from cnncalc.records import record, replace

MAX_PERIOD = 4096  # outputs kept per period; real networks stay far below (U-Net's 4 ups: 16)


@record(frozen=True, slots=True)
class Span:
    """Bounds ``[lo(o), hi(o)]`` in network-input pixels; ``lo(o + period) = lo(o) + step``.
    ``lo``/``hi`` are empty when the period outgrew MAX_PERIOD (``jump`` stays exact)."""

    period: int
    step: int
    lo: tuple[int, ...]
    hi: tuple[int, ...]
    jump: Fraction

    @property
    def known(self) -> bool:
        return bool(self.lo)

    def at(self, o: int) -> tuple[int, int]:
        q, r = divmod(o, self.period)
        return self.lo[r] + q * self.step, self.hi[r] + q * self.step

    def axis(self) -> AxisRF:
        if not self.known:
            return AxisRF(None, self.jump, None)
        size = max(h - lo + 1 for lo, h in zip(self.lo, self.hi, strict=True))
        return AxisRF(size, self.jump, Fraction(self.lo[0] + self.hi[0], 2))


IDENTITY = Span(1, 1, (0,), (0,), Fraction(1))


@record(frozen=True, slots=True)
class Local:
    """One layer along one axis: output o reads input indices lo(o)..hi(o) (quasi-affine, period/step)."""

    period: int
    step: int
    bounds: Callable[[int], tuple[int, int]]


def _unknown(jump: Fraction) -> Span:
    return Span(1, 0, (), (), jump)


def compose(pred: Span, local: Local) -> Span:
    """The span of a layer whose input has span ``pred``."""
    jump = pred.jump * Fraction(local.step, local.period)
    if not pred.known:
        return _unknown(jump)
    if local.step == 0:
        period = local.period
    else:
        period = local.period * pred.period // gcd(local.step, pred.period)
    if period > MAX_PERIOD:
        return _unknown(jump)
    turns = period // local.period * local.step // pred.period  # input periods per output period
    lo, hi = [], []
    for o in range(period):
        a, b = local.bounds(o)
        lo.append(pred.at(a)[0])
        hi.append(pred.at(b)[1])
    return Span(period, turns * pred.step, tuple(lo), tuple(hi), jump)


# --- each kind's statement of what it reads, as bounds along one axis ---------------------

def _window(w: Window) -> Local:
    s, start, extent = w.stride, w.before, w.extent
    return Local(1, s, lambda o: (o * s - start, o * s - start + extent - 1))


def _transposed(t: Transposed) -> Local:
    s, k, d, p = t.stride, t.kernel, t.dilation, t.before

    def bounds(o: int) -> tuple[int, int]:
        # input i reaches output i·s − p + tap·d for taps 0..k−1
        hits = [(o + p - tap * d) // s for tap in range(k) if (o + p - tap * d) % s == 0]
        if not hits:  # a stride larger than the kernel leaves outputs no input reaches
            i = (o + p) // s
            return i, i
        return min(hits), max(hits)

    return Local(s, 1, bounds)


def _resample(r: Resample) -> Local:
    g = gcd(r.size_in, r.size_out)
    n, m = r.size_in // g, r.size_out // g
    if r.mode == "nearest":  # PyTorch: src = floor(o · in / out)
        return Local(m, n, lambda o: (o * n // m, o * n // m))
    if r.mode == "adaptive":  # window [floor(o·n/m), ceil((o+1)·n/m))
        return Local(m, n, lambda o: (o * n // m, -(-(o + 1) * n // m) - 1))
    taps = 1 if r.mode == "bilinear" else 2  # taps on each side of the source point

    def bounds(o: int) -> tuple[int, int]:
        # align_corners=False: src = (o + 1/2)·in/out − 1/2 = ((2o + 1)·in − out) / (2·out)
        num, den = (2 * o + 1) * n - m, 2 * m
        base = num // den
        if num % den == 0:  # on a pixel: the other taps weigh 0
            return base, base
        return base - (taps - 1), base + taps

    return Local(m, n, bounds)


def local(reads: Reads, size: int) -> Local | None:
    """The bounds a kind's statement gives (None: output o reads input o)."""
    if isinstance(reads, Window):
        return _window(reads)
    if isinstance(reads, Transposed):
        return _transposed(reads)
    if isinstance(reads, Resample):
        return _resample(reads)
    if isinstance(reads, Offset):
        shift = reads.shift
        return Local(1, 1, lambda o: (o + shift, o + shift))
    if isinstance(reads, Whole):
        return Local(1, 0, lambda o: (0, size - 1))
    return None


def _merge(spans: list[Span]) -> tuple[Span, str | None]:
    """Union of several paths' spans; the second value says how the paths disagree."""
    jumps = {s.jump for s in spans}
    if len(jumps) > 1:
        known = [s for s in spans if s.known] or spans
        best = max(known, key=lambda s: s.axis().size or 0)
        shown = ", ".join(_frac(j) for j in sorted(jumps))
        return best, f"paths disagree on the jump ({shown}); the widest path's field is reported"
    if not all(s.known for s in spans):
        return _unknown(spans[0].jump), None
    period = 1
    for s in spans:
        period = period * s.period // gcd(period, s.period)
    if period > MAX_PERIOD:
        return _unknown(spans[0].jump), None
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
    return Span(period, step, lo, hi, spans[0].jump), note


def _frac(f: Fraction) -> str:
    return str(f.numerator) if f.denominator == 1 else (f"{float(f):g}" if 1000 % f.denominator == 0 else str(f))


def spans(report: Report) -> tuple[list[tuple[Span, Span] | None], list[Lint]]:
    """Per row, its (H, W) spans (None when the network input is a vector) and the warnings."""
    if not report.input.is_image:
        return [None] * len(report.rows), []
    out: list[tuple[Span, Span] | None] = []
    warnings: list[Lint] = []
    warned: set[str] = set()
    for row in report.rows:
        assert row.layer is not None
        preds = [(IDENTITY, IDENTITY) if i == INPUT else out[i] for i in row.sources]
        if row.layer.arity == 0:
            keep = [k for k, s in enumerate(row.inputs)
                    if not (s.numel == s.c and row.output.numel > row.output.c)]  # broadcast gates
            pair = []
            for axis in (0, 1):
                merged, note = _merge([p[axis] for k in keep if (p := preds[k]) is not None])
                pair.append(merged)
                if note and row.name not in warned:
                    warned.add(row.name)
                    warnings.append(Lint("W201", row.name, row.kind, "receptive field: " + note, row.pos))
            out.append((pair[0], pair[1]))
            continue
        first = preds[0]
        assert first is not None
        x = row.inputs[0]
        new = []
        for axis in (0, 1):
            step = local(row.layer.reads(row.inputs, row.output, axis), x.dims[axis]) if x.is_image else None
            new.append(first[axis] if step is None else compose(first[axis], step))
        out.append((new[0], new[1]))
        if not (new[0].known and new[1].known) and all(p is None or (p[0].known and p[1].known) for p in preds):
            warnings.append(Lint("W202", row.name, row.kind,
                                 f"receptive field: the positions repeat only every {MAX_PERIOD:,}+ outputs"
                                 " (decimal up-sampling); its size and centre are not tracked from here on,"
                                 " the jump stays exact", row.pos))
    return out, warnings


def with_rf(report: Report) -> tuple[Report, list[Lint]]:
    """The report with ``rf`` filled on every row, and the receptive-field warnings."""
    found, warnings = spans(report)
    rows: list[LayerReport] = []
    for row, pair in zip(report.rows, found, strict=True):
        rows.append(row if pair is None else replace(row, rf=RField(pair[0].axis(), pair[1].axis())))
    return replace(report, rows=tuple(rows)), warnings
