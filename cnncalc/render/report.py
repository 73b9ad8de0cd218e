"""Report -> the per-layer table (plain text, terminal, Markdown) and its footer.

Formatting happens only in ``render``; the machine formats (JSON, CSV) are in
:mod:`cnncalc.render.machine`.  Every piece of user text goes through :func:`safe` (a table) or
:func:`md` (Markdown); the work is one pass over the rows, whatever the nesting of blocks.
"""

from __future__ import annotations

from cnncalc.analysis.report import Check, LayerReport, Report, RField
from cnncalc.records import record
from cnncalc.render.layout import Cell, Column, Grid, Role, render
from cnncalc.render.machine import to_csv, to_dict, to_json
from cnncalc.render.text import both, frac, inputs_text, md, quoted, safe, short, suffix

__all__ = ["Line", "footer", "lines", "outputs_text", "plain_table", "table_grid", "title", "to_csv", "to_dict",
           "to_json", "to_markdown"]


@record(frozen=True, slots=True)
class Line:
    """One displayed row: a layer or a block instance (its subtotals)."""

    label: str
    kind: str
    inputs: str
    output: str
    params: int
    macs: int
    aux: bool
    marks: str
    depth: int = 0  # nesting, shown as indentation
    group: bool = False
    collapsed: bool = False
    rf: RField | None = None
    out: int = 0  # the network output this row is (1, 2, ...), when the spec lists several

    @property
    def shown(self) -> str:
        """The label, with the output number of a network of several outputs."""
        return self.label + (f" [output {self.out}]" if self.out else "")


def _marks(checks: tuple[Check, ...] | list[Check]) -> str:
    return "".join("✓" if c.ok else "✗" for c in checks)


@record(slots=True)
class _Sums:
    first: LayerReport
    last: LayerReport
    params: int = 0
    macs: int = 0


def lines(report: Report, depth: int | None = None) -> list[Line]:
    """Rows to display: each block instance gets a subtotal line before its layers; instances
    nested deeper than ``depth`` collapse into that line.  Two passes over the rows (subtotals,
    then lines): the cost is the rows times their nesting, never rows times instances."""
    sums: dict[tuple[str, ...], _Sums] = {}
    for r in report.rows:
        for n in range(1, len(r.group) + 1):
            s = sums.get(r.group[:n])
            if s is None:
                s = sums[r.group[:n]] = _Sums(r, r)
            s.last = r
            s.params += r.cost.params
            s.macs += r.cost.macs
    scoped: dict[str, list[Check]] = {}
    for c in report.checks:
        scoped.setdefault(c.scope, []).append(c)
    number = {o.row: n for n, o in enumerate(report.outputs, 1)} if report.several else {}
    out: list[Line] = []
    seen: set[tuple[str, ...]] = set()
    for i, r in enumerate(report.rows):
        levels = len(r.group) if depth is None else min(len(r.group), depth + 1)
        for n in range(1, levels + 1):
            key = r.group[:n]
            if key not in seen:
                seen.add(key)
                s = sums[key]
                out.append(Line(key[-1], "block", inputs_text(s.first.inputs), str(s.last.output), s.params, s.macs,
                                s.first.aux, _marks(scoped.get(key[-1], [])), n - 1, True,
                                depth is not None and n == depth + 1))
        if depth is not None and len(r.group) > depth:
            continue
        out.append(Line(r.name, r.kind, inputs_text(r.inputs), str(r.output), r.cost.params, r.cost.macs, r.aux,
                        _marks(r.checks), len(r.group), rf=r.rf, out=number.get(i, 0)))
    return out


def _pair(h: str, w: str, sep: str = "x") -> str:
    return h if h == w else f"{h}{sep}{w}"


def rf_cells(rf: RField | None) -> list[str]:
    """RF, jump and centre cells: one value when H and W agree, else H x W."""
    if rf is None:
        return ["", "", ""]
    size = ["?" if a.size is None else str(a.size) for a in (rf.h, rf.w)]
    return [_pair(size[0], size[1]), _pair(frac(rf.h.jump), frac(rf.w.jump)),
            _pair(frac(rf.h.centre), frac(rf.w.centre), ", ")]


def params_header(report: Report) -> str:
    """'params', or 'params*' when the counts include non-trainable running statistics."""
    return "params*" if report.totals.non_trainable else "params"


def _number(n: int) -> Cell:
    return Cell(f"{n:,}", suffix(n))


