"""Homework mode: every number of a layer as a formula with the numbers substituted.

``H_out = floor((28 + 2 + 2 − 5) / 1) + 1 = 28``.  Each kind states its own formulas
(``Layer.formulas``), with the values taken from the report row; this module picks the layers
and :mod:`cnncalc.render.explanations` writes them as text, Markdown or JSON.
"""

from __future__ import annotations

from cnncalc.analysis.report import LayerReport, Report
from cnncalc.errors import GraphError, did_you_mean, shown
from cnncalc.layers.formula import Line
from cnncalc.records import record
from cnncalc.shapes import Shape


@record(frozen=True, slots=True)
class Explanation:
    """One layer's heading (name, kind, shapes) and its formula lines."""

    name: str
    kind: str
    inputs: tuple[Shape, ...]
    output: Shape
    lines: tuple[Line, ...]


def explain_row(row: LayerReport) -> Explanation:
    assert row.layer is not None
    lines = row.layer.formulas(row.inputs, row.output, row.cost)
    return Explanation(row.name, row.kind, row.inputs, row.output, tuple(lines))


def _selected(row: LayerReport, layer: str) -> bool:
    """``layer`` names this row, a block instance (or repeat, aux head) around it, or
    ``instance.name`` as summary and check show it."""
    return row.name == layer or layer in row.group or (bool(row.group) and f"{row.group[-1]}.{row.name}" == layer)


def explain(report: Report, layer: str | None = None) -> list[Explanation]:
    """Explanations of every layer, or of the layer or block instance named ``layer``."""
    out = [explain_row(row) for row in report.rows if layer is None or _selected(row, layer)]
    if not out:
        names = list(dict.fromkeys([*(r.name for r in report.rows), *(g for r in report.rows for g in r.group)]))
        hint = did_you_mean(layer or "", names) or "see the names in `cnncalc summary`"
        raise GraphError(f"no layer or block instance is named '{shown(layer or '')}'", hint=hint, code="E201")
    return out
