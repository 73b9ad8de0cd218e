"""Graph -> Report: one pass of shape propagation and costing, in node order."""

from __future__ import annotations

from dataclasses import replace

from cnncalc.analysis.lint import leaves_unread  # sizes --exact uses the W101 rule: one definition of lossy
from cnncalc.analysis.report import Check, LayerReport, Report, Totals
from cnncalc.errors import ShapeError
from cnncalc.graph.nodes import INPUT, Graph, Node
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import MAX_INT
from cnncalc.spec.expect import Claim


def _judge(claims: tuple[Claim, ...], output: Shape, cost: Cost | Totals, scope: str = "") -> tuple[Check, ...]:
    flops = 2 * cost.macs
    actual: dict[str, Shape | int] = {
        "output": output,
        "params": cost.params,
        "trainable_params": cost.trainable,
        "non_trainable_params": cost.non_trainable,
        "macs": cost.macs,
        "flops": flops,
    }
    if isinstance(cost, Totals):
        actual["aux_macs"] = cost.aux_macs
        actual["activations"] = cost.activations
    return tuple(Check.of(c, actual[c.field], scope) for c in claims)


def _floors(node: Node, ins: tuple[Shape, ...], out: Shape) -> str | None:
    """If ``node`` rounds a size down (drops input rows/cols), say so."""
    layer = node.layer
    stride = getattr(layer, "step", None) or getattr(layer, "stride", None)
    if not isinstance(stride, tuple) or not ins or not ins[0].is_image or not out.is_image:
        return None
    x = ins[0]
    for size, got, s in ((x.h, out.h, stride[0]), (x.w, out.w, stride[1])):
        if s > 1 and got * s != size and size % s:
            return f"{node.name} ({node.kind}, stride {s}) takes {size} to {got}"
    return None


def _explain_mismatch(graph: Graph, node: Node, shapes: list[Shape]) -> str | None:
    """Find, for each merge input, the nearest earlier layer that rounded a size."""
    notes = []
    for i in node.inputs:
        j = i
        while j != INPUT:
            n = graph.nodes[j]
            ins = tuple(graph.input if k == INPUT else shapes[k] for k in n.inputs)
            if (why := _floors(n, ins, shapes[j])) is not None:
                notes.append(why)
                break
            j = n.inputs[0]
    if not notes:
        return None
    return "; ".join(dict.fromkeys(notes)) + " — choose an input size the strides divide exactly"


class _Failed(Exception):
    """Internal: a ShapeError together with the node and input shapes it happened at."""

    def __init__(self, error: ShapeError, node: Node, ins: tuple[Shape, ...], shapes: list[Shape]) -> None:
        self.error, self.node, self.ins, self.shapes = error, node, ins, shapes


def _propagate(graph: Graph) -> tuple[list[Shape], list[LayerReport]]:
    shapes: list[Shape] = []
    rows: list[LayerReport] = []
    for node in graph.nodes:
        ins = tuple(graph.input if i == INPUT else shapes[i] for i in node.inputs)
        try:
            out = node.layer.infer(ins)
            if max(out.dims) > MAX_INT:  # refused before it multiplies into thousands of digits
                raise ShapeError(f"the output would have a dimension above {MAX_INT:,}: {out}", code="E307")
            cost = node.layer.cost(ins, out)
            notes = node.layer.notes(ins, out)
        except ShapeError as exc:
            raise _Failed(exc, node, ins, shapes) from None
        shapes.append(out)
        checks = _judge(node.claims, out, cost)
        rows.append(LayerReport(node.name, node.kind, ins, out, cost, node.group, node.aux, node.pos, checks, notes,
                                layer=node.layer, sources=node.inputs, trace=node.trace))
    return shapes, rows


def at_input(graph: Graph, shape: Shape) -> Graph:
    """The same network on another input.  Its ``expect:`` claims were written for the spec's own
    input, so they are dropped rather than judged against sizes they never described."""
    return Graph(graph.name, shape, tuple(replace(n, claims=()) for n in graph.nodes), graph.output, (),
                 {k: replace(g, claims=()) for k, g in graph.groups.items()})


def accepts(graph: Graph, shape: Shape, exact: bool = False) -> bool:
    """Whether every layer of ``graph`` runs on an input of ``shape`` (and, if
    ``exact``, no window leaves input rows or columns unused)."""
    try:
        _, rows = _propagate(replace(graph, input=shape))
    except _Failed:
        return False
    if exact:
        return not any(leaves_unread(n.layer, r.inputs[0], r.output) for n, r in zip(graph.nodes, rows))
    return True


def accepted_sizes(graph: Graph, sizes: range, exact: bool = False) -> list[int]:
    """Square input sizes n (n x n x C) in ``sizes`` the graph accepts (H = W assumed)."""
    c = graph.input.dims[2:]
    return [n for n in sizes if accepts(graph, Shape((n, n, *c)), exact)]


def _nearest_working(graph: Graph) -> str | None:
    x = graph.input
    if not x.is_image or x.h != x.w or len(graph.nodes) > 2000:  # 129 re-runs: only for modest graphs
        return None
    found = accepted_sizes(graph, range(max(1, x.h - 64), x.h + 65))
    below = [n for n in found if n < x.h][-1:]
    above = [n for n in found if n > x.h][:1]
    if not below and not above:
        return None
    return "nearest input sizes that work: " + " and ".join(f"{n}x{n}" for n in below + above)


def _channels_first(x: Shape) -> str | None:
    """A PyTorch-style C x H x W input written where H x W x C is meant."""
    if x.is_image and x.h <= 4 and x.w == x.c and x.w > 4 * x.h:
        return f"input is H x W x C: did you mean {x.w}x{x.c}x{x.h}?"
    return None


def _decorate(graph: Graph, failed: _Failed) -> ShapeError:
    exc, node, ins = failed.error, failed.node, failed.ins
    shown = " and ".join(str(s) for s in ins)
    names = [("input" if i == INPUT else graph.nodes[i].name) for i in node.inputs]
    origin = f" (from {', '.join(names)})" if len(ins) > 1 else ""
    if shown in exc.message:
        exc.message = f"{node.name}: {exc.message}"
    else:
        exc.message = f"{node.name} on input {shown}{origin}: {exc.message}"
    if exc.hint is None:
        hints = [h for h in (_channels_first(graph.input),
                             _explain_mismatch(graph, node, failed.shapes) if len(ins) > 1 else None,
                             _nearest_working(graph)) if h]
        exc.hint = "; ".join(hints) or None
    exc.at(node.pos, node.trace)
    return exc


def analyze(graph: Graph) -> Report:
    """Propagate shapes through the graph and cost every layer."""
    try:
        shapes, rows = _propagate(graph)
    except _Failed as failed:
        raise _decorate(graph, failed) from None
    output = graph.input if graph.output == INPUT else shapes[graph.output]
    all_rows = tuple(rows)
    group_checks: list[Check] = []
    for instance, info in graph.groups.items():
        if not info.claims:
            continue
        members = tuple(r for r in all_rows if instance in r.group)
        last = members[-1].output if members else graph.input
        sub = Totals.of(members)
        if members and all(m.aux for m in members):  # a block inside an aux head: its MACs are aux MACs
            sub = replace(sub, macs=sub.aux_macs)
        group_checks.extend(_judge(info.claims, last, sub, instance))
    top = _judge(graph.claims, output, Totals.of(all_rows), "totals")
    return Report(graph.name, graph.input, output, all_rows, (*group_checks, *top))
