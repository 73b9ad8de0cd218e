"""The ``cnncalc`` command: parse arguments, call the library, render.

Exit status: 0 success; 1 an expectation failed (``check``); 2 a user error
(bad spec, impossible shape, bad option), printed as ``file:line:col`` with the
source line and a caret.  ``--traceback`` shows the Python trace instead.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console

from . import render
from .analyze import accepted_sizes, analyze
from .errors import CnnCalcError, format_error
from .graph import build_graph
from .shapes import Report
from .spec import Limits, parse_spec, read_source

app = typer.Typer(
    help="Shapes, parameters, MACs and memory of convolutional networks, from a YAML spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
DEFAULT = Limits()


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


SpecArg = Annotated[Path, typer.Argument(help="YAML spec file ('-' reads standard input)", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]
DepthOpt = Annotated[int | None, typer.Option("--depth", help="collapse block instances nested deeper than this")]
TracebackOpt = Annotated[bool, typer.Option("--traceback", help="show the Python traceback on errors")]
MaxLayersOpt = Annotated[int, typer.Option("--max-layers", help="limit on layers after expansion")]
MaxDepthOpt = Annotated[int, typer.Option("--max-depth", help="limit on YAML nesting depth")]
MaxBytesOpt = Annotated[int, typer.Option("--max-bytes", help="limit on spec file size")]


def print_rich(draw: Callable[[Console], None]) -> None:
    """Colour on a terminal (NO_COLOR respected); piped: plain text, no wrapping, no padding."""
    console = Console(highlight=False)
    if console.is_terminal:
        draw(console)
        return
    plain = Console(highlight=False, width=250, no_color=True, record=True, file=io.StringIO())
    draw(plain)
    text = plain.export_text()
    typer.echo("\n".join(line.rstrip() for line in text.splitlines()))


def is_terminal() -> bool:
    return Console().is_terminal


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def guarded(sources: dict[str, str], traceback: bool, fn: Callable[[], T]) -> T:
    """Run ``fn``; a user error becomes one positioned message and exit 2."""
    try:
        return fn()
    except CnnCalcError as exc:
        if traceback:
            raise
        typer.echo(format_error(exc, sources), err=True)
        raise typer.Exit(2) from None


def load_report(spec: Path, limits: Limits, traceback: bool) -> Report:
    sources: dict[str, str] = {}

    def run() -> Report:
        if str(spec) == "-":
            text, name = sys.stdin.read(), "<stdin>"
        else:
            text, name = read_source(spec, limits), str(spec)
        sources[name] = text
        return analyze(build_graph(parse_spec(text, name, limits), limits))

    return guarded(sources, traceback, run)


def emit(report: Report, fmt: Format, depth: int | None) -> None:
    if fmt is Format.json:
        typer.echo(render.to_json(report))
    elif fmt is Format.csv:
        typer.echo(render.to_csv(report), nl=False)
    elif fmt is Format.markdown:
        typer.echo(render.to_markdown(report, depth), nl=False)
    else:
        if is_terminal():
            render.table(report, Console(highlight=False), depth)
        else:
            typer.echo(render.plain_table(report, depth), nl=False)


@app.command()
def summary(
    spec: SpecArg,
    fmt: FormatOpt = Format.table,
    depth: DepthOpt = None,
    traceback: TracebackOpt = False,
    max_layers: MaxLayersOpt = DEFAULT.max_layers,
    max_depth: MaxDepthOpt = DEFAULT.max_depth,
    max_bytes: MaxBytesOpt = DEFAULT.max_bytes,
) -> None:
    """Per-layer table of shapes, parameters, MACs and memory, with totals."""
    limits = Limits(max_bytes=max_bytes, max_depth=max_depth, max_layers=max_layers)
    emit(load_report(spec, limits, traceback), fmt, depth)


@app.command()
def check(
    spec: SpecArg,
    fmt: FormatOpt = Format.table,
    traceback: TracebackOpt = False,
) -> None:
    """Judge every `expect:` claim in SPEC; exit 1 if any fails."""
    report = load_report(spec, Limits(), traceback)
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
) -> None:
    """Which square input sizes (n x n x C) the network accepts, e.g. for a U-Net."""
    sources: dict[str, str] = {}

    def run() -> list[int]:
        text = sources[str(spec)] = read_source(spec)
        graph = build_graph(parse_spec(text, str(spec)))
        return accepted_sizes(graph, range(max(1, smallest), largest + 1), exact)

    typer.echo(render.sizes_text(guarded(sources, traceback, run), smallest, largest))


@app.command()
def kinds() -> None:
    """List the layer kinds, their arguments and defaults."""
    typer.echo(render.kinds_text())


def main() -> None:
    app()
