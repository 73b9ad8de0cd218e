"""The secondary views: `cnncalc kinds`, `cnncalc sizes`, the --conventions grid and the
several-inputs grid (``summary -i A -i B``), each as a :class:`Grid` for people and as raw
numbers for scripts.  The main report is rendered by :mod:`cnncalc.render.report`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from cnncalc.analysis.report import Report
from cnncalc.layers.base import REGISTRY
from cnncalc.layers.frozen import arg_fields
from cnncalc.records import MISSING
from cnncalc.render.layout import Cell, Column, Grid, Role
from cnncalc.render.machine import csv_text, inputs_csv, inputs_json
from cnncalc.render.report import params_header, stats_note
from cnncalc.render.text import md, safe, shape_list, short, suffix

__all__ = ["conventions_csv", "conventions_grid", "conventions_json", "inputs_csv", "inputs_grid", "inputs_json",
           "kinds_text", "markdown_grid", "sizes_text"]


def kinds_text() -> str:
    """Every layer kind with its aliases, the first paragraph of its doc and its arguments."""
    out = []
    for name, cls in sorted(REGISTRY.items()):
        if name != cls.kind:
            continue
        doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())  # the first paragraph
        alias = f" (alias {', '.join(cls.aliases)})" if cls.aliases else ""
        out.append(f"{name}{alias}: {doc}")
        for f in arg_fields(cls):
            default = "required" if f.default is MISSING else f"default {f.default}"
            main = " [main]" if f.name == cls.main else ""
            out.append(f"    {f.name}{main}: {f.metadata['doc']} ({default})")
    return "\n".join(out)


def sizes_text(found: list[int], lo: int, hi: int) -> str:
    """Accepted sizes, runs of a constant step written as progressions."""
    if not found:
        return f"no input size from {lo} to {hi} works"
    parts: list[str] = []
    i = 0
    while i < len(found):
        j = i + 1
        step = found[j] - found[i] if j < len(found) else 0
        while j + 1 < len(found) and found[j + 1] - found[j] == step:
            j += 1
        if j - i >= 2:
            parts.append(f"{found[i]} to {found[j]} every {step}")
            i = j + 1
        else:
            parts.append(str(found[i]))
            i += 1
    return f"accepted input sizes (n x n) from {lo} to {hi}: " + ", ".join(parts)


def _num(n: int, humanised: bool = True) -> Cell:
    return Cell(f"{n:,}", suffix(n) if humanised else "")


def markdown_grid(grid: Grid) -> str:
    """A grid as a Markdown table (numbers with their digits only, no humanised suffix)."""
    out = [f"### {md(grid.title)}", "", "| " + " | ".join(md(c.name) for c in grid.columns) + " |",
           "|" + "|".join("--:" if c.right else "---" for c in grid.columns) + "|"]
    out += ["| " + " | ".join(md(cell.text.strip()) if col.role is Role.LABEL else cell.text
                              for cell, col in zip(row, grid.columns, strict=True)) + " |" for row in grid.rows]
    if grid.footer:
        out += ["", *(md(line) for line in grid.footer)]
    return "\n".join(out) + "\n"


# --- the --conventions view: one MAC column per preset ------------------------------

def _preset_totals(report: Report, per_layer: Sequence[dict[str, int]], presets: list[str]) -> dict[str, int]:
    return {p: sum(d[p] for d, r in zip(per_layer, report.rows, strict=True) if not r.aux) for p in presets}


def _preset_headers(presets: list[str], flops: bool) -> list[str]:
    """'torchvision MACs', 'fvcore', ...: the unit once, on the first (the default) preset."""
    unit = "FLOPs" if flops else "MACs"
    return [f"{p} {unit}" if i == 0 else p for i, p in enumerate(presets)]


def conventions_grid(report: Report, per_layer: Sequence[dict[str, int]], flops: bool = False) -> Grid:
    """Per layer, its count under each preset; a last TOTAL row (aux heads excluded)."""
    presets = list(per_layer[0]) if per_layer else []
    k, unit = (2, "FLOPs") if flops else (1, "MACs")
    columns = (Column("name", role=Role.LABEL), Column("kind"), Column("output", True),
               *(Column(h, True, Role.NUMBER) for h in _preset_headers(presets, flops)))
    rows = [(Cell("  " * len(r.group) + safe(r.name)), Cell(r.kind), Cell(str(r.output)),
             *(_num(k * d[p], False) for p in presets)) for r, d in zip(report.rows, per_layer, strict=True)]
    totals = _preset_totals(report, per_layer, presets)
    rows.append((Cell("TOTAL"), Cell(""), Cell(str(report.output)), *(_num(k * totals[p], False) for p in presets)))
    head = f"{safe(report.name)}: {unit}{' (2 x MACs)' if flops else ''} per convention"
    return Grid(head, columns, tuple(rows))


def conventions_csv(report: Report, per_layer: Sequence[dict[str, int]], flops: bool = False) -> str:
    """The grid's columns with raw counts (FLOPs with ``flops``), one row per layer and a TOTAL."""
    presets = list(per_layer[0]) if per_layer else []
    k = 2 if flops else 1
    rows: list[list[object]] = [[r.name, r.kind, str(r.output), *(k * d[p] for p in presets)]
                                for r, d in zip(report.rows, per_layer, strict=True)]
    totals = _preset_totals(report, per_layer, presets)
    rows.append(["TOTAL", "", str(report.output), *(k * totals[p] for p in presets)])
    return csv_text(["name", "kind", "output", *_preset_headers(presets, flops)], rows)


def conventions_json(report: Report, per_layer: Sequence[dict[str, int]]) -> str:
    presets = list(per_layer[0]) if per_layer else []
    layers = [{"name": r.name, "kind": r.kind, "output": shape_list(r.output), "macs": d}
              for r, d in zip(report.rows, per_layer, strict=True)]
    totals = _preset_totals(report, per_layer, presets)
    return json.dumps({"name": report.name, "layers": layers, "totals": {"macs": totals}}, indent=2)


# --- summary --input A --input B: one row per input size ------------------------------

def inputs_grid(name: str, convention: str, reports: Sequence[Report], flops: bool = False) -> Grid:
    """Per input size: output, parameters, MACs (or FLOPs) and activation memory."""
    k, unit = (2, "FLOPs") if flops else (1, "MACs")
    columns = (Column("input", True), Column("output", True), Column(params_header(reports[0]), True, Role.NUMBER),
               Column(unit, True, Role.NUMBER), Column("activations", True, Role.NUMBER),
               Column("float32", True, Role.SHARE))
    rows = tuple((Cell(str(r.input)), Cell(str(r.output)), _num(r.totals.params), _num(k * r.totals.macs),
                  _num(r.totals.activations), Cell(f"{short(4 * r.totals.activations)}B")) for r in reports)
    head = f"{safe(name)} at {len(reports)} input sizes ({convention} {unit})"
    return Grid(head, columns, rows, tuple(stats_note(reports[0])))
