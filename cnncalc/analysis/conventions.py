"""MAC counting conventions: why two tools give two numbers for the same network.

The core counts MACs as torchvision publishes them ("torchvision": convolutions and dense
layers only, bias adds excluded).  Other tools count more; every kind states how each counts
it (its ``conventions`` rule, :mod:`cnncalc.layers.counting`).  This module applies those
rules to a report and renders the per-kind table of docs/conventions.md (a test keeps the
file in sync with the code).
"""

from __future__ import annotations

from cnncalc.analysis.report import LayerReport, Report
from cnncalc.layers.base import REGISTRY
from cnncalc.layers.counting import PRESETS
from cnncalc.records import replace


def macs_under(preset: str, row: LayerReport) -> int:
    """MACs of one analysed layer in ``preset`` (the row's own count is torchvision's)."""
    assert row.layer is not None
    return row.layer.conventions.count(preset, row.layer, row.inputs, row.output, row.cost.macs)


def per_layer(report: Report) -> list[dict[str, int]]:
    """For each report row, its MACs under every preset."""
    return [{p: macs_under(p, r) for p in PRESETS} for r in report.rows]


def under(report: Report, preset: str, counts: list[dict[str, int]] | None = None) -> Report:
    """The report with every row's MACs counted in ``preset`` (checks unchanged); ``counts``
    reuses a :func:`per_layer` already computed."""
    if preset == "torchvision":
        return report
    counts = counts if counts is not None else [{preset: macs_under(preset, r)} for r in report.rows]
    rows = tuple(replace(r, cost=replace(r.cost, macs=c[preset])) for r, c in zip(report.rows, counts, strict=True))
    return replace(report, rows=rows)


def markdown_table() -> str:
    """The per-kind table of docs/conventions.md, generated from each kind's rule."""
    out = ["| kind | torchvision (core) | fvcore | ptflops | all |", "|---|---|---|---|---|"]
    for kind, cls in sorted(REGISTRY.items()):
        if kind != cls.kind:
            continue
        rule = cls.conventions
        out.append(f"| {kind} | {cls.macs_formula} | {rule.fvcore.doc} | {rule.ptflops.doc} | {rule.all.doc} |")
    return "\n".join(out) + "\n"


__all__ = ["PRESETS", "macs_under", "markdown_table", "per_layer", "under"]


if __name__ == "__main__":  # regenerate the table of docs/conventions.md
    print(markdown_table(), end="")
