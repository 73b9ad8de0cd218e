"""``cnncalc budget``: one training step's memory and compute, the batch that fits, time on a device.

Option values that carry units (``--memory 24GiB``, ``--samples 1.28M``, ``--utilization 0.4``)
are read here, each error positioned in its own source (``<--memory>``).
"""

from __future__ import annotations

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.budget import Budget, budget, largest_batch, roofline
from cnncalc.analysis.report import Report
from cnncalc.cli.load import at_inputs, load_analysis
from cnncalc.cli.output import fail, guarded, reviewed, show_grid
from cnncalc.cli.streams import write_out
from cnncalc.errors import CnnCalcError, SourcePos, SpecError, shown
from cnncalc.graph.nodes import Graph
from cnncalc.limits import Limits
from cnncalc.records import replace
from cnncalc.render.budget import Extras, grid, to_csv, to_json
from cnncalc.source.values import parse_claim
from cnncalc.spec.training import Setup

DEFAULT_UTILIZATION = 0.4


def _amount(text: str, option: str, what: str) -> int:
    """A positive count with an optional unit (24GiB, 80GB, 1.28M): exact, positioned errors."""
    source = f"<{option}>"
    parsed = parse_claim(text)
    if parsed is None or parsed[0] <= 0 or parsed[0] != parsed[0].to_integral_value():
        raise SpecError(f"{option} must be {what}, got '{shown(text)}'", SourcePos(source, 1, 1), code="E111",
                        hint="units: k M G T (x1000), Ki Mi Gi Ti (x1024), an optional B: 24GiB, 80GB, 1.28M")
    return int(parsed[0])


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:
        raise SpecError(f"--utilization is the fraction of the device's peak reached, above 0 and at most 1;"
                        f" got '{shown(text)}'", SourcePos("<--utilization>", 1, 1), code="E111",
                        hint="0.4 means 40 % (a typical training run on a GPU reaches 30-50 %)")
    return value


def _first_stride_doubled(graph: Graph) -> Graph | str:
    """The network with its first strided layer's stride doubled (the course notes' advice)."""
    for i, node in enumerate(graph.nodes):
        stride = getattr(node.layer, "stride", None)
        step = getattr(node.layer, "step", stride)  # a pool's stride defaults to its kernel
        if isinstance(step, tuple):
            layer = node.layer.replace(stride=(2 * step[0], 2 * step[1]))
            nodes = (*graph.nodes[:i], replace(node, layer=layer), *graph.nodes[i + 1:])
            return replace(graph, nodes=nodes)
    return "no layer has a stride"


def budget_command(spec: str, batch: int | None, dtype: str | None, amp: bool, optimizer: str | None,
                   memory: str | None, samples: str | None, epochs: int | None, device: str | None,
                   utilization: str | None, shape: str | None, fmt: str, what_if: bool, traceback: bool,
                   limits: Limits, overrides: dict[str, str]) -> None:
    if fmt == "markdown":
        fmt = "table"
    if shape is not None:
        graph, reports = at_inputs(spec, [shape], limits, traceback, overrides)
        report = reports[0]
    else:
        graph, report = load_analysis(spec, limits, traceback, overrides)
    reviewed(report)
    base = report.budget or graph.budget or Setup()
    setup = Setup(batch or base.batch, dtype or base.dtype, amp or base.amp, optimizer or base.optimizer)
    if (problem := setup.problem()) is not None:
        fail(problem)
    sources = {f"<--{o}>": t for o, t in (("memory", memory), ("samples", samples), ("utilization", utilization),
                                           ("device", device)) if t is not None}

    def options() -> tuple[int | None, int | None, float, object]:
        from cnncalc.analysis.devices import lookup

        mem = _amount(memory, "--memory", "a size in bytes, e.g. 24GiB") if memory is not None else None
        count = _amount(samples, "--samples", "a number of samples, e.g. 1.28M") if samples is not None else None
        util = _fraction(utilization) if utilization is not None else DEFAULT_UTILIZATION
        dev = lookup(device, SourcePos("<--device>", 1, 1)) if device is not None else None
        return mem, count, util, dev

    mem, count, util, dev = guarded(sources, traceback, options)
    if (count is None) != (epochs is None):
        fail("--samples and --epochs go together: training FLOPs = 2 x MACs per sample x samples x epochs")
    b = guarded({}, traceback, lambda: budget(report, setup))
    extras = Extras(memory=mem, fit=largest_batch(report, setup, mem) if mem is not None else None,
                    utilization=util, samples=count, epochs=epochs)
    if dev is not None:
        extras = _timed(b, extras, dev, setup)
    if count is not None and epochs is not None:
        total = 2 * (b.training_macs // setup.batch) * count * epochs  # MACs per sample are exact
        hours = None
        if dev is not None:
            hours = total / (_peak(dev, setup) * util) / 3600
        extras = replace(extras, total_flops=total, device_hours=hours)
    if what_if:
        extras = replace(extras, what_if=_what_ifs(graph, report, setup, shape is not None))
    if fmt == "json":
        write_out(to_json(b, extras) + "\n")
    elif fmt == "csv":
        write_out(to_csv(b, extras))
    else:
        show_grid(grid(b, extras))


def _peak(dev: object, setup: Setup) -> int:
    """The device's dense peak FLOP/s for the step's arithmetic: bf16/fp16 tensor cores; fp32
    convolutions run as TF32 on GPUs that have it (PyTorch's default for cuDNN)."""
    name = setup.dtype if setup.dtype != "fp32" else "tf32"
    rate = dev.peak(name) or (dev.peak("fp32") if setup.dtype == "fp32" else None)  # type: ignore[attr-defined]
    if rate is None:
        fail(f"{dev.name} has no {setup.dtype} tensor cores (PyTorch emulates it at a rate no datasheet gives):"  # type: ignore[attr-defined]
             " estimate with --dtype fp16 or fp32")
    return int(rate)


def _timed(b: Budget, extras: Extras, dev: object, setup: Setup) -> Extras:
    times = tuple(roofline(b, _peak(dev, setup), dev.memory_bandwidth, extras.utilization))  # type: ignore[attr-defined]
    return replace(extras, device=dev.name, times=times, step_seconds=sum(t.seconds for t in times))  # type: ignore[attr-defined]


def _what_ifs(graph: Graph, report: Report, setup: Setup, at_other_input: bool) -> tuple[tuple[str, Budget | str], ...]:
    out: list[tuple[str, Budget | str]] = []
    if setup.batch >= 2:
        out.append((f"batch {setup.batch // 2}", budget(report, replace(setup, batch=setup.batch // 2))))
    else:
        out.append(("half the batch", "the batch is already 1"))
    doubled = _first_stride_doubled(replace(graph, input=report.input) if at_other_input else graph)
    if isinstance(doubled, str):
        out.append(("the first stride doubled", doubled))
    else:
        try:
            out.append(("the first stride doubled", budget(analyze(doubled), setup)))
        except CnnCalcError as exc:
            out.append(("the first stride doubled", f"the network no longer fits its input: {exc.message}"))
    return tuple(out)
