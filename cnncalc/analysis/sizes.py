"""Which input sizes a network accepts (``cnncalc sizes``, and the nearest-size hint of a shape error).

Only shapes are propagated here: no costs, notes or claims, which do not decide acceptance.
"""

from __future__ import annotations

from cnncalc.errors import ShapeError
from cnncalc.graph.nodes import INPUT, Graph
from cnncalc.shapes import Shape
from cnncalc.source.values import MAX_INT

NEAREST_LIMIT = 2000  # layers above which the nearest-size hint (129 propagations) is skipped


def output_shapes(graph: Graph, shape: Shape) -> list[Shape] | None:
    """Every node's output shape at input ``shape``, or None if some layer refuses it."""
    shapes: list[Shape] = []
    for node in graph.nodes:
        ins = tuple(shape if i == INPUT else shapes[i] for i in node.inputs)
        try:
            out = node.layer.infer(ins)
        except ShapeError:
            return None
        if max(out.dims) > MAX_INT:
            return None
        shapes.append(out)
    return shapes


def accepts(graph: Graph, shape: Shape, exact: bool = False) -> bool:
    """Whether every layer of ``graph`` runs on an input of ``shape`` (and, if ``exact``, no
    window leaves input rows or columns unread: lint's W101 rule, stated by each kind's window)."""
    shapes = output_shapes(graph, shape)
    if shapes is None:
        return False
    if not exact:
        return True
    for node in graph.nodes:
        x = shape if node.inputs[0] == INPUT else shapes[node.inputs[0]]
        windows = node.layer.windows(x) if x.is_image else None
        if windows is not None and any(w.unread for w in windows):
            return False
    return True


def accepted_sizes(graph: Graph, sizes: range, exact: bool = False) -> list[int]:
    """Square input sizes n (n x n x C) in ``sizes`` the graph accepts (H = W assumed)."""
    c = graph.input.dims[2:]
    return [n for n in sizes if accepts(graph, Shape((n, n, *c)), exact)]


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
