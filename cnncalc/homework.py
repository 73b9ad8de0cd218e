"""Homework mode glue: one analysis, reviewed; and specs built from the command line.

:func:`review` adds to a report what the homework commands show — hints on
failed expectations, lossy-configuration warnings, receptive fields and a MAC
convention — without changing any computed number.  :func:`calc_spec` turns
``cnncalc calc 7x7x3 "conv: {filters: 3, kernel: 5, stride: 2}"`` into a
:class:`~cnncalc.spec.Spec`; each argument is its own source (``<arg 2>``),
so errors point into the argument that caused them.
"""

from __future__ import annotations

from . import alternatives, conventions
from .analyze import analyze
from .errors import CnnCalcError, SourcePos, SpecError, raise_all
from .graph import Graph, build_graph
from .lint import Lint, lint
from .rf import with_rf
from .shapes import Report, Shape
from .spec import Limits, Spec, shape_argument
from .yamltree import YNode, YSeq, parse_yaml


def review(graph: Graph, report: Report, convention: str = "torchvision",
           rf: bool = False) -> tuple[Report, list[Lint]]:
    """Hints, warnings, receptive fields (if asked) and MACs in ``convention``."""
    report = alternatives.annotate(graph, report)
    warnings = lint(graph, report)
    if rf:
        report, more = with_rf(graph, report)
        warnings += more
    return conventions.under(graph, report, convention), warnings


def arg_name(index: int) -> str:
    """The source name of the ``index``-th argument of ``calc`` (1 is INPUT)."""
    return f"<arg {index}>"


def calc_sources(shape: str, layers: list[str]) -> dict[str, str]:
    """``calc``'s arguments by source name, for error excerpts."""
    return {arg_name(1): shape, **{arg_name(i + 2): text for i, text in enumerate(layers)}}


def calc_analysis(shape: str, layers: list[str], limits: Limits = Limits()) -> tuple[Graph, Report]:
    """Build and analyse the network given by ``calc``'s arguments."""
    graph = build_graph(calc_spec(shape, layers, limits), limits)
    return graph, analyze(graph)


def calc_spec(shape: str, layers: list[str], limits: Limits = Limits()) -> Spec:
    """A spec from ``calc``'s arguments: INPUT is ``<arg 1>``, the layers ``<arg 2>`` on."""
    errors: list[CnnCalcError] = []
    inp = Shape((1, 1, 1))
    try:
        inp = shape_argument(shape, arg_name(1), "INPUT", limits)
    except CnnCalcError as exc:
        errors.append(exc)
    items: list[YNode] = []
    for i, text in enumerate(layers):
        name = arg_name(i + 2)
        try:
            node = parse_yaml(text, name, max_depth=limits.max_depth)
            if node is None:
                raise SpecError("empty layer; give one entry such as 'relu' or 'conv: {filters: 8, kernel: 3}'",
                                SourcePos(name, 1, 1), code="E120")
            items.append(node)
        except CnnCalcError as exc:
            errors.append(exc)
    if not layers:
        errors.append(SpecError("calc needs at least one LAYER after INPUT", SourcePos(arg_name(2), 1, 1), code="E105"))
    raise_all(errors)
    return Spec("calc", inp, YSeq(items, SourcePos(arg_name(2), 1, 1)), pos=SourcePos(arg_name(1), 1, 1))
