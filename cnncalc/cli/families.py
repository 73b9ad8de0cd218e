"""The commands over several models, or variants of one: ``compare``, ``scale``, ``fit``, and the
charts of ``--plot``.  :mod:`cnncalc.cli.commands` imports this module only for them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from itertools import product

from cnncalc.analysis.analyze import analyze, at_input
from cnncalc.analysis.compare import Model, labelled, model
from cnncalc.analysis.fit import Budget
from cnncalc.analysis.report import Report, Totals
from cnncalc.cli.load import STDIN, read_spec
from cnncalc.cli.output import fail, guarded, show_format, show_grid
from cnncalc.cli.streams import Exit, write_err, write_out
from cnncalc.errors import SourcePos, SpecError, did_you_mean, shown
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.records import record
from cnncalc.spec.parse import Spec, parse, shape_argument
from cnncalc.spec.vars import override_sources

MAX_MODELS = 100  # compare: specs x --set combinations x inputs


@record(frozen=True, slots=True)
class Loaded:
    """A spec read, parsed and built under some ``--set`` values; its texts for error excerpts."""

    file: str
    text: str
    spec: Spec
    graph: Graph
    sources: dict[str, str]


def load(file: str, limits: Limits, traceback: bool, overrides: dict[str, str], note: str | None = None,
         text: str | None = None) -> Loaded:
    """Read (unless ``text`` is given), parse and build; a user error exits 2 with its message."""
    sources = override_sources(overrides)

    def run() -> Loaded:
        name, body = (file, text) if text is not None else read_spec(file, limits)
        sources[name] = body
        spec = parse(body, name, limits, overrides)
        return Loaded(name, body, spec, build_graph(spec, limits), sources)

    return guarded(sources, traceback, run, note=note)


def analysed(loaded: Loaded, traceback: bool, note: str | None = None) -> Report:
    return guarded(loaded.sources, traceback, partial(analyze, loaded.graph), note=note)


def plot_to(path: str, protect: Sequence[str], traceback: bool, draw: Callable[[str], bytes]) -> None:
    """Draw a chart (``draw(fmt)``) and write it to ``path``, never over a spec being read."""
    from cnncalc.cli.io import goes_to_stdout, write_output
    from cnncalc.render.plot import NoMatplotlib, chart_format

    fmt = chart_format(path)
    assert fmt is not None  # --plot's check
    if goes_to_stdout(path):
        fail("--plot writes an image file: give it a file name, not standard output")
    try:
        image = draw(fmt)
    except NoMatplotlib as exc:
        fail(str(exc))
    guarded({}, traceback, lambda: write_output(path, image, protect=list(protect)))


# --- compare --------------------------------------------------------------------------------

def _declared(file: str, limits: Limits, traceback: bool) -> tuple[str, list[str]]:
    """The text of ``file`` (read once: it may be standard input) and the vars it declares (its top
    level only: nothing is built)."""
    sources: dict[str, str] = {}

    def run() -> tuple[str, list[str]]:
        name, text = read_spec(file, limits)
        sources[name] = text
        return text, list(parse(text, name, limits).vars)

    return guarded(sources, traceback, run)


def compare_models(specs: list[str], sets: list[tuple[str, str]], inputs: list[str] | None, limits: Limits,
                   traceback: bool) -> list[Model]:
    """Every spec under every combination of the values given to the vars it declares, at every
    input: one model each."""
    if specs.count("-") > 1:
        fail("standard input ('-') can be read once: give it as one SPEC at most")
    values: dict[str, list[str]] = {}
    for name, value in sets:
        values.setdefault(name, []).append(value)
    read = {f: _declared(f, limits, traceback) for f in dict.fromkeys(specs)}
    declared = {f: names for f, (_, names) in read.items()}
    everywhere = {v for names in declared.values() for v in names}
    for i, (name, value) in enumerate(sets, 1):
        if name not in everywhere:
            source = f"<--set {i}>"
            hint = did_you_mean(name, sorted(everywhere)) or ("no SPEC declares vars" if not everywhere else None)
            guarded({source: f"{name}={value}"}, traceback, partial(_raise, SpecError(
                f"--set names no var of any SPEC: '{shown(name, 60)}'", SourcePos(source, 1, 1), hint=hint,
                code="E141")))
    shapes: list[str | None] = list(inputs) if inputs else [None]
    jobs = []
    for file in specs:
        names = [n for n in values if n in declared[file]]
        jobs += [(file, tuple(zip(names, combo, strict=True))) for combo in product(*(values[n] for n in names))]
    if len(jobs) * len(shapes) > MAX_MODELS:
        fail(f"that is {len(jobs) * len(shapes):,} models to compare; at most {MAX_MODELS}: give fewer specs,"
             " --set values or --input sizes")
    models = []
    for file, chosen in jobs:
        note = "with " + " ".join(f"--set {k}={v}" for k, v in chosen) if chosen else None
        loaded = load(file if file != "-" else STDIN, limits, traceback, dict(chosen), note, read[file][0])
        for shape_text in shapes:
            report = analysed(loaded, traceback, note) if shape_text is None else _at(loaded, shape_text, limits,
                                                                                     traceback, note)
            models.append(model(report, file, chosen))
    return list(labelled(models))


def _raise(exc: Exception) -> None:
    raise exc


def _at(loaded: Loaded, text: str, limits: Limits, traceback: bool, note: str | None) -> Report:
    source = "<--input>"
    shape = guarded({source: text}, traceback, partial(shape_argument, text, source, "--input", limits))
    where = f"with --input {shown(text)}" + (f", {note}" if note else "")
    return guarded(loaded.sources, traceback, partial(analyze, at_input(loaded.graph, shape)), note=where)


def show_models(models: Sequence[Model], fmt: str, title: str | None = None) -> None:
    from cnncalc.render.compare import compare_csv, compare_grid, compare_json

    show_format(fmt, compare_grid(models, title), lambda: compare_json(models), lambda: compare_csv(models))


# --- scale ----------------------------------------------------------------------------------

def scale(spec: str, factors: dict[str, Decimal], output: str | None, fmt: str, traceback: bool, limits: Limits,
          overrides: dict[str, str]) -> None:
    from cnncalc.cli.io import goes_to_stdout, write_output
    from cnncalc.render.scaling import changes_grid, scaled_json
    from cnncalc.spec.scaling import as_yaml, rewrite, scale_vars

    loaded = load(spec, limits, traceback, overrides)
    before = analysed(loaded, traceback)
    hint = loaded.spec.scaling
    pos = hint.pos if hint is not None else loaded.spec.pos
    missing = [a for a in factors if hint is None or not hint.axis(a)]
    if missing:
        what = "has no scaling: hint" if hint is None else "names no " + " and no ".join(missing) + " vars in scaling:"
        guarded(loaded.sources, traceback, partial(_raise, SpecError(
            f"--{' --'.join(missing)} given, but this spec {what}", pos, code="E144",
            hint="name the vars in the spec, e.g. scaling: {width: width, depth: depth, resolution: res}")))
    assert hint is not None
    changes = scale_vars(hint, loaded.spec.vars, factors)
    values = {c.var: as_yaml(c.after) for c in changes}
    for name, text in overrides.items():  # the --set values become the scaled spec's own
        values.setdefault(name, " ".join(text.splitlines()))
    text = rewrite(loaded.text, values)
    scaled = load(f"{loaded.file} (scaled)", limits, traceback, {}, "in the scaled spec", text)
    after = analysed(scaled, traceback, "in the scaled spec")
    label = after.name if after.name != before.name else f"{after.name} (scaled)"
    models = [model(before, loaded.file, tuple(overrides.items())), model(after, output or "", (), label)]
    to_stdout = output is not None and goes_to_stdout(output)
    if to_stdout:
        write_out(text)
    show = write_err if to_stdout else write_out
    if fmt == "json":
        show(scaled_json(factors, changes, models) + "\n")
    elif fmt == "csv":
        from cnncalc.render.compare import compare_csv

        show(compare_csv(models))
    else:
        from cnncalc.render.compare import compare_grid
        from cnncalc.render.layout import render
        from cnncalc.render.views import markdown_grid

        grids = (changes_grid(factors, changes), compare_grid(models, "totals before and after (torchvision MACs)"))
        if fmt == "markdown":
            show("\n".join(markdown_grid(g) for g in grids))
        elif to_stdout:
            show("\n".join(render(g) for g in grids))
        else:
            show_grid(grids[0])
            write_out("\n")
            show_grid(grids[1])
    failing = [c for _, c in after.all_checks() if not c.ok]
    if failing:
        write_err(f"note: {len(failing)} expect: claims of the spec fail on the scaled network (they describe the"
                  " original)\n")
    if output is not None and not to_stdout:
        guarded({}, traceback, lambda: write_output(output, text, protect=[spec]))
    elif output is None:
        write_err("note: write the scaled spec with -o FILE\n")


# --- fit ------------------------------------------------------------------------------------

MAX_VALUES = 1_000_000  # on fit's grid (bisection tries about 22 of them)


def budget(quantity: str, text: str) -> Budget:
    """``--macs '<= 600M'`` as a Budget (the text was checked by the option: a bare count is ``<=``)."""
    from cnncalc.source.values import parse_claim

    bound, rest = ("<=", text.strip()[2:]) if text.strip().startswith("<=") else (
        ("<", text.strip()[1:]) if text.strip().startswith("<") else ("<=", text))
    parsed = parse_claim(rest.strip())
    assert parsed is not None
    return Budget(quantity, bound, parsed[0])


def fit(spec: str, vary: str, step: str | None, budgets: list[Budget], fmt: str, traceback: bool, limits: Limits,
        overrides: dict[str, str]) -> None:
    from cnncalc.analysis.budget import budget as budget_of
    from cnncalc.analysis.fit import grid, search
    from cnncalc.render.fit import answer, fit_csv, fit_grid, fit_json
    from cnncalc.shapes import Shape
    from cnncalc.spec.operators import value_of
    from cnncalc.spec.training import Setup

    if not budgets:
        fail("give at least one budget: --macs, --params, --activations or --kept-bytes, e.g. --macs '<= 600M'")
    name, _, span = (p.strip() for p in vary.partition("="))
    low, high = (Decimal(p.strip()) for p in span.split("..", 1))
    if name in overrides:
        fail(f"--vary {name} and --set {name} both give {name} a value: drop the --set")
    base = load(spec, limits, traceback, overrides)
    found = base.spec.vars
    var = name if name in found else None
    if var is None and name == "resolution" and base.spec.scaling is not None and len(base.spec.scaling.resolution) == 1:
        var = base.spec.scaling.resolution[0]  # the spec's own resolution var: what depends on it follows
    if var is None and name != "resolution":
        near = did_you_mean(name, [*found, "resolution"])
        fail(f"--vary names no var of this spec: '{name}' ({near or 'its vars: ' + (', '.join(found) or 'none')};"
             " or resolution, the input size)")
    current = value_of(found[var]) if var is not None else 1
    if var is not None and (isinstance(current, bool) or not isinstance(current, (int, float))):
        fail(f"--vary {var}: the var holds {'a list or a mapping' if not isinstance(current, str) else 'text'}, not a"
             " number")
    if var is None and not base.graph.input.is_image:
        fail(f"--vary resolution tries square inputs n x n x C, but this spec's input {base.graph.input} is a vector")
    integers = isinstance(current, int)
    by = Decimal(step) if step is not None else Decimal(1) if integers else Decimal("0.01")
    if integers and any(v != v.to_integral_value() for v in (low, high, by)):
        fail(f"{var or 'resolution'} is an integer: give the range{' and --step' if step else ''} in whole numbers")
    if (high - low) / by >= MAX_VALUES:
        fail(f"{low}..{high} in steps of {by} is more than {MAX_VALUES:,} values; narrow the range or raise --step")
    values = grid(low, high, by, integers)

    setup = base.spec.budget or Setup()  # the training step --kept-bytes is judged at
    kept = any(b.quantity == "kept_bytes" for b in budgets)

    def measure(value: int | Decimal) -> tuple[Shape, Totals, int | None]:
        text = str(value) if isinstance(value, int) or "." in str(value) else f"{value}.0"
        note = f"with --vary {name}={text}"
        if var is not None:
            report = analysed(load(base.file, limits, traceback, {**overrides, var: text}, note, base.text),
                              traceback, note)
        else:
            shape = Shape((int(value), int(value), base.graph.input.dims[-1]))
            report = guarded(base.sources, traceback, partial(analyze, at_input(base.graph, shape)), note=note)
        return report.input, report.totals, budget_of(report, setup).kept_bytes if kept else None

    result = search(values, budgets, measure, name)
    show_format(fmt, fit_grid(name, result, budgets, low, high), lambda: fit_json(name, result, budgets, low, high, by),
                lambda: fit_csv(result))
    if fmt in ("json", "csv"):
        write_err(answer(name, result, low, high) + "\n")
    for line in result.backwards:
        write_err(f"warning: the cost is not monotone in {name} on the values tried: {line}; bisection assumes it"
                  " is, so the answer may not be the largest\n")
    if result.best is None:
        raise Exit(1)
