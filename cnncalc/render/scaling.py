"""``cnncalc scale``'s view: the vars it changed, and how (the totals before and after are a
comparison of two models: :mod:`cnncalc.render.compare`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from cnncalc.analysis.compare import Model, differences
from cnncalc.render.compare import model_json
from cnncalc.render.layout import Cell, Column, Grid, Role
from cnncalc.render.text import safe
from cnncalc.spec.operators import Number
from cnncalc.spec.scaling import Change, as_yaml, rule


def how(change: Change, factor: Decimal) -> str:
    """How the new value was computed, in words a reader can redo: 'round(224 × 1.15)'."""
    if change.multiplier:
        return f"{as_yaml(change.before)} × {factor}, exactly"
    if isinstance(change.before, list):
        return rule(change.axis, factor=factor) + " for each item"
    return rule(change.axis, change.before, factor)


def _value(v: Number | list[Number]) -> str:
    return as_yaml(v)


def changes_grid(factors: dict[str, Decimal], changes: Sequence[Change]) -> Grid:
    """One row per var scaled: its axis, the value before and after, the rule applied."""
    columns = (Column("var", role=Role.LABEL), Column("axis"), Column("before", True), Column("after", True),
               Column("rule", role=Role.LABEL))
    rows = tuple((Cell(safe(c.var)), Cell(c.axis), Cell(_value(c.before)), Cell(_value(c.after)),
                  Cell(how(c, factors[c.axis]))) for c in changes)
    scaled = ", ".join(f"{axis} × {f}" for axis, f in factors.items())
    return Grid(f"compound scaling: {scaled}", columns, rows)


def scaled_json(factors: dict[str, Decimal], changes: Sequence[Change], models: Sequence[Model]) -> str:
    """The factors (as numbers), each var's values before and after, and the two models compared."""
    out: dict[str, Any] = {
        "factors": {axis: float(f) for axis, f in factors.items()},
        "vars": [{"var": c.var, "axis": c.axis, "before": c.before, "after": c.after,
                  "rule": how(c, factors[c.axis])} for c in changes],
        "models": [model_json(m, d) for m, d in zip(models, differences(models), strict=True)],
    }
    return json.dumps(out, indent=2)
