"""Review of an analysis, in one pass: what the commands show beside the numbers.

:func:`review` returns a frozen :class:`Reviewed`: the report with hints on failed claims,
receptive fields (if asked) and MACs in the chosen convention, the warnings, and each row's
MACs under every convention, each computed once and only when something needs it.  No
computed number of the report changes meaning: a convention other than torchvision's is
applied to MACs the caller asked for.
"""

from __future__ import annotations

from cnncalc.analysis.lint import Lint, input_warnings, lint
from cnncalc.analysis.report import Report
from cnncalc.records import record


@record(frozen=True, slots=True)
class Reviewed:
    """A report as the commands show it, with its warnings and (when computed) every row's
    MACs under every convention (``per_layer[i][preset]``)."""

    report: Report
    warnings: tuple[Lint, ...]
    per_layer: tuple[dict[str, int], ...] | None = None


def review(report: Report, convention: str = "torchvision", rf: bool = False,
           all_conventions: bool = False) -> Reviewed:
    """Hints, warnings, receptive fields (if asked) and MACs in ``convention``."""
    # Each pass is imported when it has something to do: a summary with no failed claim, no --rf
    # and torchvision's MACs runs none of them (start-up is part of the product).
    failed = any(not c.ok for r in report.rows for c in r.checks) or any(not c.ok for c in report.checks)
    counts = None
    if failed or all_conventions or convention != "torchvision":
        from cnncalc.analysis.conventions import per_layer

        counts = per_layer(report)
    if failed:
        from cnncalc.analysis.alternatives import annotate

        assert counts is not None
        report = annotate(report, counts)
    warnings = input_warnings(report) + lint(report)
    if rf:
        from cnncalc.analysis.rf import with_rf

        report, more = with_rf(report)
        warnings += more
    if convention != "torchvision":
        from cnncalc.analysis.conventions import under

        report = under(report, convention, counts)
    return Reviewed(report, tuple(warnings), tuple(counts) if counts else None)
