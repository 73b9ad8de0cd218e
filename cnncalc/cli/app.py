"""The ``cnncalc`` command: parse arguments, call the library, render.

Exit status: 0 success; 1 an expectation failed (``check``); 2 a user error
(bad spec, impossible shape, bad option), printed as ``file:line:col`` with the
source line and a caret.  ``--traceback`` shows the Python trace instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.analysis import conventions as mac_conventions
from cnncalc.analysis.analyze import analyze, at_input
from cnncalc.analysis.report import Report
from cnncalc.analysis.review import review
from cnncalc.analysis.sizes import accepted_sizes
from cnncalc.cli.io import write_text_atomic
from cnncalc.cli.options import (
    DEFAULT,
    Convention,
    ConventionOpt,
    ConventionsOpt,
    DepthOpt,
    FlopsOpt,
    Format,
    FormatOpt,
    InputOpt,
    MaxBytesOpt,
    MaxDepthOpt,
    MaxExprOpt,
    MaxLayersOpt,
    RfOpt,
    SpecArg,
    Target,
    TracebackOpt,
)
from cnncalc.cli.output import fail, grid, guarded, present, show_explanations
from cnncalc.export.pytorch import to_pytorch
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.render import report as render
from cnncalc.render import views as render_views
from cnncalc.shapes import Shape
from cnncalc.source.read import read_source, read_stream
from cnncalc.spec.calc import calc_sources, calc_spec
from cnncalc.spec.parse import parse, shape_argument

app = typer.Typer(
    help="Shapes, parameters, MACs and memory of convolutional networks, from a YAML spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



def read_spec(spec: Path, limits: Limits) -> tuple[str, str]:
    """(display name, text) of SPEC, or of standard input for '-', within the limits."""
    if str(spec) == "-":
        return "<stdin>", read_stream(sys.stdin.buffer, "<stdin>", limits)
    return str(spec), read_source(spec, limits)


def load_graph(spec: Path, limits: Limits, traceback: bool) -> tuple[Graph, dict[str, str]]:
    """Read, parse and build SPEC (and its text by source name, for error excerpts)."""
    sources: dict[str, str] = {}

    def run() -> Graph:
        name, text = read_spec(spec, limits)
        sources[name] = text
        return build_graph(parse(text, name, limits), limits)

    return guarded(sources, traceback, run), sources


def load_analysis(spec: Path, limits: Limits, traceback: bool) -> tuple[Graph, Report]:
    """Read, parse, build and analyse SPEC; a user error exits 2 with its message."""
    graph, sources = load_graph(spec, limits, traceback)
    return graph, guarded(sources, traceback, lambda: analyze(graph))


@app.command()
def summary(
    spec: SpecArg,
    fmt: FormatOpt = Format.table,
    depth: DepthOpt = None,
    traceback: TracebackOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_bytes: MaxBytesOpt = DEFAULT.max_bytes,
    max_expr: MaxExprOpt = DEFAULT.max_expr,
    rf: RfOpt = False,
    convention: ConventionOpt = Convention.torchvision,
    conventions: ConventionsOpt = False,
    flops: FlopsOpt = False,
    inputs: InputOpt = None,
) -> None:
    """Per-layer table of shapes, parameters, MACs and memory, with totals."""
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_layers=max_layers, max_expr=max_expr)
    if not inputs:
        graph, report = load_analysis(spec, limits, traceback)
        present(graph, report, fmt, depth, rf, convention, conventions, flops)
        return
    if len(inputs) > 1 and (rf or conventions or depth is not None):
        fail("--rf, --conventions and --depth show layers: give one --input with them, or compare totals without")
    spec_graph, sources = load_graph(spec, limits, traceback)
    graphs = [at_input(spec_graph, shape_arg(text, f"<--input {i + 1}>", limits, traceback))
              for i, text in enumerate(inputs)]
    reports = guarded(sources, traceback, lambda: [analyze(g) for g in graphs])
    if spec_graph.claims or any(n.claims for n in spec_graph.nodes) or any(
            g.claims for g in spec_graph.groups.values()):
        typer.echo(f"note: the spec's expect: claims describe input {spec_graph.input}; not judged at --input",
                   err=True)
    if len(graphs) == 1:
        present(graphs[0], reports[0], fmt, depth, rf, convention, conventions, flops)
        return
    reports = [mac_conventions.under(r, convention.value) for r in reports]
    columns, rows = render_views.inputs_cells(reports, flops)
    head = f"{spec_graph.name} at {len(reports)} input sizes ({convention.value} MACs)"
    grid(fmt, head, columns, rows, lambda: render_views.inputs_json(reports))


def shape_arg(text: str, source: str, limits: Limits, traceback: bool) -> Shape:
    return guarded({source: text}, traceback, lambda: shape_argument(text, source, "--input", limits))


@app.command()
def check(
    spec: SpecArg,
    fmt: FormatOpt = Format.table,
    traceback: TracebackOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_bytes: MaxBytesOpt = DEFAULT.max_bytes,
    max_expr: MaxExprOpt = DEFAULT.max_expr,
) -> None:
    """Judge every `expect:` claim in SPEC; exit 1 if any fails."""
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_layers=max_layers, max_expr=max_expr)
    report = load_analysis(spec, limits, traceback)[1]
    reviewed = review(report)
    report, warnings = reviewed.report, reviewed.warnings
    for w in warnings:
        typer.echo(str(w), err=True)
    if fmt is Format.json:
        typer.echo(render.to_json(report))
    else:
        typer.echo(render.checks_text(report))
    if any(not c.ok for _, c in report.all_checks()):
        raise typer.Exit(1)


@app.command()
def sizes(
    spec: SpecArg,
    smallest: Annotated[int, typer.Option("--min", help="smallest H = W to try")] = 1,
    largest: Annotated[int, typer.Option("--max", help="largest H = W to try")] = 1024,
    exact: Annotated[bool, typer.Option("--exact", help="only sizes where no window drops input rows")] = False,
    traceback: TracebackOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_bytes: MaxBytesOpt = DEFAULT.max_bytes,
    max_expr: MaxExprOpt = DEFAULT.max_expr,
) -> None:
    """Which square input sizes (n x n x C) the network accepts, e.g. for a U-Net."""
    if largest - smallest >= 100_000:
        fail(f"--min {smallest} to --max {largest} is more than 100,000 sizes to try; narrow the range")
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_layers=max_layers, max_expr=max_expr)
    graph, sources = load_graph(spec, limits, traceback)
    found = guarded(sources, traceback, lambda: accepted_sizes(graph, range(max(1, smallest), largest + 1), exact))
    typer.echo(render_views.sizes_text(found, smallest, largest))


@app.command()
def export(
    spec: SpecArg,
    to: Annotated[Target, typer.Option("--to", help="framework to write the model for")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file to write (default: stdout)")] = None,
    traceback: TracebackOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_bytes: MaxBytesOpt = DEFAULT.max_bytes,
    max_expr: MaxExprOpt = DEFAULT.max_expr,
) -> None:
    """Write SPEC as a standalone PyTorch file: an nn.Module and build_model()."""
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_layers=max_layers, max_expr=max_expr)
    graph, sources = load_graph(spec, limits, traceback)
    (source,) = sources
    code = guarded(sources, traceback, lambda: to_pytorch(graph, source))
    if output is None or str(output) == "-":
        typer.echo(code, nl=False)
    else:
        guarded(sources, traceback, lambda: write_text_atomic(output, code, protect=[spec]))


@app.command()
def explain(
    spec: SpecArg,
    layer: Annotated[str | None, typer.Option("--layer", help="only this layer (or block instance)")] = None,
    fmt: FormatOpt = Format.table,
    traceback: TracebackOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_bytes: MaxBytesOpt = DEFAULT.max_bytes,
    max_expr: MaxExprOpt = DEFAULT.max_expr,
) -> None:
    """Every layer's output size, parameters and MACs as formulas with the numbers filled in."""
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_layers=max_layers, max_expr=max_expr)
    graph, report = load_analysis(spec, limits, traceback)
    for w in review(report).warnings:
        typer.echo(str(w), err=True)
    show_explanations(graph, report, fmt, layer, traceback)


