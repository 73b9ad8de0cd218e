"""Warnings and verdicts as people read them: ``check``'s list, and warnings on standard error.

A name or a claim quoted in a message is clipped (:func:`quoted`) and every piece of user text
has control characters made visible.  Warnings that say the same thing about many layers are
summarised after the first few, so 20,000 identical warnings cost four lines, not 20,000.
"""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.analysis.lint import Lint
from cnncalc.analysis.report import Report
from cnncalc.render.text import md, quoted, safe

REPEATS = 3  # warnings shown with the same code and message before the rest are summarised


def warning_line(w: Lint) -> str:
    where = f"{safe(str(w.pos))}: " if w.pos else ""
    return f"warning: {where}{quoted(w.layer)} ({w.kind}): {safe(w.message)} [{w.code}]"


def warning_lines(warnings: Sequence[Lint]) -> list[str]:
    """Each warning on a line; past :data:`REPEATS` alike (same code and message), one line says
    how many more there are and which layers they are about (the first and the last)."""
    out: list[str] = []
    alike: dict[tuple[str, str], list[Lint]] = {}
    for w in warnings:
        same = alike.setdefault((w.code, w.message), [])
        same.append(w)
        if len(same) <= REPEATS:
            out.append(warning_line(w))
    for (code, _), same in alike.items():
        rest = same[REPEATS:]
        if rest:
            layers = quoted(rest[0].layer) + ("" if len(rest) == 1 else f" ... {quoted(rest[-1].layer)}")
            out.append(f"warning: and {len(rest):,} more like the {code} above: {layers}")
    return out


def checks_text(report: Report) -> str:
    """``check``: one line per claim (PASS or FAIL, where, field, claimed, computed), then a count."""
    rows = report.all_checks()
    out = [
        f"{'PASS' if c.ok else 'FAIL'}  {quoted(where):<16} {c.field:<20} expected {quoted(c.claimed):<14}"
        f" computed {c.actual}" + ("" if c.ok else f"  ({safe(str(c.pos))})")
        + (f"\n      hint: {safe(c.hint)}" if c.hint else "")
        for where, c in rows
    ]
    failed = sum(not c.ok for _, c in rows)
    out.append(f"{len(rows) - failed} passed, {failed} failed" if rows else "no expectations in this spec")
    return "\n".join(out) + "\n"


def checks_markdown(report: Report) -> str:
    """``check -f markdown``: the claims as a table."""
    rows = report.all_checks()
    out = [f"### {md(report.name)}: expectations", "", "| result | where | field | expected | computed |",
           "|---|---|---|--:|--:|"]
    out += [f"| {'PASS' if c.ok else 'FAIL'} | {md(where)} | {c.field} | {md(c.claimed)} | {md(c.actual)} |"
            for where, c in rows]
    failed = sum(not c.ok for _, c in rows)
    out += ["", f"{len(rows) - failed} passed, {failed} failed" if rows else "no expectations in this spec"]
    return "\n".join(out) + "\n"
