"""Graph -> Report: one pass of shape propagation and costing, in node order; claims judged once."""

from __future__ import annotations

from cnncalc.analysis.lint import channels_first
from cnncalc.analysis.report import Check, LayerReport, Output, Report, Totals
from cnncalc.errors import ShapeError
from cnncalc.graph.nodes import INPUT, Graph, Node, first_equal, stretches
from cnncalc.records import replace
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import MAX_INT
from cnncalc.spec.expect import BUDGET_FIELDS, Claim


def _judge(claims: tuple[Claim, ...], output: Shape, cost: Cost | Totals, scope: str = "",
           outputs: tuple[Shape, ...] = ()) -> tuple[Check, ...]:
    flops = 2 * cost.macs
    actual: dict[str, Shape | int | tuple[Shape, ...]] = {
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
        actual["outputs"] = outputs
    return tuple(Check.of(c, actual[c.field], scope) for c in claims)


def _floors(node: Node, ins: tuple[Shape, ...], out: Shape) -> str | None:
    """If ``node`` rounds a size down (its windows drop input rows/cols), say so."""
    x = ins[0] if ins else None
    windows = node.layer.windows(x) if x is not None and x.is_image else None
    if windows is None:
        return None
    for w in windows:
        if w.stride > 1 and w.out * w.stride != w.size and w.size % w.stride:
            return f"{node.name} ({node.kind}, stride {w.stride}) takes {w.size} to {w.out}"
    return None


SHOWN_INPUTS = 4  # a merge of thousands of paths names the first few in a message


def _explain_mismatch(graph: Graph, node: Node, shapes: list[Shape]) -> str | None:
    """Find, for each merge input, the nearest earlier layer that rounded a size."""
    notes: dict[str, None] = {}
    seen: set[int] = set()
    for i in node.inputs:
        j = i
        while j != INPUT and j not in seen:  # paths share their trunk: walk each node once
            seen.add(j)
            n = graph.nodes[j]
            ins = tuple(graph.input if k == INPUT else shapes[k] for k in n.inputs)
            if (why := _floors(n, ins, shapes[j])) is not None:
                notes[why] = None
                break
            j = n.inputs[0]
    if not notes:
        return None
    shown = list(notes)[:SHOWN_INPUTS]
    more = f"; and {len(notes) - len(shown)} more" if len(notes) > len(shown) else ""
    return "; ".join(shown) + more + " — choose an input size the strides divide exactly"


class _Failed(Exception):
    """Internal: a ShapeError together with the node and input shapes it happened at."""

    def __init__(self, error: ShapeError, node: Node, ins: tuple[Shape, ...], shapes: list[Shape]) -> None:
        self.error, self.node, self.ins, self.shapes = error, node, ins, shapes


class Memo:
    """Rows shared by analyses of one graph at several inputs (``summary -i``).  Past a cut node
    (:func:`~cnncalc.graph.nodes.cuts`) the rows up to the next cut depend on that node's output
    shape alone, and past a stride many input sizes give it the same shape: each (stretch between
    cuts, shape entering it) is analysed once, and looked up once per size after that."""

    def __init__(self, graph: Graph) -> None:
        self.end = {s.start: s.stop for s in stretches(graph)}  # a stretch's first node -> after its last
        self.rows: dict[tuple[int, Shape], tuple[LayerReport, ...]] = {}
        self.same = first_equal(graph)  # equal layers at equal inputs: equal results
        self.results: dict[tuple[int, tuple[Shape, ...]], tuple[Shape, Cost, tuple[str, ...]]] = {}


def _propagate(graph: Graph, memo: Memo | None = None) -> tuple[list[Shape], list[LayerReport]]:
    shapes: list[Shape] = []
    rows: list[LayerReport] = []
    nodes, k = graph.nodes, 0
    while k < len(nodes):
        end = memo.end[k] if memo is not None else len(nodes)
        key = (k, graph.input if k == 0 else shapes[k - 1])
        if memo is not None and (known := memo.rows.get(key)) is not None:
            rows.extend(known)
            shapes.extend(r.output for r in known)
            k = end
            continue
        for j in range(k, end):
            node = nodes[j]
            ins = tuple(graph.input if i == INPUT else shapes[i] for i in node.inputs)
            if memo is not None and (done := memo.results.get((memo.same[j], ins))) is not None:
                out, cost, notes = done
            else:
                out, cost, notes = _results(node, ins, shapes)
                if memo is not None:
                    memo.results[(memo.same[j], ins)] = out, cost, notes
            shapes.append(out)
            checks = _judge(node.claims, out, cost) if node.claims else ()
            rows.append(LayerReport(node.name, node.kind, ins, out, cost, node.group, node.aux, node.pos, checks,
                                    notes, layer=node.layer, sources=node.inputs, trace=node.trace))
        if memo is not None and not any(node.claims for node in nodes[k:end]):
            memo.rows[key] = tuple(rows[k:end])
        k = end
    return shapes, rows


def _results(node: Node, ins: tuple[Shape, ...], shapes: list[Shape]) -> tuple[Shape, Cost, tuple[str, ...]]:
    """A layer's output, cost and notes on ``ins`` (``shapes``: the outputs before, for an error)."""
    try:
        out = node.layer.infer(ins)
        if max(out.dims) > MAX_INT:  # refused before it multiplies into thousands of digits
            raise ShapeError(f"the output would have a dimension above {MAX_INT:,}: {out}", code="E307")
        return out, node.layer.cost(ins, out), node.layer.notes(ins, out)
    except ShapeError as exc:
        raise _Failed(exc, node, ins, shapes) from None


def at_input(graph: Graph, shape: Shape) -> Graph:
    """The same network on another input.  Its ``expect:`` claims were written for the spec's own
    input, so they are dropped rather than judged against sizes they never described."""
    if graph.claims or graph.budget or any(n.claims for n in graph.nodes) or any(
            g.claims for g in graph.groups.values()):
        graph = Graph(graph.name, graph.input, tuple(replace(n, claims=()) for n in graph.nodes), graph.outputs, (),
                      {k: replace(g, claims=()) for k, g in graph.groups.items()})
    return replace(graph, input=shape)  # (a graph without claims: its nodes are shared, not copied)


def _decorate(graph: Graph, failed: _Failed) -> ShapeError:
    exc, node, ins = failed.error, failed.node, failed.ins
    shown = " and ".join(str(s) for s in ins[:SHOWN_INPUTS]) + (f" and {len(ins) - SHOWN_INPUTS} more"
                                                               if len(ins) > SHOWN_INPUTS else "")
    names = [("input" if i == INPUT else graph.nodes[i].name) for i in node.inputs[:SHOWN_INPUTS]]
    origin = f" (from {', '.join(names)}{', ...' if len(ins) > SHOWN_INPUTS else ''})" if len(ins) > 1 else ""
    if shown in exc.message:
        exc.message = f"{node.name}: {exc.message}"
    else:
        exc.message = f"{node.name} on input {shown}{origin}: {exc.message}"
    if exc.hint is None:
        from cnncalc.analysis.sizes import nearest_working  # 129 propagations: only for an error

        meant = channels_first(graph.input)
        hints = [h for h in (f"input is H x W x C: did you mean {meant}?" if meant else None,
                             _explain_mismatch(graph, node, failed.shapes) if node.layer.arity == 0 else None,
                             nearest_working(graph)) if h]
        exc.hint = "; ".join(hints) or None
    exc.at(node.pos, node.trace)
    return exc


def analyze(graph: Graph, memo: Memo | None = None) -> Report:
    """Propagate shapes through the graph and cost every layer.  ``memo``, shared by analyses of
    one graph at several inputs (``-i``, each :func:`at_input` of the graph it was made for),
    keeps the rows of each stretch between cut nodes per the shape entering it."""
    try:
        shapes, rows = _propagate(graph, memo)
    except _Failed as failed:
        raise _decorate(graph, failed) from None
    outputs = tuple(Output("input", i, graph.input) if i == INPUT else Output(rows[i].name, i, shapes[i])
                    for i in graph.outputs)
    all_rows = tuple(rows)
    claimed = [g for g, info in graph.groups.items() if info.claims]
    by_group: dict[str, list[LayerReport]] = {g: [] for g in claimed}
    for r in all_rows:  # one pass: a row belongs to every group it is nested in
        for g in r.group:
            if g in by_group:
                by_group[g].append(r)
    group_checks: list[Check] = []
    for instance in claimed:
        info = graph.groups[instance]
        members = tuple(by_group[instance])
        last = members[-1].output if members else graph.input
        sub = Totals.of(members)
        if members and all(m.aux for m in members):  # a block inside an aux head: its MACs are aux MACs
            sub = replace(sub, macs=sub.aux_macs)
        group_checks.extend(_judge(info.claims, last, sub, instance))
    shown = tuple(o.shape for o in outputs)
    now = tuple(c for c in graph.claims if c.field not in BUDGET_FIELDS)
    pending = tuple(c for c in graph.claims if c.field in BUDGET_FIELDS)  # judged by a training step
    report = Report(graph.name, graph.input, shown[0], all_rows, tuple(group_checks), outputs, pending=pending,
                    budget=graph.budget)
    if not now:
        return report
    return replace(report, checks=(*group_checks, *_judge(now, shown[0], report.totals, "totals", shown)))
