"""cnncalc: shapes, parameters, MACs and memory of convolutional networks.

Data flows one way: YAML text -> :func:`parse_spec` -> :func:`build_graph`
-> :func:`analyze` -> :class:`Report` -> render.  :func:`load` and
:func:`analyze_text` run the whole pipeline.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import LayerReport, Report, Totals
from cnncalc.errors import CnnCalcError, GraphError, LimitError, ShapeError, SourcePos, SpecError
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.shapes import Cost, Shape
from cnncalc.source.read import read_source
from cnncalc.spec.parse import Spec, parse, parse_spec

if TYPE_CHECKING:
    from cnncalc.analysis.budget import Budget, budget, largest_batch
    from cnncalc.analysis.compare import Model, depth, differences, model
    from cnncalc.spec.training import Setup

__version__ = "0.1.0"

# Training budgets and comparisons load on first use, so that `import cnncalc` (and every command)
# stays as quick as a summary needs.
_LAZY = {"Budget": "cnncalc.analysis.budget", "budget": "cnncalc.analysis.budget",
         "largest_batch": "cnncalc.analysis.budget", "Setup": "cnncalc.spec.training",
         "Model": "cnncalc.analysis.compare", "model": "cnncalc.analysis.compare",
         "differences": "cnncalc.analysis.compare", "depth": "cnncalc.analysis.compare"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")


def analyze_text(text: str, file: str = "<spec>", limits: Limits = Limits(),
                 overrides: Mapping[str, str] | None = None) -> Report:
    """Analyze spec text; raises :class:`CnnCalcError` on any user error.  ``overrides``
    set vars of the spec (``{"width": "0.75"}``, as ``--set width=0.75``)."""
    return analyze(build_graph(parse(text, file, limits, overrides), limits))


def analyze_file(path: str | Path, limits: Limits = Limits(), overrides: Mapping[str, str] | None = None) -> Report:
    """Analyze a spec file (``-``: standard input), as :func:`analyze_text`."""
    return analyze_text(read_source(path, limits), str(path), limits, overrides)


__all__ = [
    "Budget", "CnnCalcError", "Cost", "Graph", "GraphError", "LayerReport", "LimitError", "Limits", "Model",
    "Report", "Setup", "Shape", "ShapeError", "SourcePos", "Spec", "SpecError", "Totals",
    "analyze", "analyze_file", "analyze_text", "budget", "build_graph", "depth", "differences", "largest_batch",
    "model", "parse_spec", "read_source",
]
