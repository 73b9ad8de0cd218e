"""Review of an analysis: what the commands show beside the numbers.

:func:`review` adds to a report hints on failed expectations, lossy-configuration
warnings, receptive fields (if asked) and a MAC convention, without changing any
computed number.
"""

from __future__ import annotations

from cnncalc.analysis import alternatives, conventions
from cnncalc.analysis.lint import Lint, lint
from cnncalc.analysis.report import Report
from cnncalc.analysis.rf import with_rf
from cnncalc.graph.nodes import Graph


def review(graph: Graph, report: Report, convention: str = "torchvision",
           rf: bool = False) -> tuple[Report, list[Lint]]:
    """Hints, warnings, receptive fields (if asked) and MACs in ``convention``."""
    report = alternatives.annotate(graph, report)
    warnings = lint(graph, report)
    if rf:
        report, more = with_rf(graph, report)
        warnings += more
    return conventions.under(graph, report, convention), warnings
