"""Explanations as text, Markdown or JSON (``cnncalc explain``)."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.explain.explanation import Explanation
from cnncalc.layers.formula import Eq, Line
from cnncalc.render.text import inputs_text, md, safe


def to_text(expls: list[Explanation]) -> str:
    """Each layer: a heading line, then its formulas indented."""
    out: list[str] = []
    for e in expls:
        out.append(f"{safe(e.name)} ({e.kind}): {inputs_text(e.inputs)} -> {e.output}")
        out += [f"    {safe(str(line))}" for line in e.lines]
        out.append("")
    return "\n".join(out)


def to_markdown(expls: list[Explanation]) -> str:
    out: list[str] = []
    for e in expls:
        out += [f"#### {md(e.name)} ({e.kind}): {inputs_text(e.inputs)} → {e.output}", ""]
        out += [f"- `{safe(str(line)).replace('`', chr(0x2cb))}`" if isinstance(line, Eq) else f"- {safe(line)}"
                for line in e.lines]
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
