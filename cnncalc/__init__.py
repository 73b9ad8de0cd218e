"""cnncalc: shapes, parameters, MACs and memory of convolutional networks.

Data flows one way: YAML text -> :func:`parse_spec` -> :func:`build_graph`
-> :func:`analyze` -> :class:`Report` -> render.  :func:`load` and
:func:`analyze_text` run the whole pipeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import LayerReport, Report, Totals
from cnncalc.errors import CnnCalcError, GraphError, LimitError, ShapeError, SourcePos, SpecError
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.shapes import Cost, Shape
from cnncalc.source.read import read_source
from cnncalc.spec.parse import Spec, parse, parse_spec

__version__ = "0.1.0"


def analyze_text(text: str, file: str = "<spec>", limits: Limits = Limits(),
                 overrides: Mapping[str, str] | None = None) -> Report:
    """Analyze spec text; raises :class:`CnnCalcError` on any user error.  ``overrides``
    set vars of the spec (``{"width": "0.75"}``, as ``--set width=0.75``)."""
    return analyze(build_graph(parse(text, file, limits, overrides), limits))


def analyze_file(path: str | Path, limits: Limits = Limits(), overrides: Mapping[str, str] | None = None) -> Report:
    return analyze_text(read_source(path, limits), str(path), limits, overrides)


__all__ = [
    "CnnCalcError", "Cost", "Graph", "GraphError", "LayerReport", "LimitError", "Limits",
    "Report", "Shape", "ShapeError", "SourcePos", "Spec", "SpecError", "Totals",
    "analyze", "analyze_file", "analyze_text", "build_graph", "parse_spec", "read_source",
]