def table_grid(report: Report, depth: int | None = None, flops: bool = False) -> Grid:
    """The per-layer table: names wrap, numbers never shorten, the share column can go."""
    t, k = report.totals, 2 if flops else 1
    unit = "FLOPs" if flops else "MACs"
    columns = [Column("name", role=Role.LABEL), Column("kind", role=Role.LABEL), Column("input", True, Role.CONTEXT),
               Column("output", True),
               Column(params_header(report), True, Role.NUMBER), Column(unit, True, Role.NUMBER),
               Column(f"{unit} %", True, Role.SHARE)]
    has_rf = any(r.rf is not None for r in report.rows)
    if has_rf:
        columns += [Column("RF", True), Column("jump", True), Column("centre", True)]
    has_checks = bool(report.all_checks())
    if has_checks:
        columns.append(Column("expect"))
    rows = []
    for ln in lines(report, depth):
        share = Cell("aux", style="dim") if ln.aux else Cell(f"{100 * ln.macs / t.macs:.1f}" if t.macs else "-")
        label = "  " * ln.depth + ("" if not ln.group or ln.collapsed else "▸ ") + safe(ln.shown)
        row = [Cell(label, style="italic" if ln.group else ""), Cell(ln.kind), Cell(ln.inputs), Cell(ln.output),
               _number(ln.params), _number(k * ln.macs), share]
        if has_rf:
            row += [Cell(c) for c in rf_cells(ln.rf)]
        if has_checks:
            row.append(Cell(ln.marks, style="red" if "✗" in ln.marks else "green"))
        rows.append(tuple(row))
    return Grid(title(report), tuple(columns), tuple(rows), tuple(footer(report)))


def footer(report: Report) -> list[str]:
    """Totals, memory and failed expectations, below the table."""
    t = report.totals
    out = [
        f"params: {both(t.params)}  (trainable {t.trainable:,}, non-trainable {t.non_trainable:,})",
        f"MACs:   {both(t.macs)}   FLOPs (2 x MACs): {both(t.flops)}",
    ]
    out += stats_note(report)
    if report.several:
        out.append("outputs: " + ", ".join(f"{n}. {safe(o.name)} {o.shape}" for n, o in enumerate(report.outputs, 1)))
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
        out.append(f"  FAIL {quoted(w)} {c.field}: expected {quoted(c.claimed)}, computed {c.actual}"
                   f"  ({safe(str(c.pos))})")
        if c.hint:
            out.append(f"       hint: {safe(c.hint)}")
    return out


def stats_note(report: Report) -> list[str]:
    """The legend of 'params*': what the non-trainable part is, and the count PyTorch would give."""
    t = report.totals
    if not t.non_trainable:
        return []
    return [(f"* params include {t.non_trainable:,} non-trainable running statistics (the mean and variance of"
             f" norm layers); PyTorch's parameters() counts the {t.trainable:,} trainable ones")]


def title(report: Report, arrow: str = "->") -> str:
    return f"{safe(report.name)}: {report.input} {arrow} {outputs_text(report)}"


def outputs_text(report: Report) -> str:
    """The output's shape, or every output's, in order: '13x13x255, 26x26x255'."""
    return ", ".join(str(s) for s in report.output_shapes)


def plain_table(report: Report, depth: int | None = None, flops: bool = False, width: int | None = None) -> str:
    """The table as aligned text: unlimited width for a pipe, or fitted to ``width`` columns."""
    return render(table_grid(report, depth, flops), width)


def to_markdown(report: Report, depth: int | None = None, flops: bool = False) -> str:
    t = report.totals
    has_rf = any(r.rf is not None for r in report.rows)
    unit, k = ("FLOPs", 2) if flops else ("MACs", 1)
    out = [f"### {md(report.name)}: {report.input} → {outputs_text(report)}", "",
           f"| name | kind | input | output | {md(params_header(report))} | {unit} |"
           + (" RF | jump | centre |" if has_rf else ""),
           "|---|---|---|---|--:|--:|" + ("--:|--:|--:|" if has_rf else "")]
    for ln in lines(report, depth):
        extra = "".join(f" {c} |" for c in rf_cells(ln.rf)) if has_rf else ""
        out.append(f"| {md(ln.shown)} | {ln.kind} | {ln.inputs} | {ln.output} | {ln.params:,} | {k * ln.macs:,} |"
                   + extra)
    out += ["", (f"**params** {t.params:,} (trainable {t.trainable:,}, non-trainable {t.non_trainable:,}) · "
                 f"**MACs** {t.macs:,} ({short(t.macs)}) · **FLOPs** (2 × MACs) {t.flops:,}")]
    if report.several:
        out += ["", "**outputs** " + ", ".join(f"{n}. {md(o.name)} {o.shape}" for n, o in enumerate(report.outputs, 1))]
    out += [md(line) for line in ["", *stats_note(report)]] if t.non_trainable else []
    return "\n".join(out) + "\n"
