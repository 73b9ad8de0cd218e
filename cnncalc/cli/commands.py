"""What each ``cnncalc`` command does: read, call the library, render — without typer.

Their parameters are declared in :mod:`cnncalc.cli.params`; :mod:`cnncalc.cli.app` (typer) and
:mod:`cnncalc.cli.fast` both call these functions.  A command ends early by raising
:class:`~cnncalc.cli.streams.Exit`; what it prints goes through :mod:`cnncalc.cli.streams`.
Modules only one command needs (export, explain, drawings, the schema) are imported by that
command, so the others start without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.cli.load import at_inputs, load_analysis, load_graph
from cnncalc.cli.output import (
    convention_totals,
    fail,
    guarded,
    present,
    reviewed,
    show_checks,
    show_inputs,
)
from cnncalc.cli.streams import Exit, write_err, write_out
from cnncalc.limits import Limits

if TYPE_CHECKING:
    from cnncalc.analysis.report import Report


def summary(spec: str, fmt: str, depth: int | None, rf: bool, convention: str, conventions: bool, flops: bool,
            inputs: list[str] | None, plot: str | None, traceback: bool, limits: Limits,
            overrides: dict[str, str]) -> None:
    if plot is not None and inputs and len(inputs) > 1:
        fail("--plot draws one network: give one --input with it")
    if not inputs:
        report = load_analysis(spec, limits, traceback, overrides)[1]
        present(report, fmt, depth, rf, convention, conventions, flops)
        _plot_summary(report, plot, spec, traceback)
        return
    if len(inputs) > 1 and (rf or conventions or depth is not None):
        fail("--rf, --conventions and --depth show layers: give one --input with them, or compare totals without")
    graph, reports = at_inputs(spec, inputs, limits, traceback, overrides)
    if graph.claims or any(n.claims for n in graph.nodes) or any(g.claims for g in graph.groups.values()):
        write_err(f"note: the spec's expect: claims describe input {graph.input}; not judged at --input\n")
    if len(reports) == 1:
        present(reports[0], fmt, depth, rf, convention, conventions, flops)
        _plot_summary(reports[0], plot, spec, traceback)
        return
    show_inputs(graph.name, convention, convention_totals(reports, convention), fmt, flops)


def _plot_summary(report: Report, plot: str | None, spec: str, traceback: bool) -> None:
    if plot is None:
        return
    from cnncalc.cli.families import plot_to
    from cnncalc.render.plot import summary_chart

    plot_to(plot, [spec], traceback, lambda fmt: summary_chart(report, fmt))


def check(spec: str, fmt: str, traceback: bool, limits: Limits, overrides: dict[str, str]) -> None:
    graph, analysed = load_analysis(spec, limits, traceback, overrides)
    if analysed.pending:  # claims on a training step: judged at the spec's budget: setting
        from cnncalc.analysis.budget import judged

        analysed = guarded({}, traceback, lambda: judged(analysed))
    report = reviewed(analysed).report
    if graph.unjudged:  # a block is judged per use: say so, never a silent "no expectations"
        write_err(f"note: {len(graph.unjudged)} expect: claims are inside blocks no layer uses; not judged\n")
    show_checks(report, fmt)
    if any(not c.ok for _, c in report.all_checks()):
        raise Exit(1)


def sizes(spec: str, smallest: int, largest: int, exact: bool, traceback: bool, limits: Limits,
          overrides: dict[str, str]) -> None:
    from cnncalc.analysis.sizes import accepted_sizes
    from cnncalc.render import views

    if smallest > largest:
        fail(f"--min {smallest} is larger than --max {largest}: there is no size to try")
    if largest - smallest >= 100_000:
        fail(f"--min {smallest} to --max {largest} is more than 100,000 sizes to try; narrow the range")
    graph, sources = load_graph(spec, limits, traceback, overrides)
    if not graph.input.is_image:
        fail(f"sizes tries square images n x n x C, but this spec's input {graph.input} is a vector")
    found = guarded(sources, traceback, lambda: accepted_sizes(graph, range(smallest, largest + 1), exact))
    write_out(views.sizes_text(found, smallest, largest) + "\n")


def export(spec: str, to: str, output: str | None, traceback: bool, limits: Limits,
           overrides: dict[str, str]) -> None:
    from cnncalc.cli.io import goes_to_stdout, write_output
    from cnncalc.export.pytorch import to_pytorch

    graph, sources = load_graph(spec, limits, traceback, overrides)
    code = guarded(sources, traceback, lambda: to_pytorch(graph, next(iter(sources))))
    if output is None or goes_to_stdout(output):
        write_out(code)
    else:
        guarded(sources, traceback, lambda: write_output(output, code, protect=[spec]))


def explain(spec: str, layer: str | None, fmt: str, traceback: bool, limits: Limits,
            overrides: dict[str, str]) -> None:
    from cnncalc.cli.output import show_explanations

    report = load_analysis(spec, limits, traceback, overrides)[1]
    reviewed(report)
    show_explanations(report, fmt, layer, traceback)


def calc(shape: str, layers: list[str], fmt: str, explain_: bool, rf: bool, convention: str, conventions: bool,
         flops: bool, traceback: bool, limits: Limits) -> None:
    from cnncalc.analysis.analyze import analyze
    from cnncalc.cli.quoting import split_by_shell
    from cnncalc.graph.build import build_graph
    from cnncalc.graph.nodes import Graph
    from cnncalc.spec.calc import calc_sources, calc_spec

    if explain_ and fmt == "csv":
        fail("--explain prints formulas, not rows of numbers: use -f table, json or markdown with it")
    sources = calc_sources(shape, layers)

    def graph_of() -> Graph:  # layers the shell split at their spaces are an error (E109)
        split = split_by_shell(shape, layers)
        if split is not None:
            raise split
        return build_graph(calc_spec(shape, layers, limits), limits)

    graph = guarded(sources, traceback, graph_of)
    report = guarded(sources, traceback, lambda: analyze(graph))
    if not explain_:
        present(report, fmt, None, rf, convention, conventions, flops)
        return
    from cnncalc.cli.output import show_explanations

    reviewed(report)
    show_explanations(report, fmt, None, traceback)


def compare(specs: list[str], fmt: str, inputs: list[str] | None, plot: str | None, traceback: bool, limits: Limits,
            sets: list[tuple[str, str]]) -> None:
    from cnncalc.cli.families import compare_models, plot_to, show_models

    models = compare_models(specs, sets, inputs, limits, traceback)
    show_models(models, fmt)
    if plot is not None:
        from cnncalc.render.plot import compare_chart

        plot_to(plot, specs, traceback, lambda fmt: compare_chart(models, fmt))


def scale(spec: str, width: str | None, depth: str | None, resolution: str | None, output: str | None, fmt: str,
          traceback: bool, limits: Limits, overrides: dict[str, str]) -> None:
    from decimal import Decimal

    from cnncalc.cli import families

    given = {"width": width, "depth": depth, "resolution": resolution}
    factors = {axis: Decimal(text) for axis, text in given.items() if text is not None}
    if not factors:
        fail("give a factor to scale by: --width, --depth or --resolution (e.g. --width 1.1 --depth 1.2"
             " --resolution 1.15, EfficientNet's alpha, beta, gamma)")
    families.scale(spec, factors, output, fmt, traceback, limits, overrides)


def fit(spec: str, vary: str, step: str | None, macs: str | None, params: str | None, activations: str | None,
        kept_bytes: str | None, fmt: str, traceback: bool, limits: Limits, overrides: dict[str, str]) -> None:
    from cnncalc.cli import families

    given = {"macs": macs, "params": params, "activations": activations, "kept_bytes": kept_bytes}
    budgets = [families.budget(q, text) for q, text in given.items() if text is not None]
    families.fit(spec, vary, step, budgets, fmt, traceback, limits, overrides)


def kinds(fmt: str) -> None:
    if fmt == "markdown":
        from cnncalc.render.reference import reference

        write_out(reference())
        return
    from cnncalc.render import views

    write_out(views.kinds_text() + "\n")


def schema() -> None:
    import json

    from cnncalc.spec.schema import spec_schema

    write_out(json.dumps(spec_schema(), indent=1, ensure_ascii=False) + "\n")


def draw(spec: str, fmt: str, depth: int | None, output: str | None, traceback: bool, limits: Limits,
         overrides: dict[str, str]) -> None:
    from cnncalc.cli.io import goes_to_stdout, write_output
    from cnncalc.render.draw import to_dot, to_mermaid

    report = load_analysis(spec, limits, traceback, overrides)[1]
    if fmt in ("svg", "png"):
        if output is None or goes_to_stdout(output):
            fail(f"-f {fmt} writes an image: give a file with -o (or use -f mermaid or -f dot for text)")
        image = _graphviz(to_dot(report, depth), fmt)
        guarded({}, traceback, lambda: write_output(output, image, protect=[spec]))
        return
    text = to_mermaid(report, depth) if fmt == "mermaid" else to_dot(report, depth)
    if output is None or goes_to_stdout(output):
        write_out(text)
    else:
        guarded({}, traceback, lambda: write_output(output, text, protect=[spec]))


def _graphviz(dot: str, fmt: str) -> bytes:
    """Graphviz's ``dot`` drawing DOT text as SVG or PNG; a clear message when it is not installed."""
    import shutil
    import subprocess

    program = shutil.which("dot")
    if program is None:
        fail("drawing SVG or PNG needs Graphviz's `dot` program, which is not installed: install Graphviz"
             " (apt install graphviz, brew install graphviz, conda install graphviz), or write -f mermaid"
             " or -f dot text and draw it elsewhere")
    done = subprocess.run([program, f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True, check=False)
    if done.returncode != 0:
        fail(f"Graphviz could not draw the network: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout


def budget(spec: str, batch: int | None, dtype: str | None, amp: bool, optimizer: str | None, memory: str | None,
           samples: str | None, epochs: int | None, device: str | None, utilization: str | None, shape: str | None,
           fmt: str, what_if: bool, traceback: bool, limits: Limits, overrides: dict[str, str]) -> None:
    from cnncalc.cli.training import budget_command

    budget_command(spec, batch, dtype, amp, optimizer, memory, samples, epochs, device, utilization, shape, fmt,
                   what_if, traceback, limits, overrides)
