"""The graph stage's output: nodes in topological order, ready for one pass of analysis."""

from __future__ import annotations

from cnncalc.errors import SourcePos
from cnncalc.layers.base import Layer
from cnncalc.records import field, record
from cnncalc.shapes import Shape
from cnncalc.spec.expect import Claim
from cnncalc.spec.training import Setup

INPUT = -1  # index of the graph input in Node.inputs


@record(frozen=True, slots=True)
class Node:
    """One layer of the built network: its typed layer, the nodes it reads (INPUT for the
    network input), where it was written, and the block instances and claims around it."""

    name: str
    layer: Layer
    inputs: tuple[int, ...]
    pos: SourcePos
    trace: tuple[SourcePos, ...] = ()  # block uses that led here, innermost last
    group: tuple[str, ...] = ()  # enclosing block instances, outermost first
    aux: bool = False
    claims: tuple[Claim, ...] = ()

    @property
    def kind(self) -> str:
        return self.layer.kind


@record(frozen=True, slots=True)
class GroupInfo:
    """A block instance, named repeat or aux head: what it is, where it was used, its claims."""

    block: str
    pos: SourcePos
    claims: tuple[Claim, ...] = ()


@record(frozen=True, slots=True)
class Graph:
    """The network as nodes in topological order (each reads only earlier ones), its output
    nodes (the spec's ``outputs:`` in order, or the last layer of the flow), the top-level
    claims and the groups.  The input of the analysis stage."""

    name: str
    input: Shape
    nodes: tuple[Node, ...]
    outputs: tuple[int, ...]  # node indices (INPUT: the network input itself), at least one
    claims: tuple[Claim, ...] = ()
    groups: dict[str, GroupInfo] = field(default_factory=dict)
    # claims written inside blocks no layer uses: never judged (a block is judged per use), so a
    # report can say so instead of "no expectations" when these are all the spec has
    unjudged: tuple[Claim, ...] = ()
    budget: Setup | None = None  # the spec's `budget:` setting (a training step for budget claims)

    @property
    def output(self) -> int:
        """The first output (the only one, unless the spec lists ``outputs:``)."""
        return self.outputs[0]


def cuts(graph: Graph) -> list[bool]:
    """Whether each node is a cut: nothing after it reads the input or a node before it, so
    what follows depends on its output shape alone.  (Suffix minima of the inputs read: linear.)"""
    n = len(graph.nodes)
    low = [n] * (n + 1)  # low[k]: the smallest input index read by nodes k.. (INPUT is -1)
    for k in range(n - 1, -1, -1):
        low[k] = min(low[k + 1], *graph.nodes[k].inputs)
    return [low[k + 1] >= k for k in range(n)]



def stretches(graph: Graph) -> list[range]:
    """The nodes from one cut to the next, in order: a stretch reads only its own nodes and the
    node just before it (the network input, for the first), so its shapes follow from that one."""
    out, start = [], 0
    for k, is_cut in enumerate(cuts(graph)):
        if is_cut:
            out.append(range(start, k + 1))
            start = k + 1
    return out

def first_equal(graph: Graph) -> list[int]:
    """For each node, the first node whose layer equals its own (itself if none): equal layers
    (a repeated block's) on equal inputs give equal shapes and costs.  A layer value that cannot
    be hashed is equal only to itself."""
    first: dict[object, int] = {}
    same = []
    for k, node in enumerate(graph.nodes):
        try:
            same.append(first.setdefault(node.layer, k))
        except TypeError:
            same.append(k)
    return same
