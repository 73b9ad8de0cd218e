"""Report -> JSON and CSV: raw exact numbers only, never a humanised '25.6M'.

JSON escapes every control and non-ASCII character itself (``ensure_ascii``), so user text
survives exactly; CSV is text a terminal may show, so its user text has control characters
made visible (:func:`cnncalc.render.text.safe`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from cnncalc.analysis.report import AxisRF, Check, LayerReport, Report, RField
from cnncalc.render.text import frac, frac_json, safe, shape_list

if TYPE_CHECKING:
    from fractions import Fraction


def _check_json(where: str, c: Check) -> dict[str, Any]:
    return {"where": where, "field": c.field, "expected": c.claimed, "actual": c.actual, "ok": c.ok,
            "pos": str(c.pos) if c.pos else None, "hint": c.hint}


def _axis_json(a: AxisRF) -> dict[str, Any]:
    return {"size": a.size, "jump": frac_json(a.jump), "centre": frac_json(a.centre)}


def _layer_json(r: LayerReport) -> dict[str, Any]:
    return {
        "name": r.name,
        "kind": r.kind,
        "input": shape_list(r.inputs[0]),
        "inputs": [shape_list(s) for s in r.inputs],
        "output": shape_list(r.output),
        "params": r.cost.params,
        "trainable_params": r.cost.trainable,
        "non_trainable_params": r.cost.non_trainable,
        "macs": r.cost.macs,
        "extra_macs": r.cost.extra_macs,
        "flops": 2 * r.cost.macs,
        "activations": r.activations,
        "memory_bytes": r.memory_bytes,
        "group": list(r.group),
        "aux": r.aux,
        "pos": str(r.pos) if r.pos else None,
        "notes": list(r.notes),
        "expect": [_check_json(r.name, c) for c in r.checks],
        **({"rf": {"h": _axis_json(r.rf.h), "w": _axis_json(r.rf.w)}} if r.rf is not None else {}),
    }


def totals_dict(report: Report) -> dict[str, int]:
    t = report.totals
    return {"params": t.params, "trainable_params": t.trainable, "non_trainable_params": t.non_trainable,
            "macs": t.macs, "flops": t.flops, "aux_macs": t.aux_macs, "extra_macs": t.extra_macs,
            "activations": t.activations, "param_bytes": t.param_bytes}


def outputs_json(report: Report) -> dict[str, Any]:
    """``output`` (the shape; null when there are several) and ``outputs`` (every output's shape,
    in the order of the spec's ``outputs:``), with ``output_names``."""
    names = [o.name for o in report.outputs] or [report.rows[-1].name if report.rows else "input"]
    return {"output": None if report.several else shape_list(report.output),
            "outputs": [shape_list(s) for s in report.output_shapes], "output_names": names}


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "name": report.name,
        "input": shape_list(report.input),
        **outputs_json(report),
        "layers": [_layer_json(r) for r in report.rows],
        "totals": totals_dict(report),
        "expect": [_check_json(w, c) for w, c in report.all_checks()],
    }


def to_json(report: Report) -> str:
    return json_text(to_dict(report))


def json_text(value: object, depth: int = 0) -> str:
    """JSON indented for its first two levels, each deeper value (and a list of numbers) on one
    line: a layer is a line, and a big report is written by the C encoder, not the pure-Python
    indenting one."""
    import json

    pad = "  " * (depth + 1)
    if depth < 2 and isinstance(value, dict) and value:
        items = [f"{pad}{json.dumps(k)}: {json_text(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    if depth < 2 and isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(pad + json_text(v, depth + 1) for v in value) + "\n" + "  " * depth + "]"
    return json.dumps(value)


def checks_json(report: Report) -> str:
    """``check -f json``: every claim, where it applies, its verdict."""
    import json

    return json.dumps({"name": report.name, "expect": [_check_json(w, c) for w, c in report.all_checks()]}, indent=2)


CSV_FIELDS = ("name", "kind", "input", "output", "params", "trainable_params", "non_trainable_params",
              "macs", "flops", "activations", "group", "aux")
RF_FIELDS = ("rf_h", "rf_w", "jump_h", "jump_w", "centre_h", "centre_w")
TOTAL_FIELDS = ("input", "output", "params", "trainable_params", "non_trainable_params", "macs", "flops",
                "activations")  # the per-input-size CSV: the totals row's columns, same names


def _rf_csv(rf: RField | None) -> list[str]:
    if rf is None:
        return [""] * len(RF_FIELDS)
    def cell(v: int | Fraction | None) -> str:  # a machine format: empty when not tracked, never "?"
        from fractions import Fraction

        return "" if v is None else frac(Fraction(v))

    return [cell(rf.h.size), cell(rf.w.size), cell(rf.h.jump), cell(rf.w.jump), cell(rf.h.centre), cell(rf.w.centre)]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Rows as CSV; text cells have control characters made visible (numbers pass as they are)."""
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([safe(v) if isinstance(v, str) else v for v in row] for row in rows)
    return buf.getvalue()


def _totals_row(report: Report) -> list[object]:
    t = report.totals
    return [str(report.input), ", ".join(map(str, report.output_shapes)), t.params, t.trainable, t.non_trainable, t.macs, t.flops,
            t.activations]


def to_csv(report: Report) -> str:
    has_rf = any(r.rf is not None for r in report.rows)
    rows: list[list[object]] = [
        [r.name, r.kind, " + ".join(str(s) for s in r.inputs), str(r.output), r.cost.params, r.cost.trainable,
         r.cost.non_trainable, r.cost.macs, 2 * r.cost.macs, r.activations, r.group[-1] if r.group else "",
         int(r.aux), *(_rf_csv(r.rf) if has_rf else [])]
        for r in report.rows]
    rows.append(["TOTAL", "", *_totals_row(report), "", "", *(_rf_csv(None) if has_rf else [])])
    return csv_text(CSV_FIELDS + (RF_FIELDS if has_rf else ()), rows)


def inputs_csv(reports: Sequence[Report]) -> str:
    """``summary -i A -i B -f csv``: one totals row per input size, the single-input CSV's names."""
    return csv_text(TOTAL_FIELDS, (_totals_row(r) for r in reports))


def inputs_json(reports: Sequence[Report]) -> str:
    import json

    return json.dumps([{"input": shape_list(r.input), **outputs_json(r),
                        **{k: v for k, v in totals_dict(r).items() if k != "param_bytes"},
                        "activation_bytes": 4 * r.totals.activations} for r in reports], indent=2)


def checks_csv(report: Report) -> str:
    """``check -f csv``: one row per claim."""
    return csv_text(("where", "field", "expected", "actual", "ok", "pos"),
                    ([w, c.field, c.claimed, c.actual, int(c.ok), str(c.pos) if c.pos else ""]
                     for w, c in report.all_checks()))
