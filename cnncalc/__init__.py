"""cnncalc: shapes, parameters, MACs and memory of convolutional networks.

Data flows one way: YAML text -> :func:`parse_spec` -> :func:`build_graph`
-> :func:`analyze` -> :class:`Report` -> render.  :func:`analyze_file` and
:func:`analyze_text` run the whole pipeline.

Every name here loads its module on first use (PEP 562, as Scientific Python's SPEC 1 lazy
loading does): ``import cnncalc`` costs almost nothing, and ``cnncalc --version`` never loads
the analysis.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cnncalc.limits import Limits

if TYPE_CHECKING:
    from pathlib import Path

    from cnncalc.analysis.analyze import analyze
    from cnncalc.analysis.budget import Budget, budget, largest_batch
    from cnncalc.analysis.compare import Model, depth, differences, model
    from cnncalc.analysis.report import LayerReport, Report, Totals
    from cnncalc.errors import CnnCalcError, GraphError, LimitError, ShapeError, SourcePos, SpecError
    from cnncalc.graph.build import build_graph
    from cnncalc.graph.nodes import Graph
    from cnncalc.shapes import Cost, Shape
    from cnncalc.source.read import read_source
    from cnncalc.spec.parse import Spec, parse_spec
    from cnncalc.spec.parse import parse as parse
    from cnncalc.spec.training import Setup

__version__ = "0.1.0"

_LAZY = {
    "analyze": "cnncalc.analysis.analyze",
    "Budget": "cnncalc.analysis.budget", "budget": "cnncalc.analysis.budget", "largest_batch": "cnncalc.analysis.budget",
    "Model": "cnncalc.analysis.compare", "model": "cnncalc.analysis.compare",
    "differences": "cnncalc.analysis.compare", "depth": "cnncalc.analysis.compare",
    "LayerReport": "cnncalc.analysis.report", "Report": "cnncalc.analysis.report", "Totals": "cnncalc.analysis.report",
    "CnnCalcError": "cnncalc.errors", "GraphError": "cnncalc.errors", "LimitError": "cnncalc.errors",
    "ShapeError": "cnncalc.errors", "SourcePos": "cnncalc.errors", "SpecError": "cnncalc.errors",
    "build_graph": "cnncalc.graph.build", "Graph": "cnncalc.graph.nodes",
    "Cost": "cnncalc.shapes", "Shape": "cnncalc.shapes",
    "read_source": "cnncalc.source.read",
    "Spec": "cnncalc.spec.parse", "parse_spec": "cnncalc.spec.parse", "parse": "cnncalc.spec.parse",
    "Setup": "cnncalc.spec.training",
}


# ``cnncalc.spec.vars.override_sources`` and the like: a stage reached through the package finds
# the modules an eager import of the pipeline would have loaded (a package knows a submodule once
# it is imported).
_STAGES = {"analysis", "errors", "explain", "export", "graph", "layers", "records", "render", "shapes", "source",
           "spec"}
_PIPELINE = ("cnncalc.analysis.analyze", "cnncalc.graph.build", "cnncalc.source.read", "cnncalc.spec.parse")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _STAGES:
        for module in _PIPELINE:
            importlib.import_module(module)
        value = importlib.import_module(f"cnncalc.{name}")
    else:
        raise AttributeError(f"module 'cnncalc' has no attribute {name!r}")
    globals()[name] = value  # found here directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def analyze_text(text: str, file: str = "<spec>", limits: Limits = Limits(),
                 overrides: Mapping[str, str] | None = None) -> Report:
    """Analyze spec text; raises :class:`CnnCalcError` on any user error.  ``overrides``
    set vars of the spec (``{"width": "0.75"}``, as ``--set width=0.75``)."""
    from cnncalc.analysis.analyze import analyze
    from cnncalc.graph.build import build_graph
    from cnncalc.spec.parse import parse

    return analyze(build_graph(parse(text, file, limits, overrides), limits))


def analyze_file(path: str | Path, limits: Limits = Limits(), overrides: Mapping[str, str] | None = None) -> Report:
    """Analyze a spec file (``-``: standard input), as :func:`analyze_text`."""
    from cnncalc.source.read import read_source

    return analyze_text(read_source(path, limits), str(path), limits, overrides)


__all__ = [
    "Budget", "CnnCalcError", "Cost", "Graph", "GraphError", "LayerReport", "LimitError", "Limits", "Model",
    "Report", "Setup", "Shape", "ShapeError", "SourcePos", "Spec", "SpecError", "Totals",
    "analyze", "analyze_file", "analyze_text", "budget", "build_graph", "depth", "differences", "largest_batch",
    "model", "parse_spec", "read_source",
]
