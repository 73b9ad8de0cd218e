"""The ``cnncalc`` command: parse arguments, call the library, render.

Exit status: 0 success; 1 an expectation failed (``check``); 2 a user error (bad spec,
impossible shape, bad option, standard output that cannot be written), printed as
``file:line:col`` with the source line and a caret; 141 standard output's reader went away.
``--traceback`` shows the Python trace instead.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.sizes import accepted_sizes
from cnncalc.cli.io import goes_to_stdout, write_output
from cnncalc.cli.load import at_inputs, load_analysis, load_graph
from cnncalc.cli.options import (
    ConventionOpt,
    ConventionsOpt,
    DepthOpt,
    ExplainFormatOpt,
    FlopsOpt,
    FormatOpt,
    InputOpt,
    RfOpt,
    SpecArg,
    TargetOpt,
    TracebackOpt,
    with_limits,
)
from cnncalc.cli.output import (
    convention_totals,
    fail,
    guarded,
    present,
    reviewed,
    show_checks,
    show_explanations,
    show_inputs,
)
from cnncalc.cli.quoting import split_by_shell
from cnncalc.cli.streams import finish, stdout_failed, write_err, write_out
from cnncalc.export.pytorch import to_pytorch
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.render import views
from cnncalc.spec.calc import calc_sources, calc_spec

app = typer.Typer(
    help="Shapes, parameters, MACs and memory of convolutional networks, from a YAML spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # typer 0.29's rich help shows every flag as '--rf <bool>'; its plain help does not
)


class Command(TyperCommand):
    """typer's command, with arguments in the usage line as ``SPEC`` (typer 0.29 writes ``{SPEC}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [re.sub(r"^\{(.+)\}(\.\.\.)?$", r"\1", p) for p in super().collect_usage_pieces(ctx)]


