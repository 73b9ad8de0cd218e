"""Reading a spec for a command: the file or standard input, parsed and built, every user error
turned into one positioned message and exit 2 (:func:`cnncalc.cli.output.guarded`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import partial

from cnncalc.analysis.analyze import Memo, analyze, at_input
from cnncalc.analysis.report import Report
from cnncalc.cli.output import guarded
from cnncalc.errors import SourcePos, SpecError, shown
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.source.read import read_source, read_stream
from cnncalc.spec.parse import parse, shape_argument
from cnncalc.spec.vars import override_sources

STDIN = "<stdin>"


def read_spec(spec: str, limits: Limits) -> tuple[str, str]:
    """(display name, text) of SPEC, or of standard input for '-', within the limits."""
    if spec != "-":
        return spec, read_source(spec, limits)
    where = SourcePos(STDIN, 1, 1)
    if sys.stdin is None:  # closed before the interpreter started (`cnncalc summary - <&-`)
        raise SpecError("cannot read spec: standard input is closed", where, code="E100")
    try:
        return STDIN, read_stream(sys.stdin.buffer, STDIN, limits)
    except (OSError, ValueError) as exc:  # a directory as stdin (EISDIR), a closed stream
        raise SpecError(f"cannot read spec: {getattr(exc, 'strerror', None) or exc}", where, code="E100") from None


def load_graph(spec: str, limits: Limits, traceback: bool,
               overrides: Mapping[str, str] | None = None) -> tuple[Graph, dict[str, str]]:
    """Read, parse and build SPEC, its vars set by ``overrides`` (``--set``); and the texts by
    source name, for error excerpts (an override's is ``<--set N>``)."""
    sources: dict[str, str] = override_sources(overrides or {})

    def run() -> Graph:
        name, text = read_spec(spec, limits)
        sources[name] = text
        return build_graph(parse(text, name, limits, overrides), limits)

    return guarded(sources, traceback, run), sources


def load_analysis(spec: str, limits: Limits, traceback: bool,
                  overrides: Mapping[str, str] | None = None) -> tuple[Graph, Report]:
    """Read, parse, build and analyse SPEC; a user error exits 2 with its message."""
    graph, sources = load_graph(spec, limits, traceback, overrides)
    return graph, guarded(sources, traceback, lambda: analyze(graph))


def at_inputs(spec: str, inputs: list[str], limits: Limits, traceback: bool,
              overrides: Mapping[str, str] | None = None) -> tuple[Graph, list[Report]]:
    """SPEC, and its analysis at each ``--input``.  An error names the input size
    that caused it (``note: with --input 320x320x3, the 2nd of 3``)."""
    graph, sources = load_graph(spec, limits, traceback, overrides)
    bare = at_input(graph, graph.input)  # the claims dropped once, not per size
    memo = Memo(bare)  # rows shared by the sizes
    reports = []
    for i, text in enumerate(inputs):
        source = f"<--input {i + 1}>"
        shape = guarded({source: text}, traceback, partial(shape_argument, text, source, "--input", limits))
        g = at_input(bare, shape)
        note = f"with --input {shown(text)}" + (f", the {_ordinal(i + 1)} of {len(inputs)}" if len(inputs) > 1 else "")
        reports.append(guarded(sources, traceback, partial(analyze, g, memo), note=note))
    return graph, reports


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
