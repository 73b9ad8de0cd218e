"""What the ``cnncalc`` commands print: the report in its format, warnings, and a user error as
one positioned message with exit status 2 (the Python trace only with ``--traceback``).

Everything goes through :mod:`cnncalc.cli.streams`; a terminal gets the same layout as a pipe,
fitted to its width and coloured by ``render.terminal`` (rich is imported only then).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn, TypeVar

from cnncalc.analysis.lint import Lint
from cnncalc.analysis.report import Report
from cnncalc.analysis.review import Reviewed, review
from cnncalc.cli.streams import Exit, write_err, write_out
from cnncalc.errors import CnnCalcError, format_error, visible
from cnncalc.render import messages
from cnncalc.render import report as render
from cnncalc.render.layout import Grid, fit, plain_text, styled_lines

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")


def terminal() -> Console | None:
    """A rich console when standard output is a terminal (or FORCE_COLOR says to act as one)."""
    stream = sys.stdout
    forced = os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1"
    try:
        if stream is None or not (forced or stream.isatty()):
            return None
    except ValueError:  # a closed stream
        return None
    from rich.console import Console

    console = Console(file=stream, highlight=False)
    return console if console.is_terminal else None


def fail(message: str) -> NoReturn:
    """A usage error (no spec position to show): one line on standard error, exit 2."""
    write_err(f"error: {visible(message)}\n")
    raise Exit(2)


def guarded(sources: dict[str, str], traceback: bool, fn: Callable[[], T], note: str | None = None) -> T:
    """Run ``fn``; a user error becomes one positioned message (and ``note``) and exit 2."""
    try:
        return fn()
    except CnnCalcError as exc:
        if traceback:
            raise
        write_err(format_error(exc, sources) + (f"\n  note: {visible(note)}" if note else "") + "\n")
        raise Exit(2) from None


def reviewed(report: Report, convention: str = "torchvision", rf: bool = False,
             all_conventions: bool = False) -> Reviewed:
    """The one place the CLI runs the review (hints, warnings, receptive field, conventions);
    its warnings go to standard error."""
    done = review(report, convention, rf, all_conventions=all_conventions)
    show_warnings(done.warnings)
    return done


def convention_totals(reports: Sequence[Report], convention: str) -> list[Report]:
    """Each report with its MACs counted in ``convention`` (``summary`` at several inputs: totals only)."""
    from cnncalc.analysis.conventions import under

    return [under(r, convention) for r in reports]


def show_warnings(warnings: Sequence[Lint]) -> None:
    if warnings:
        write_err("".join(line + "\n" for line in messages.warning_lines(warnings)))


def show_grid(grid: Grid) -> None:
    """A table: fitted to the terminal and coloured there; as plain aligned text in a pipe."""
    console = terminal()
    if console is None:
        write_out(plain_text(grid, fit(grid)))
        return
    layout = fit(grid, console.width)
    if layout.span > console.width:  # nothing fits (COLUMNS=20, or 0): the plain text, all of it
        write_out(plain_text(grid, layout))
        return
    from cnncalc.render.terminal import ansi

    write_out(ansi(styled_lines(grid, layout), console))


def show_report(report: Report, fmt: str, depth: int | None, flops: bool = False) -> None:
    if fmt == "json":
        write_out(render.to_json(report) + "\n")
    elif fmt == "csv":
        write_out(render.to_csv(report))
    elif fmt == "markdown":
        write_out(render.to_markdown(report, depth, flops))
    else:
        show_grid(render.table_grid(report, depth, flops))


def present(report: Report, fmt: str, depth: int | None, rf: bool, convention: str,
            side_by_side: bool, flops: bool) -> None:
    """Review the analysis (warnings on stderr), then print the table or the conventions view."""
    if side_by_side and (rf or depth is not None):
        fail("--conventions shows every layer's MACs under each convention; --rf and --depth belong to the"
             " main table: run them without --conventions")
    done = reviewed(report, convention, rf, all_conventions=side_by_side)
    if not side_by_side:
        show_report(done.report, fmt, depth, flops)
        return
    from cnncalc.render import views

    assert done.per_layer is not None
    report, per_layer = done.report, done.per_layer
    grid = views.conventions_grid(report, per_layer, flops)
    show_format(fmt, grid, lambda: views.conventions_json(report, per_layer),
                lambda: views.conventions_csv(report, per_layer, flops))


def show_format(fmt: str, grid: Grid, as_json: Callable[[], str], as_csv: Callable[[], str]) -> None:
    """A secondary view in the chosen format: raw numbers for JSON and CSV, the grid otherwise."""
    if fmt == "json":
        write_out(as_json() + "\n")
    elif fmt == "csv":
        write_out(as_csv())
    elif fmt == "markdown":
        from cnncalc.render import views

        write_out(views.markdown_grid(grid))
    else:
        show_grid(grid)


def show_inputs(name: str, convention: str, reports: list[Report], fmt: str, flops: bool) -> None:
    """``summary -i A -i B``: one row per input size."""
    from cnncalc.render import machine, views

    show_format(fmt, views.inputs_grid(name, convention, reports, flops), lambda: machine.inputs_json(reports),
                lambda: machine.inputs_csv(reports))


def show_checks(report: Report, fmt: str) -> None:
    from cnncalc.render import machine

    if fmt == "json":
        write_out(render.to_json(report) + "\n")
    elif fmt == "csv":
        write_out(machine.checks_csv(report))
    elif fmt == "markdown":
        write_out(messages.checks_markdown(report))
    else:
        write_out(messages.checks_text(report))


def show_explanations(report: Report, fmt: str, layer: str | None, traceback: bool) -> None:
    from cnncalc.explain.explanation import explain
    from cnncalc.render import explanations

    expls = guarded({}, traceback, lambda: explain(report, layer))
    if fmt == "json":
        write_out(explanations.to_json(expls) + "\n")
    elif fmt == "markdown":
        write_out(explanations.to_markdown(expls))
    else:
        write_out(explanations.to_text(expls))
