"""Which input sizes a network accepts (``cnncalc sizes``, and the nearest-size hint of a shape error).

Only shapes are propagated here: no costs, notes or claims, which do not decide acceptance.
"""

from __future__ import annotations

from cnncalc.errors import ShapeError
from cnncalc.graph.nodes import INPUT, Graph
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


def cuts(graph: Graph) -> list[bool]:
    """Whether each node is a cut: nothing after it reads the input or a node before it, so
    what follows depends on its output shape alone.  (Suffix minima of the inputs read: linear.)"""
    n = len(graph.nodes)
    low = [n] * (n + 1)  # low[k]: the smallest input index read by nodes k.. (INPUT is -1)
    for k in range(n - 1, -1, -1):
        low[k] = min(low[k + 1], *graph.nodes[k].inputs)
    return [low[k + 1] >= k for k in range(n)]


class _Acceptance:
    """Acceptance at many input sizes.  Past a stride many sizes give the same shape, and past a
    cut node the rest depends on that shape only: each (cut, shape) is decided once, so a range of
    sizes costs about the distinct shapes each stage sees, not sizes x layers."""

    def __init__(self, graph: Graph, exact: bool) -> None:
        self.graph, self.exact = graph, exact
        self.cut = cuts(graph)
        self.rest: list[dict[Shape, bool]] = [{} for _ in graph.nodes]  # cut -> its shape -> the rest runs

    def __call__(self, shape: Shape) -> bool:
        shapes: list[Shape] = []
        seen: list[tuple[int, Shape]] = []  # the cuts passed, to learn from this run
        ok = True
        for k, node in enumerate(self.graph.nodes):
            ins = tuple(shape if i == INPUT else shapes[i] for i in node.inputs)
            out = _infer(node.layer, ins)
            if out is None or (self.exact and _unread(node.layer, ins[0])):
                ok = False
                break
            shapes.append(out)
            if self.cut[k]:
                known = self.rest[k].get(out)
                if known is not None:
                    ok = known
                    break
                seen.append((k, out))
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
