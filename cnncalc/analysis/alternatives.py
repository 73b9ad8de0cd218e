"""When an ``expect:`` value fails, say which common alternative gives the claimed number.

A student's 153,600 for a conv with 153,632 parameters usually means "bias
forgotten", not "wrong".  For each failed check this module recomputes the
layer under the usual alternatives — valid vs same padding, bias counted or
not, stride not applied, ceil instead of floor (and the reverse for
``ceil_mode`` pools), a transposed conv counted from its output — and the
usual value mix-ups — FLOPs = 2 × MACs, BatchNorm statistics counted as
parameters, another tool's MAC convention, auxiliary heads included — and
names those that reproduce the claim in the check's ``hint``.  Numbers are
never changed.  Each kind states its own alternatives (``Layer.variants``).
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.analysis.report import Check, LayerReport, Report, Totals
from cnncalc.errors import CnnCalcError
from cnncalc.layers.base import Variant
from cnncalc.layers.counting import PRESETS
from cnncalc.records import replace
from cnncalc.shapes import Cost, Shape

Outcome = tuple[str, Shape, Cost]  # what the alternative is, its output, its cost


def _outcome(v: Variant, ins: tuple[Shape, ...]) -> Outcome | None:
    """A kind's variant evaluated: an alternative layer recomputed, or the outcome it states."""
    if v.layer is None:
        assert v.output is not None and v.cost is not None
        return v.label, v.output, v.cost
    try:
        out = v.layer.infer(ins)
        return v.label, out, v.layer.cost(ins, out)
    except CnnCalcError:
        return None


def _field(name: str, out: Shape, cost: Cost | Totals) -> Shape | int | None:
    values: dict[str, Shape | int] = {"output": out, "params": cost.params, "trainable_params": cost.trainable,
                                      "non_trainable_params": cost.non_trainable, "macs": cost.macs,
                                      "flops": 2 * cost.macs}
    if isinstance(cost, Totals):
        values["aux_macs"] = cost.aux_macs
        values["activations"] = cost.activations
    return values.get(name)


def matches(check: Check, value: Shape | int | None) -> bool:
    """Whether ``value`` satisfies the check's claim, by the rule ``expect:`` uses."""
    if value is None or check.claim is None or isinstance(value, Shape) != (check.claim.shape is not None):
        return False
    return check.claim.holds(value)


def _value_mixups(check: Check, cost: Cost | Totals, presets: dict[str, int],
                  biases: tuple[int, int] | None = None) -> Iterator[tuple[str, int]]:
    """Common confusions between counts of the same layer or network."""
    f = check.field
    if biases is not None and f in ("params", "trainable_params"):
        base = cost.params if f == "params" else cost.trainable
        yield "no bias counted anywhere", base - biases[0]
        yield "a bias on every conv and dense layer", base + biases[1]
    if f in ("params", "trainable_params") and cost.macs:
        yield "the MAC count: this number counts multiply-accumulates, not parameters", cost.macs
    if f == "macs":
        yield "FLOPs (2 × MACs), not MACs", 2 * cost.macs
        yield "the parameter count, not the MACs", cost.params
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


def _explain_check(check: Check, row: LayerReport | None, out: Shape, cost: Cost | Totals,
                   presets: dict[str, int], biases: tuple[int, int] | None = None) -> Check:
    if check.ok or check.hint or (check.claim is not None and check.claim.bound):
        return check  # a budget (<= 4.5G) is not a number someone computed another way
    found = [label for label, value in _value_mixups(check, cost, presets, biases) if matches(check, value)]
    if row is not None and row.layer is not None:
        for variant in row.layer.variants(row.inputs):
            outcome = _outcome(variant, row.inputs)
            if outcome is not None and matches(check, _field(check.field, outcome[1], outcome[2])):
                found.append(f"this layer {outcome[0]}")
    hint = _hint(found)
    return check if hint is None else replace(check, hint=hint)


def _bias_params(row: LayerReport) -> tuple[int, int]:
    """(bias parameters the layer has, bias parameters it would gain with a bias)."""
    bias = getattr(row.layer, "bias", None)
    if row.layer is None or not isinstance(bias, bool):
        return 0, 0
    flipped = next((v for v in row.layer.variants(row.inputs) if v.label in ("without the bias", "with a bias")), None)
    outcome = _outcome(flipped, row.inputs) if flipped is not None else None
    if outcome is None:
        return 0, 0
    delta = row.cost.trainable - outcome[2].trainable
    return (delta, 0) if delta > 0 else (0, -delta)


def annotate(report: Report, per_layer: list[dict[str, int]]) -> Report:
    """The report with a ``hint`` on every failed check that a common alternative explains;
    ``per_layer`` holds each row's MACs under every convention (computed once by the review)."""
    rows: list[LayerReport] = []
    for row, presets in zip(report.rows, per_layer, strict=True):
        checks = tuple(_explain_check(c, row, row.output, row.cost, presets) for c in row.checks)
        rows.append(row if checks == row.checks else replace(row, checks=checks))
    failed = [c for c in report.checks if not c.ok and not c.hint]
    if not failed:
        return replace(report, rows=tuple(rows))
    # Subtotals per group, in one pass over the rows, only for the groups with a failed claim.
    scopes = {c.scope for c in failed}
    members: dict[str, list[int]] = {s: [] for s in scopes}
    for i, r in enumerate(report.rows):
        for g in ("totals", *r.group):
            if g in members:
                members[g].append(i)
    top = []
    for c in report.checks:
        if c.ok or c.hint:
            top.append(c)
            continue
        idx = members[c.scope]
        inside = tuple(report.rows[i] for i in idx)
        sub = {p: sum(per_layer[i][p] for i in idx if not report.rows[i].aux) for p in PRESETS}
        biases = [_bias_params(report.rows[i]) for i in idx]
        have = (sum(b[0] for b in biases), sum(b[1] for b in biases))
        last = report.output if c.scope == "totals" else (inside[-1].output if inside else report.input)
        top.append(_explain_check(c, None, last, Totals.of(inside), sub, have))
    return replace(report, rows=tuple(rows), checks=tuple(top))
