"""``cnncalc fit``'s view: the values tried (in order of value, with when each was tried), their
totals, which met the budgets, and the answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.analysis.fit import Budget, Fit, Trial
from cnncalc.render.layout import Cell, Column, Grid, Role
from cnncalc.render.machine import csv_text
from cnncalc.render.text import safe, shape_list, suffix


def _num(n: int) -> Cell:
    return Cell(f"{n:,}", suffix(n))


def budgets_text(budgets: Sequence[Budget]) -> str:
    return ", ".join(str(b) for b in budgets)


def answer(name: str, fit: Fit, low: object, high: object) -> str:
    """The line that says what was found."""
    if fit.best is None:
        return f"no {name} from {low} to {high} meets the budgets"
    top = " (the whole range meets them)" if fit.best.order == 1 else ""
    return f"largest {name} meeting the budgets: {fit.best.value}{top}"


def fit_grid(name: str, fit: Fit, budgets: Sequence[Budget], low: object, high: object) -> Grid:
    """One row per value tried, in order of value."""
    kept = any(t.kept_bytes is not None for t in fit.trials)
    columns = (Column(name, True), Column("tried", True), Column("input", True), Column("params", True, Role.NUMBER),
               Column("MACs", True, Role.NUMBER), Column("activations", True, Role.NUMBER),
               *([Column("kept bytes", True, Role.NUMBER)] if kept else []), Column("meets"))
    rows = tuple((Cell(str(t.value)), Cell(f"#{t.order}"), Cell(str(t.input)), _num(t.totals.params),
                  _num(t.totals.macs), _num(t.totals.activations),
                  *([_num(t.kept_bytes or 0)] if kept else []), Cell("✓" if t.ok else "✗"))
                 for t in fit.by_value())
    title = f"fit {safe(name)} from {low} to {high}: {budgets_text(budgets)}"
    return Grid(title, columns, rows, (answer(safe(name), fit, low, high),))


def _trial(t: Trial) -> dict[str, Any]:
    return {"order": t.order, "value": t.value if isinstance(t.value, int) else float(t.value),
            "input": shape_list(t.input),
            "params": t.totals.params, "trainable_params": t.totals.trainable,
            "non_trainable_params": t.totals.non_trainable, "macs": t.totals.macs,
            "activations": t.totals.activations,
            **({"kept_bytes": t.kept_bytes} if t.kept_bytes is not None else {}), "meets": t.ok}


def fit_json(name: str, fit: Fit, budgets: Sequence[Budget], low: object, high: object, step: object) -> str:
    best = fit.best.value if fit.best is not None else None
    return json.dumps({
        "vary": name, "from": float(str(low)), "to": float(str(high)), "step": float(str(step)),
        "budgets": {b.quantity: f"{b.bound} {b.limit.normalize():f}" for b in budgets},
        "tried": [_trial(t) for t in fit.by_value()],
        "largest": best if best is None or isinstance(best, int) else float(best),
        "monotone": not fit.backwards,
    }, indent=2)


def fit_csv(fit: Fit) -> str:
    """One row per value tried (in order of value): the value, when it was tried, the totals (and the kept
    bytes when a budget bounds them), 1 if it meets the budgets."""
    kept = any(t.kept_bytes is not None for t in fit.trials)
    return csv_text(("value", "order", "input", "params", "trainable_params", "non_trainable_params", "macs",
                     "activations", *(["kept_bytes"] if kept else []), "meets"),
                    ([str(t.value), t.order, str(t.input), t.totals.params, t.totals.trainable,
                      t.totals.non_trainable, t.totals.macs, t.totals.activations,
                      *([t.kept_bytes] if kept else []), int(t.ok)] for t in fit.by_value()))