@app.command()
def calc(
    shape: Annotated[str, typer.Argument(metavar="INPUT", help="input shape, e.g. 28x28x192", show_default=False)],
    layers: Annotated[list[str], typer.Argument(metavar="LAYER...", help='spec entries, e.g. "conv: {filters: 8, kernel: 3}"')],
    fmt: FormatOpt = Format.table,
    explain_: Annotated[bool, typer.Option("--explain", help="print the formulas instead of the table")] = False,
    traceback: TracebackOpt = False,
    rf: RfOpt = False,
    convention: ConventionOpt = Convention.torchvision,
    conventions: ConventionsOpt = False,
    flops: FlopsOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_expr: MaxExprOpt = DEFAULT.max_expr,
) -> None:
    """Analyse layers given on the command line, no file needed (positions: <arg N>)."""
    limits = Limits(max_depth=max_depth, max_layers=max_layers, max_expr=max_expr)  # no file: no --max-bytes
    sources = calc_sources(shape, layers)
    graph = guarded(sources, traceback, lambda: build_graph(calc_spec(shape, layers, limits), limits))
    report = guarded(sources, traceback, lambda: analyze(graph))
    if not explain_:
        present(graph, report, fmt, None, rf, convention, conventions, flops)
        return
    for w in review(report).warnings:
        typer.echo(str(w), err=True)
    show_explanations(graph, report, fmt, None, traceback)


@app.command()
def kinds() -> None:
    """List the layer kinds, their arguments and defaults."""
    typer.echo(render_views.kinds_text())


def main() -> None:
    app()