def command(example: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A command whose --help ends with one example."""
    return app.command(cls=Command, epilog=f"Example: {example}")


def _version(value: bool) -> None:
    if value:
        # The running package's own version.  Python imports the package before any of its modules,
        # so it is there to read; an import statement would make cli depend on the API above it.
        write_out(f"cnncalc {sys.modules['cnncalc'].__version__}\n")
        raise typer.Exit()


@app.callback()
def root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version and exit")] = False) -> None:
    """Shapes, parameters, MACs and memory of convolutional networks, from a YAML spec."""


@command("cnncalc summary specs/resnet50.yaml --depth 0")
@with_limits()
def summary(spec: SpecArg, fmt: FormatOpt = "table", depth: DepthOpt = None, rf: RfOpt = False,
            convention: ConventionOpt = "torchvision", conventions: ConventionsOpt = False, flops: FlopsOpt = False,
            inputs: InputOpt = None, traceback: TracebackOpt = False, *, limits: Limits,
            overrides: dict[str, str]) -> None:
    """Per-layer table of shapes, parameters, MACs and memory, with totals."""
    if not inputs:
        present(load_analysis(spec, limits, traceback, overrides)[1], fmt, depth, rf, convention, conventions, flops)
        return
    if len(inputs) > 1 and (rf or conventions or depth is not None):
        fail("--rf, --conventions and --depth show layers: give one --input with them, or compare totals without")
    graph, reports = at_inputs(spec, inputs, limits, traceback, overrides)
    if graph.claims or any(n.claims for n in graph.nodes) or any(g.claims for g in graph.groups.values()):
        write_err(f"note: the spec's expect: claims describe input {graph.input}; not judged at --input\n")
    if len(reports) == 1:
        present(reports[0], fmt, depth, rf, convention, conventions, flops)
        return
    show_inputs(graph.name, convention, convention_totals(reports, convention), fmt, flops)


@command("cnncalc check specs/resnet50.yaml")
@with_limits()
def check(spec: SpecArg, fmt: FormatOpt = "table", traceback: TracebackOpt = False, *, limits: Limits,
          overrides: dict[str, str]) -> None:
    """Judge every `expect:` claim in SPEC; exit 1 if any fails."""
    graph, analysed = load_analysis(spec, limits, traceback, overrides)
    report = reviewed(analysed).report
    if graph.unjudged:  # a block is judged per use: say so, never a silent "no expectations"
        write_err(f"note: {len(graph.unjudged)} expect: claims are inside blocks no layer uses; not judged\n")
    show_checks(report, fmt)
    if any(not c.ok for _, c in report.all_checks()):
        raise typer.Exit(1)


@command("cnncalc sizes specs/unet.yaml --min 500 --max 600 --exact")
@with_limits()
def sizes(
    spec: SpecArg,
    smallest: Annotated[int, typer.Option("--min", min=1, metavar="N", help="smallest H = W to try")] = 1,
    largest: Annotated[int, typer.Option("--max", min=1, metavar="N", help="largest H = W to try")] = 1024,
    exact: Annotated[bool, typer.Option("--exact", help="only sizes where no window drops input rows")] = False,
    traceback: TracebackOpt = False,
    *,
    limits: Limits,
    overrides: dict[str, str],
) -> None:
    """Which square input sizes (n x n x C) the network accepts, e.g. for a U-Net."""
    if smallest > largest:
        fail(f"--min {smallest} is larger than --max {largest}: there is no size to try")
    if largest - smallest >= 100_000:
        fail(f"--min {smallest} to --max {largest} is more than 100,000 sizes to try; narrow the range")
    graph, sources = load_graph(spec, limits, traceback, overrides)
    if not graph.input.is_image:
        fail(f"sizes tries square images n x n x C, but this spec's input {graph.input} is a vector")
    found = guarded(sources, traceback, lambda: accepted_sizes(graph, range(smallest, largest + 1), exact))
    write_out(views.sizes_text(found, smallest, largest) + "\n")


@command("cnncalc export specs/resnet18.yaml --to pytorch -o resnet18.py")
@with_limits()
def export(
    spec: SpecArg,
    to: TargetOpt,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FILE", help="file to write ('-' or none: standard output)", show_default=False)] = None,
    traceback: TracebackOpt = False,
    *,
    limits: Limits,
    overrides: dict[str, str],
) -> None:
    """Write SPEC as a standalone PyTorch file: an nn.Module and build_model()."""
    graph, sources = load_graph(spec, limits, traceback, overrides)
    code = guarded(sources, traceback, lambda: to_pytorch(graph, next(iter(sources))))
    if output is None or goes_to_stdout(output):
        write_out(code)
    else:
        guarded(sources, traceback, lambda: write_output(output, code, protect=[spec]))


@command("cnncalc explain specs/lenet5.yaml --layer conv1")
@with_limits()
def explain(
    spec: SpecArg,
    layer: Annotated[str | None, typer.Option("--layer", metavar="NAME", help="only this layer (or block instance)")] = None,
    fmt: ExplainFormatOpt = "table",
    traceback: TracebackOpt = False,
    *,
    limits: Limits,
    overrides: dict[str, str],
) -> None:
    """Every layer's output size, parameters and MACs as formulas with the numbers filled in."""
    report = load_analysis(spec, limits, traceback, overrides)[1]
    reviewed(report)
    show_explanations(report, fmt, layer, traceback)


def calc_graph(shape: str, layers: list[str], limits: Limits) -> Graph:
    """The graph of ``calc``'s arguments; layers the shell split at their spaces are an error (E109)."""
    split = split_by_shell(shape, layers)
    if split is not None:
        raise split
    return build_graph(calc_spec(shape, layers, limits), limits)


@command("cnncalc calc 28x28x192 'conv: {filters: 32, kernel: 5, padding: same}'")
@with_limits(file=False)
def calc(
    shape: Annotated[str, typer.Argument(metavar="INPUT", help="input shape, e.g. 28x28x192", show_default=False)],
    layers: Annotated[list[str], typer.Argument(metavar="LAYER...", help='spec entries, quoted one by one: "relu"'
                                                ' "conv: {filters: 8, kernel: 3}"', show_default=False)],
    fmt: FormatOpt = "table",
    explain_: Annotated[bool, typer.Option("--explain", help="print the formulas instead of the table")] = False,
    rf: RfOpt = False,
    convention: ConventionOpt = "torchvision",
    conventions: ConventionsOpt = False,
    flops: FlopsOpt = False,
    traceback: TracebackOpt = False,
    *,
    limits: Limits,
) -> None:
    """Analyse layers given on the command line, no file needed (positions: <arg N>)."""
    if explain_ and fmt == "csv":
        fail("--explain prints formulas, not rows of numbers: use -f table, json or markdown with it")
    sources = calc_sources(shape, layers)
    graph = guarded(sources, traceback, lambda: calc_graph(shape, layers, limits))
    report = guarded(sources, traceback, lambda: analyze(graph))
    if not explain_:
        present(report, fmt, None, rf, convention, conventions, flops)
        return
    reviewed(report)
    show_explanations(report, fmt, None, traceback)


@command("cnncalc kinds")
def kinds() -> None:
    """List the layer kinds, their arguments and defaults."""
    write_out(views.kinds_text() + "\n")


def main() -> None:
    """The console script: run the command, then make sure what it wrote reached standard output."""
    code: Any = 0
    try:
        try:
            app()
        except SystemExit as exc:
            code = exc.code
        except OSError as exc:  # typer itself writing help or usage to a failing stream
            stdout_failed(exc.strerror or str(exc))
        finish()
    except typer.Exit as exc:
        code = exc.exit_code
    sys.exit(code)
