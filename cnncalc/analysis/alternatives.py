"""When an ``expect:`` value fails, say which common alternative gives the claimed number.

A student's 153,600 for a conv with 153,632 parameters usually means "bias
forgotten", not "wrong".  For each failed check this module recomputes the
layer under the usual alternatives — valid vs same padding, bias counted or
not, stride not applied, ceil instead of floor (and the reverse for
``ceil_mode`` pools), a transposed conv counted from its output — and the
usual value mix-ups — FLOPs = 2 × MACs, BatchNorm statistics counted as
parameters, another tool's MAC convention, auxiliary heads included — and
names those that reproduce the claim in the check's ``hint``.  Numbers are
never changed.  Variants come from an explicit mapping per layer class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from cnncalc.analysis import conventions
from cnncalc.analysis.report import Check, LayerReport, Report, Totals
from cnncalc.errors import CnnCalcError
from cnncalc.graph.nodes import Graph
from cnncalc.layers.base import Layer
from cnncalc.layers.composite import DeformConv
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv, k_eff
from cnncalc.layers.deconv import Deconv
from cnncalc.layers.dense import Dense
from cnncalc.layers.pool import AvgPool, MaxPool
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import parse_claim, parse_shape_text

Outcome = tuple[str, Shape, Cost]  # what the alternative is, its output, its cost


def _recompute(label: str, layer: Layer, ins: tuple[Shape, ...]) -> Outcome | None:
    try:
        out = layer.infer(ins)
        return label, out, layer.cost(ins, out)
    except CnnCalcError:
        return None


def _padding_variants(layer: Any) -> Iterator[tuple[str, Any]]:
    if layer.padding == "same":
        yield "with no padding ('valid')", replace(layer, padding=(0, 0, 0, 0))
    else:
        yield "with padding 'same'", replace(layer, padding="same")


def _conv_variants(layer: Any, ins: tuple[Shape, ...]) -> Iterator[Outcome | None]:
    for label, alt in _padding_variants(layer):
        yield _recompute(label, alt, ins)
    yield _recompute("without the bias" if layer.bias else "with a bias", replace(layer, bias=not layer.bias), ins)
    if layer.stride != (1, 1):
        yield _recompute("with the stride not applied (stride 1)", replace(layer, stride=(1, 1)), ins)
    x = ins[0]
    t, b, left, r = layer.pads(x)
    ke = k_eff(layer.kernel, layer.dilation)
    ceil = tuple(-(-(n + p - k) // s) + 1 for n, p, k, s in
                 ((x.h, t + b, ke[0], layer.stride[0]), (x.w, left + r, ke[1], layer.stride[1])))
    if ceil != (layer.infer(ins).h, layer.infer(ins).w):
        out = Shape((ceil[0], ceil[1], layer.infer(ins).c))
        yield "with ceil instead of floor in the output size", out, layer.cost(ins, out)


def _pool_variants(layer: Any, ins: tuple[Shape, ...]) -> Iterator[Outcome | None]:
    for label, alt in _padding_variants(layer):
        yield _recompute(label, alt, ins)
    label = "with floor (ceil_mode: false)" if layer.ceil_mode else "with ceil instead of floor (ceil_mode: true)"
    yield _recompute(label, replace(layer, ceil_mode=not layer.ceil_mode), ins)
    if layer.step != (1, 1):
        yield _recompute("with the stride not applied (stride 1)", replace(layer, stride=(1, 1)), ins)


def _deconv_variants(layer: Deconv, ins: tuple[Shape, ...]) -> Iterator[Outcome | None]:
    yield _recompute("without the bias" if layer.bias else "with a bias", replace(layer, bias=not layer.bias), ins)
    if layer.stride != (1, 1):
        yield _recompute("with the stride not applied (stride 1)", replace(layer, stride=(1, 1)), ins)
    x, out = ins[0], layer.infer(ins)
    cost = layer.cost(ins, out)
    wrong = out.h * out.w * out.c * (x.c // layer.groups) * layer.kernel[0] * layer.kernel[1]
    yield ("counting the MACs from the output as for a conv (transposed conv counts from its input)", out,
           replace(cost, macs=wrong))


def _dense_variants(layer: Dense, ins: tuple[Shape, ...]) -> Iterator[Outcome | None]:
    yield _recompute("without the bias" if layer.bias else "with a bias", replace(layer, bias=not layer.bias), ins)


VARIANTS: dict[type[Layer], Callable[[Any, tuple[Shape, ...]], Iterator[Outcome | None]]] = {
    Conv: _conv_variants, DepthwiseConv: _conv_variants, SeparableConv: _conv_variants,
    DeformConv: _conv_variants, MaxPool: _pool_variants, AvgPool: _pool_variants,
    Deconv: _deconv_variants, Dense: _dense_variants,
}


def _field(name: str, out: Shape, cost: Cost | Totals) -> Shape | int:
    values: dict[str, Shape | int] = {"output": out, "params": cost.params, "trainable_params": cost.trainable,
                                      "non_trainable_params": cost.non_trainable, "macs": cost.macs,
                                      "flops": 2 * cost.macs}
    if isinstance(cost, Totals):
        values["aux_macs"] = cost.aux_macs
    return values[name]


def matches(check: Check, value: Shape | int) -> bool:
    """Whether ``value`` satisfies the claim, by the rule ``expect:`` uses."""
    if check.field == "output":
        dims = parse_shape_text(check.claimed)
        return isinstance(value, Shape) and dims == value.dims
    parsed = parse_claim(check.claimed)
    if parsed is None or not isinstance(value, int):
        return False
    claimed, tol = parsed
    return claimed - tol <= Decimal(value) < claimed + tol or Decimal(value) == claimed


def _value_mixups(check: Check, cost: Cost | Totals, presets: dict[str, int],
                  biases: tuple[int, int] | None = None) -> Iterator[tuple[str, int]]:
    """Common confusions between counts of the same layer or network."""
    f = check.field
    if biases is not None and f in ("params", "trainable_params"):
        base = cost.params if f == "params" else cost.trainable
        yield "no bias counted anywhere", base - biases[0]
        yield "a bias on every conv and dense layer", base + biases[1]
    if f == "macs":
        yield "FLOPs (2 × MACs), not MACs", 2 * cost.macs
    if f == "flops":
        yield "MACs, not FLOPs (FLOPs = 2 × MACs)", cost.macs
    if f in ("macs", "flops"):
        k = 1 if f == "macs" else 2
        for name, macs in presets.items():
            if name != "torchvision" and macs != cost.macs:
                yield f"the {name} convention (--convention {name})", k * macs
        if isinstance(cost, Totals) and cost.aux_macs:
            yield "the auxiliary heads included", k * (cost.macs + cost.aux_macs)
    if cost.non_trainable:
        if f == "params":
            yield "the BatchNorm running statistics not counted (trainable only)", cost.trainable
        if f == "trainable_params":
            yield "the BatchNorm running statistics counted as trainable", cost.params


def _hint(found: list[str]) -> str | None:
    if not found:
        return None
    return "the claim matches " + "; or ".join(dict.fromkeys(found))


def _explain_check(check: Check, layer: Layer | None, ins: tuple[Shape, ...], out: Shape,
                   cost: Cost | Totals, presets: dict[str, int], biases: tuple[int, int] | None = None) -> Check:
    if check.ok or check.hint:
        return check
    found = [label for label, value in _value_mixups(check, cost, presets, biases) if matches(check, value)]
    make = VARIANTS.get(type(layer)) if layer is not None else None
    if make is not None:
        for outcome in make(layer, ins):
            if outcome is not None and matches(check, _field(check.field, outcome[1], outcome[2])):
                found.append(f"this layer {outcome[0]}")
    hint = _hint(found)
    return check if hint is None else replace(check, hint=hint)


def _bias_params(layer: Layer, row: LayerReport) -> tuple[int, int]:
    """(bias parameters the layer has, bias parameters it would gain with a bias)."""
    bias = getattr(layer, "bias", None)
    if not isinstance(bias, bool) or type(layer) not in VARIANTS:
        return 0, 0
    flipped = _recompute("", replace(layer, bias=not bias), row.inputs)  # type: ignore[call-arg]
    if flipped is None:
        return 0, 0
    delta = row.cost.trainable - flipped[2].trainable
    return (delta, 0) if delta > 0 else (0, -delta)


def annotate(graph: Graph, report: Report) -> Report:
    """The report with a ``hint`` on every failed check that a common alternative explains."""
    per_layer = conventions.per_layer(graph, report)
    rows: list[LayerReport] = []
    for node, row, presets in zip(graph.nodes, report.rows, per_layer):
        checks = tuple(_explain_check(c, node.layer, row.inputs, row.output, row.cost, presets) for c in row.checks)
        rows.append(row if checks == row.checks else replace(row, checks=checks))
    biases = [_bias_params(n.layer, r) for n, r in zip(graph.nodes, report.rows)]
    top = []
    for c in report.checks:
        inside = [c.scope == "totals" or c.scope in r.group for r in report.rows]
        members = tuple(r for r, keep in zip(report.rows, inside) if keep)
        sub = {p: sum(d[p] for d, r, keep in zip(per_layer, report.rows, inside) if keep and not r.aux)
               for p in conventions.PRESETS}
        have = (sum(b[0] for b, keep in zip(biases, inside) if keep), sum(b[1] for b, keep in zip(biases, inside) if keep))
        last = report.output if c.scope == "totals" else (members[-1].output if members else report.input)
        top.append(_explain_check(c, None, (), last, Totals.of(members), sub, have))
    return Report(report.name, report.input, report.output, tuple(rows), tuple(top))
