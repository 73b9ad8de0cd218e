"""Report -> text: rich table, JSON, CSV and Markdown.  Formatting happens only here."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from cnncalc.analysis.report import AxisRF, Check, LayerReport, Report, RField, Totals
from cnncalc.shapes import Shape

UNITS = ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


def short(n: int) -> str:
    """120422400 -> '120.4M': one decimal, rounded half up; exact below 1,000."""
    if abs(n) < 1000:
        return str(n)
    sign = "-" if n < 0 else ""
    # largest unit not above |n|; step up when rounding reaches 1000.0 of it
    i = next(i for i, (scale, _) in enumerate(UNITS) if abs(n) >= scale)
    tenths = (abs(n) * 10 + UNITS[i][0] // 2) // UNITS[i][0]
    if tenths >= 10000 and i > 0:
        i -= 1
        tenths = (abs(n) * 10 + UNITS[i][0] // 2) // UNITS[i][0]
    return f"{sign}{tenths // 10}.{tenths % 10}{UNITS[i][1]}"


def both(n: int) -> str:
    return f"{n:,}" if abs(n) < 1000 else f"{n:,} ({short(n)})"


def shape_list(s: Shape) -> list[int]:
    return list(s.dims)


@dataclass(frozen=True, slots=True)
class Line:
    """One displayed row: a layer or a collapsed block instance."""

    label: str
    kind: str
    inputs: str
    output: str
    params: int
    macs: int
    aux: bool
    marks: str
    rf: RField | None = None


def _marks(checks: tuple[Check, ...]) -> str:
    return "".join("✓" if c.ok else "✗" for c in checks)


def _group_line(report: Report, key: tuple[str, ...], collapsed: bool) -> Line:
    """A block instance as one line: its subtotals, first input and last output."""
    members = [m for m in report.rows if m.group[: len(key)] == key]
    t = Totals.of(tuple(members))
    inst = key[-1]
    marks = _marks(tuple(c for c in report.checks if c.scope == inst))
    label = "  " * (len(key) - 1) + ("" if collapsed else "▸ ") + inst
    return Line(label, "block", " + ".join(str(s) for s in members[0].inputs), str(members[-1].output),
                t.params, t.macs + t.aux_macs, members[0].aux, marks)


def lines(report: Report, depth: int | None = None) -> list[Line]:
    """Rows to display: each block instance gets a subtotal line; instances nested
    deeper than ``depth`` collapse into that line."""
    out: list[Line] = []
    seen: set[tuple[str, ...]] = set()
    for r in report.rows:
        levels = len(r.group) if depth is None else min(len(r.group), depth + 1)
        for n in range(1, levels + 1):
            key = r.group[:n]
            if key not in seen:
                seen.add(key)
                out.append(_group_line(report, key, collapsed=depth is not None and n == depth + 1))
        if depth is not None and len(r.group) > depth:
            continue
        out.append(
            Line(
                "  " * len(r.group) + r.name, r.kind, " + ".join(str(s) for s in r.inputs), str(r.output),
                r.cost.params, r.cost.macs, r.aux, _marks(r.checks), r.rf,
            )
        )
    return out


COLUMNS = (("name", "left"), ("kind", "left"), ("input", "right"), ("output", "right"),
           ("params", "right"), ("MACs", "right"), ("MACs %", "right"))


def frac(f: Fraction | None) -> str:
    """An exact fraction: 3, 0.5, -1.5 or 2/3 ("?" when not tracked)."""
    if f is None:
        return "?"
    if f.denominator == 1:
        return str(f.numerator)
    return f"{float(f):g}" if 10**6 % f.denominator == 0 else f"{f.numerator}/{f.denominator}"


def _pair(h: str, w: str, sep: str = "x") -> str:
    return h if h == w else f"{h}{sep}{w}"


def rf_cells(rf: RField | None) -> list[str]:
    """RF, jump and centre cells: one value when H and W agree, else H x W."""
    if rf is None:
        return ["", "", ""]
    size = ["?" if a.size is None else str(a.size) for a in (rf.h, rf.w)]
    return [_pair(size[0], size[1]), _pair(frac(rf.h.jump), frac(rf.w.jump)),
            _pair(frac(rf.h.centre), frac(rf.w.centre), ", ")]


def frac_json(f: Fraction | None) -> int | float | str | None:
    """An int, a float when exact in binary (halves, quarters), else "n/d" (null when not tracked)."""
    if f is None:
        return None
    if f.denominator == 1:
        return f.numerator
    if f.denominator & (f.denominator - 1) == 0:
        return f.numerator / f.denominator
    return f"{f.numerator}/{f.denominator}"


def _axis_json(a: AxisRF) -> dict[str, Any]:
    return {"size": a.size, "jump": frac_json(a.jump), "centre": frac_json(a.centre)}


def cells(report: Report, depth: int | None = None,
          flops: bool = False) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """Column headers (with justification) and the text of every table cell;
    ``flops`` shows 2 x MACs; receptive-field columns appear when rows carry them."""
    t = report.totals
    columns = list(COLUMNS)
    if flops:
        columns[5:7] = [("FLOPs", "right"), ("FLOPs %", "right")]
    has_rf = any(r.rf is not None for r in report.rows)
    if has_rf:
        columns += [("RF", "right"), ("jump", "right"), ("centre", "right")]
    has_checks = bool(report.all_checks())
    if has_checks:
        columns.append(("expect", "left"))
    k = 2 if flops else 1
    rows = []
    for ln in lines(report, depth):
        share = "aux" if ln.aux else (f"{100 * ln.macs / t.macs:.1f}" if t.macs else "-")
        row = [ln.label, ln.kind, ln.inputs, ln.output, both(ln.params), both(k * ln.macs), share]
        if has_rf:
            row += rf_cells(ln.rf)
        rows.append([*row, ln.marks] if has_checks else row)
    return columns, rows


def footer(report: Report) -> list[str]:
    """Totals, memory and failed expectations, below the table."""
    t = report.totals
    out = [
        f"params: {both(t.params)}  (trainable {t.trainable:,}, non-trainable {t.non_trainable:,})",
        f"MACs:   {both(t.macs)}   FLOPs (2 x MACs): {both(t.flops)}",
    ]
    if t.aux_macs:
        out.append(f"aux-head MACs (training only, not in the total): {both(t.aux_macs)}")
    if t.extra_macs:
        out.append(f"deform_conv bilinear-sampling MACs (not in the total): {both(t.extra_macs)}")
    out.append(f"memory: activations {both(t.activations)} values ({short(4 * t.activations)}B as float32),"
               f" params {short(t.param_bytes)}B")
    checks = report.all_checks()
    failed = [(w, c) for w, c in checks if not c.ok]
    if checks:
        out.append(f"expectations: {len(checks) - len(failed)} of {len(checks)} pass")
    for w, c in failed:
        out.append(f"  FAIL {w} {c.field}: expected {c.claimed}, computed {c.actual}  ({c.pos})")
        if c.hint:
            out.append(f"       hint: {c.hint}")
    return out


def title(report: Report) -> str:
    return f"{report.name}: {report.input} -> {report.output}"


def table(report: Report, console: Console, depth: int | None = None, flops: bool = False) -> None:
    """The report as a rich table (for terminals)."""
    columns, rows = cells(report, depth, flops)
    tab = Table(title=title(report), box=box.SIMPLE_HEAD, title_justify="left")
    for name, just in columns:
        tab.add_column(name, justify=just)  # type: ignore[arg-type]
    for row in rows:
        tab.add_row(*row)
    console.print(tab)
    for line in footer(report):
        console.print(line, markup=False)


def plain_table(report: Report, depth: int | None = None, flops: bool = False) -> str:
    """The same table as plain aligned text (piped output; fast for huge networks)."""
    columns, rows = cells(report, depth, flops)
    widths = [max([len(name), *(len(r[i]) for r in rows)]) for i, (name, _) in enumerate(columns)]

    def fmt(values: list[str]) -> str:
        parts = [v.ljust(w) if just == "left" else v.rjust(w) for v, w, (_, just) in zip(values, widths, columns)]
        return "  " + "   ".join(parts).rstrip()

    out = [title(report), "", fmt([name for name, _ in columns]), " " + "─" * (sum(widths) + 3 * len(widths))]
    out += [fmt(r) for r in rows]
    return "\n".join([*out, "", *footer(report)]) + "\n"


def checks_text(report: Report) -> str:
    rows = report.all_checks()
    out = [
        f"{'PASS' if c.ok else 'FAIL'}  {where:<16} {c.field:<20} expected {c.claimed:<14}"
        f" computed {c.actual}" + ("" if c.ok else f"  ({c.pos})") + (f"\n      hint: {c.hint}" if c.hint else "")
        for where, c in rows
    ]
    failed = sum(not c.ok for _, c in rows)
    out.append(f"{len(rows) - failed} passed, {failed} failed" if rows else "no expectations in this spec")
    return "\n".join(out)


def _check_json(where: str, c: Check) -> dict[str, Any]:
    return {"where": where, "field": c.field, "expected": c.claimed, "actual": c.actual, "ok": c.ok,
            "pos": str(c.pos) if c.pos else None, "hint": c.hint}


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


def to_dict(report: Report) -> dict[str, Any]:
    t = report.totals
    return {
        "name": report.name,
        "input": shape_list(report.input),
        "output": shape_list(report.output),
        "layers": [_layer_json(r) for r in report.rows],
        "totals": {
            "params": t.params,
            "trainable_params": t.trainable,
            "non_trainable_params": t.non_trainable,
            "macs": t.macs,
            "flops": t.flops,
            "aux_macs": t.aux_macs,
            "extra_macs": t.extra_macs,
            "activations": t.activations,
            "param_bytes": t.param_bytes,
        },
        "expect": [_check_json(w, c) for w, c in report.all_checks()],
    }


def to_json(report: Report) -> str:
    return json.dumps(to_dict(report), indent=2)


CSV_FIELDS = ("name", "kind", "input", "output", "params", "trainable_params", "non_trainable_params",
              "macs", "flops", "activations", "group", "aux")


RF_FIELDS = ("rf_h", "rf_w", "jump_h", "jump_w", "centre_h", "centre_w")


def _rf_csv(rf: RField | None) -> list[str]:
    if rf is None:
        return [""] * len(RF_FIELDS)
    def cell(v: int | Fraction | None) -> str:  # a machine format: empty when not tracked, never "?"
        return "" if v is None else frac(Fraction(v))

    return [cell(rf.h.size), cell(rf.w.size), cell(rf.h.jump), cell(rf.w.jump), cell(rf.h.centre), cell(rf.w.centre)]


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    has_rf = any(r.rf is not None for r in report.rows)
    w.writerow(CSV_FIELDS + (RF_FIELDS if has_rf else ()))
    for r in report.rows:
        w.writerow([r.name, r.kind, " + ".join(str(s) for s in r.inputs), str(r.output), r.cost.params,
                    r.cost.trainable, r.cost.non_trainable, r.cost.macs, 2 * r.cost.macs, r.activations,
                    r.group[-1] if r.group else "", int(r.aux)] + (_rf_csv(r.rf) if has_rf else []))
    t = report.totals
    w.writerow(["TOTAL", "", str(report.input), str(report.output), t.params, t.trainable, t.non_trainable,
                t.macs, t.flops, t.activations, "", ""] + (_rf_csv(None) if has_rf else []))
    return buf.getvalue()


def to_markdown(report: Report, depth: int | None = None, flops: bool = False) -> str:
    t = report.totals
    has_rf = any(r.rf is not None for r in report.rows)
    unit, k = ("FLOPs", 2) if flops else ("MACs", 1)
    out = [f"### {report.name}: {report.input} → {report.output}", "",
           f"| name | kind | input | output | params | {unit} |" + (" RF | jump | centre |" if has_rf else ""),
           "|---|---|---|---|--:|--:|" + ("--:|--:|--:|" if has_rf else "")]
    for ln in lines(report, depth):
        extra = "".join(f" {c} |" for c in rf_cells(ln.rf)) if has_rf else ""
        out.append(f"| {ln.label.strip()} | {ln.kind} | {ln.inputs} | {ln.output} | {ln.params:,} | {k * ln.macs:,} |"
                   + extra)
    out += ["", (f"**params** {t.params:,} (trainable {t.trainable:,}, non-trainable {t.non_trainable:,}) · "
                 f"**MACs** {t.macs:,} ({short(t.macs)}) · **FLOPs** (2 × MACs) {t.flops:,}")]
    return "\n".join(out) + "\n"
