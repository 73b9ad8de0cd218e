"""Which input sizes a network accepts (``cnncalc sizes``, and the nearest-size hint of a shape error).

Only shapes are propagated here: no costs, notes or claims, which do not decide acceptance.
"""

from __future__ import annotations

from cnncalc.errors import ShapeError
from cnncalc.graph.nodes import INPUT, Graph, first_equal, stretches
from cnncalc.layers.base import Layer
from cnncalc.shapes import Shape
from cnncalc.source.values import MAX_INT

NEAREST_LIMIT = 2000  # layers above which the nearest-size hint (129 propagations) is skipped


def output_shapes(graph: Graph, shape: Shape) -> list[Shape] | None:
    """Every node's output shape at input ``shape``, or None if some layer refuses it."""
    shapes: list[Shape] = []
    for node in graph.nodes:
        ins = tuple(shape if i == INPUT else shapes[i] for i in node.inputs)
        out = _infer(node.layer, ins)
        if out is None:
            return None
        shapes.append(out)
    return shapes


def _infer(layer: Layer, ins: tuple[Shape, ...]) -> Shape | None:
    try:
        out = layer.infer(ins)
    except ShapeError:
        return None
    return None if max(out.dims) > MAX_INT else out


def _unread(layer: Layer, x: Shape) -> bool:
    """Whether ``layer``'s window leaves rows or columns of ``x`` unread (lint's W101 rule)."""
    windows = layer.windows(x) if x.is_image else None
    return windows is not None and any(w.unread for w in windows)


class _Acceptance:
    """Acceptance at many input sizes, hopping from cut node to cut node.  Past a cut the rest
    depends on its output shape only, and past a stride many sizes give the same shape: each
    (cut, shape) is decided once.  A stretch between two cuts repeated with the same layers and
    wiring (a ResNet stage's identical blocks) maps a shape to the same shape: each (stretch,
    shape entering) is run once.  So a range of sizes costs about the distinct shapes each
    distinct stretch sees, not sizes x layers."""

    def __init__(self, graph: Graph, exact: bool) -> None:
        self.graph, self.exact = graph, exact
        nodes, same = graph.nodes, first_equal(graph)
        kinds: dict[tuple[tuple[int, tuple[int, ...]], ...], int] = {}
        self.stretches: list[tuple[int, int, int]] = []  # (start, end, kind of stretch)
        for span in stretches(graph):
            wiring = tuple((same[j], tuple(i if i == INPUT else i - span.start for i in nodes[j].inputs))
                           for j in span)
            self.stretches.append((span.start, span.stop, kinds.setdefault(wiring, len(kinds))))
        self.hops: dict[tuple[int, Shape], Shape | None] = {}  # (stretch kind, shape in) -> out; None: refused
        self.rest: list[dict[Shape, bool]] = [{} for _ in nodes]  # cut -> its shape -> the rest runs

    def _run(self, start: int, end: int, shape: Shape) -> Shape | None:
        """The output of nodes start..end-1 when node start - 1 (or the input) gives ``shape``."""
        shapes: list[Shape] = []
        for node in self.graph.nodes[start:end]:
            ins = tuple(shape if i == INPUT or i == start - 1 else shapes[i - start] for i in node.inputs)
            out = _infer(node.layer, ins)
            if out is None or (self.exact and _unread(node.layer, ins[0])):
                return None
            shapes.append(out)
        return shapes[-1]

    def __call__(self, shape: Shape) -> bool:
        seen: list[tuple[int, Shape]] = []  # the cuts passed, to learn from this run
        ok = True
        for start, end, kind in self.stretches:
            key = (kind, shape)
            if key in self.hops:
                out = self.hops[key]
            else:
                out = self.hops[key] = self._run(start, end, shape)
            if out is None:
                ok = False
                break
            known = self.rest[end - 1].get(out)
            if known is not None:
                ok = known
                break
            seen.append((end - 1, out))
            shape = out
        for k, out in seen:
            self.rest[k][out] = ok
        return ok


def accepts(graph: Graph, shape: Shape, exact: bool = False) -> bool:
    """Whether every layer of ``graph`` runs on an input of ``shape`` (and, if ``exact``, no
    window leaves input rows or columns unread: lint's W101 rule, stated by each kind's window)."""
    return _Acceptance(graph, exact)(shape)


def accepted_sizes(graph: Graph, sizes: range, exact: bool = False) -> list[int]:
    """Square input sizes n (n x n x C) in ``sizes`` the graph accepts (H = W assumed)."""
    c = graph.input.dims[2:]
    accept = _Acceptance(graph, exact)
    return [n for n in sizes if accept(Shape((n, n, *c)))]


def nearest_working(graph: Graph) -> str | None:
    """The nearest square input sizes below and above the spec's that every layer accepts."""
    x = graph.input
    if not x.is_image or x.h != x.w or len(graph.nodes) > NEAREST_LIMIT:
        return None
    found = accepted_sizes(graph, range(max(1, x.h - 64), x.h + 65))
    below = [n for n in found if n < x.h][-1:]
    above = [n for n in found if n > x.h][:1]
    if not below and not above:
        return None
    return "nearest input sizes that work: " + " and ".join(f"{n}x{n}" for n in below + above)
