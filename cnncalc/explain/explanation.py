"""Homework mode: every number of a layer as a formula with the numbers substituted.

``H_out = floor((28 + 2 + 2 − 5) / 1) + 1 = 28``.  The formulas of each layer kind live in
:mod:`cnncalc.explain_layers`; this module picks the layers; :mod:`cnncalc.render.explanations` writes them as text, Markdown or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis.report import LayerReport, Report
from cnncalc.errors import GraphError, did_you_mean
from cnncalc.explain.kinds import EXPLAINERS, Explainer, same_shape
from cnncalc.explain.windows import Line
from cnncalc.graph.nodes import Graph
from cnncalc.layers.base import Layer
from cnncalc.shapes import Shape


@dataclass(frozen=True, slots=True)
class Explanation:
    name: str
    kind: str
    inputs: tuple[Shape, ...]
    output: Shape
    lines: tuple[Line, ...]


def explainer_for(layer: Layer) -> Explainer:
    """The layer's explainer; element-wise kinds (activations, dropout, ...) keep the shape."""
    return EXPLAINERS.get(type(layer), _generic)


def _generic(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> list[Line]:
    if out == ins[0]:
        return same_shape(layer, ins, out)
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
