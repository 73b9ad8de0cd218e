"""Models side by side (``cnncalc compare``; ``scale``'s before and after) as a table, JSON, CSV
or Markdown: one row per model, and each model's differences to the first.

The table shows trainable and non-trainable parameters, MACs, activations and depth, with the
difference to the first model beside parameters, MACs and activations (the exact difference,
then the ratio as a suffix that goes first when space is short; the difference columns go
before any number when even that does not fit).  JSON and CSV carry raw integers: every
quantity and every difference.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.analysis.compare import QUANTITIES, Model, differences
from cnncalc.render.layout import Cell, Column, Grid, Role
from cnncalc.render.machine import csv_text
from cnncalc.render.text import safe, shape_list, suffix


def _num(n: int) -> Cell:
    return Cell(f"{n:,}", suffix(n))


def _delta(value: int, first: int, diff: int, is_first: bool) -> Cell:
    """'+6,902,668 (x2.29)': the difference to the first model and the ratio of the two."""
    if is_first:
        return Cell("")
    ratio = f" (×{value / first:.3g})" if first else ""
    return Cell(f"{diff:+,}" if diff else "0", ratio)


def compare_grid(models: Sequence[Model], title: str | None = None) -> Grid:
    """The comparison table; ``title`` replaces the default first line.  An input or output all
    the models share is said once, in the title, instead of in a column."""
    diffs = differences(models)
    first = models[0]
    same_in = len({m.input for m in models}) == 1
    same_out = len({m.output for m in models}) == 1
    columns = [Column("model", role=Role.LABEL), *([] if same_in else [Column("input", True)]),
               *([] if same_out else [Column("output", True)]),
               Column("trainable", True, Role.NUMBER), Column("Δ", True, Role.CONTEXT),
               Column("non-trainable", True, Role.CONTEXT),
               Column("MACs", True, Role.NUMBER), Column("Δ", True, Role.CONTEXT),
               Column("activations", True, Role.NUMBER), Column("Δ", True, Role.CONTEXT),
               Column("depth", True, Role.NUMBER)]
    rows = []
    for i, (m, d) in enumerate(zip(models, diffs, strict=True)):
        rows.append((Cell(safe(m.label)), *([] if same_in else [Cell(str(m.input))]),
                     *([] if same_out else [Cell(str(m.output))]),
                     _num(m.trainable_params), _delta(m.trainable_params, first.trainable_params,
                                                      d["trainable_params"], i == 0),
                     _num(m.non_trainable_params),
                     _num(m.macs), _delta(m.macs, first.macs, d["macs"], i == 0),
                     _num(m.activations), _delta(m.activations, first.activations, d["activations"], i == 0),
                     Cell(str(m.depth))))
    shared = [f"at {first.input}"] * same_in + [f"output {first.output}"] * same_out
    where = (" " if same_in else ", ") + ", ".join(shared) if shared else ""
    head = title or (f"{len(models)} models{where} (torchvision MACs;"
                     f" Δ: the difference to {safe(first.label)})")
    footer = ("trainable: PyTorch's parameters(); non-trainable: running statistics of norm layers",
              "depth: the most conv and dense layers on one path from the input to the output")
    return Grid(head, tuple(columns), tuple(rows), footer)


def model_json(m: Model, diff: dict[str, int]) -> dict[str, Any]:
    return {"label": m.label, "name": m.name, "file": m.file, "set": dict(m.sets), "input": shape_list(m.input),
            "output": shape_list(m.output), **{q: m.value(q) for q in QUANTITIES},
            "activation_bytes": m.activation_bytes, "difference": diff}


def compare_json(models: Sequence[Model]) -> str:
    """A list of models: their quantities and their differences to the first (raw integers)."""
    return json.dumps([model_json(m, d) for m, d in zip(models, differences(models), strict=True)], indent=2)


CSV_FIELDS = ("label", "name", "file", "set", "input", "output", *QUANTITIES, *(f"d_{q}" for q in QUANTITIES))


def compare_csv(models: Sequence[Model]) -> str:
    """One row per model: ``set`` as ``name=value`` items joined by spaces, ``d_*`` the differences."""
    rows = ([m.label, m.name, m.file, " ".join(f"{k}={v}" for k, v in m.sets), str(m.input), str(m.output),
             *(m.value(q) for q in QUANTITIES), *(d[q] for q in QUANTITIES)]
            for m, d in zip(models, differences(models), strict=True))
    return csv_text(CSV_FIELDS, rows)
