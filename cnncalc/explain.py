"""Homework mode: every number of a layer as a formula with the numbers substituted.

``H_out = floor((28 + 2 + 2 − 5) / 1) + 1 = 28``.  The formulas of each layer kind live in
:mod:`cnncalc.explain_layers`; this module picks the layers, and writes them as text, Markdown
or JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .errors import GraphError
from .explain_layers import EXPLAINERS, Explainer, same_shape
from .explain_windows import Eq, Line
from .graph import Graph
from .layers.base import Layer, did_you_mean
from .shapes import LayerReport, Report, Shape


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
