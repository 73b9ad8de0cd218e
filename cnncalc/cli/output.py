"""What the ``cnncalc`` commands print: the report in its format, and a user error as one
positioned message with exit status 2 (the Python trace only with ``--traceback``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn, TypeVar

import typer
from rich.console import Console

from cnncalc.analysis.report import Report
from cnncalc.analysis.review import review
from cnncalc.cli.options import Convention, Format
from cnncalc.errors import CnnCalcError, format_error
from cnncalc.explain.explanation import explain
from cnncalc.graph.nodes import Graph
from cnncalc.render import explanations
from cnncalc.render import report as render
from cnncalc.render import views as render_views

T = TypeVar("T")


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


def emit(report: Report, fmt: Format, depth: int | None, flops: bool = False) -> None:
    if fmt is Format.json:
        typer.echo(render.to_json(report))
    elif fmt is Format.csv:
        typer.echo(render.to_csv(report), nl=False)
    elif fmt is Format.markdown:
        typer.echo(render.to_markdown(report, depth, flops), nl=False)
    else:
        if is_terminal():
            render.table(report, Console(highlight=False), depth, flops)
        else:
            typer.echo(render.plain_table(report, depth, flops), nl=False)


def present(graph: Graph, report: Report, fmt: Format, depth: int | None, rf: bool, convention: Convention,
            side_by_side: bool, flops: bool) -> None:
    """Review the analysis (warnings on stderr), then print the table or the conventions view."""
    reviewed = review(report, convention.value, rf, all_conventions=side_by_side)
    report, warnings = reviewed.report, reviewed.warnings
    for w in warnings:
        typer.echo(str(w), err=True)
    if not side_by_side:
        emit(report, fmt, depth, flops)
        return
    assert reviewed.per_layer is not None
    per_layer = list(reviewed.per_layer)
    columns, rows = render_views.conventions_cells(report, per_layer, flops)
    head = f"{report.name}: MACs per convention" if not flops else f"{report.name}: FLOPs (2 x MACs) per convention"
    grid(fmt, head, columns, rows, lambda: render_views.conventions_json(report, per_layer))


def grid(fmt: Format, head: str, columns: list[tuple[str, str]], rows: list[list[str]],
         as_json: Callable[[], str]) -> None:
    """A small table (conventions side by side, several inputs) in the chosen format."""
    if fmt is Format.json:
        typer.echo(as_json())
    elif fmt is Format.csv:
        typer.echo(render_views.csv_grid(columns, rows), nl=False)
    elif fmt is Format.markdown:
        typer.echo(render_views.markdown_grid(head, columns, rows), nl=False)
    else:
        typer.echo(render_views.aligned(head, columns, rows), nl=False)


def show_explanations(graph: Graph, report: Report, fmt: Format, layer: str | None, traceback: bool) -> None:
    expls = guarded({}, traceback, lambda: explain(report, layer))
    if fmt is Format.json:
        typer.echo(explanations.to_json(expls))
    elif fmt is Format.markdown:
        typer.echo(explanations.to_markdown(expls), nl=False)
    else:
        typer.echo(explanations.to_text(expls), nl=False)
