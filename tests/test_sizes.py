"""cnncalc.analysis.sizes: which input sizes a network accepts.

``accepted_sizes`` decides each (cut node, shape) once instead of running every layer at every
size; it must answer exactly what running every layer at every size answers — the definition,
written out here independently — on every bundled spec and every network of the kind cases.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cnncalc.analysis.sizes import accepted_sizes, output_shapes
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import INPUT, Graph, cuts, first_equal
from cnncalc.shapes import Shape
from cnncalc.spec.parse import parse_spec

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


def by_definition(graph: Graph, sizes: range, exact: bool) -> list[int]:
    """Every layer run at every size; with ``exact``, no window may leave a row or column unread."""
    found = []
    for n in sizes:
        shape = Shape((n, n, *graph.input.dims[2:]))
        shapes = output_shapes(graph, shape)
        if shapes is None:
            continue
        if exact:
            firsts = [shape if node.inputs[0] == INPUT else shapes[node.inputs[0]] for node in graph.nodes]
            windows = [node.layer.windows(x) if x.is_image else None for node, x in zip(graph.nodes, firsts, strict=True)]
            if any(w is not None and any(a.unread for a in w) for w in windows):
                continue
        found.append(n)
    return found


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_bundled_spec_accepts_what_running_every_layer_accepts(path: Path) -> None:
    graph = build_graph(parse_spec(path.read_text(encoding="utf-8"), str(path)))
    if not graph.input.is_image:
        pytest.skip("a vector input has no size to vary")
    sizes = range(1, 130 if len(graph.nodes) > 300 else 260)
    for exact in (False, True):
        assert accepted_sizes(graph, sizes, exact) == by_definition(graph, sizes, exact)


def test_every_case_network_accepts_what_running_every_layer_accepts() -> None:
    checked = 0
    for path in sorted((ROOT / "tests" / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            if "error" in case:
                continue
            graph = build_graph(parse_spec(yaml.safe_dump({"input": case["input"], "layers": case["layers"]}), path.name))
            if not graph.input.is_image:
                continue
            for exact in (False, True):
                assert accepted_sizes(graph, range(1, 80), exact) == by_definition(graph, range(1, 80), exact), case
            checked += 1
    assert checked >= 80


def test_cuts_are_the_nodes_everything_after_reads_through() -> None:
    # a residual block: conv1 -> conv2, add(conv2, conv1) -> relu.  conv2 is not a cut (the add
    # reads conv1 past it); conv1, the add and the relu are.
    text = ("input: 8x8x4\nlayers:\n  - conv: {filters: 4, kernel: 3, padding: 1}\n"
            "  - add:\n    - [{conv: {filters: 4, kernel: 3, padding: 1}}]\n    - []\n  - relu\n")
    graph = build_graph(parse_spec(text, "t.yaml"))
    assert [n.layer.kind for n in graph.nodes] == ["conv", "conv", "add", "relu"]
    assert cuts(graph) == [True, False, True, True]


def test_first_equal_names_the_first_node_with_an_equal_layer() -> None:
    # conv(4), relu, conv(4), relu, conv(8): the second conv and relu repeat the first ones
    text = ("input: 8x8x4\nlayers:\n  - conv: {filters: 4, kernel: 3, padding: 1}\n  - relu\n"
            "  - conv: {filters: 4, kernel: 3, padding: 1}\n  - relu\n  - conv: {filters: 8, kernel: 3}\n")
    assert first_equal(build_graph(parse_spec(text, "t.yaml"))) == [0, 1, 0, 1, 4]
    from types import SimpleNamespace

    odd = SimpleNamespace(nodes=[SimpleNamespace(layer=[1]), SimpleNamespace(layer=[1])])  # unhashable values
    assert first_equal(odd) == [0, 1]  # type: ignore[arg-type]
