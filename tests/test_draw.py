"""cnncalc.render.draw: the network as Mermaid and Graphviz DOT text."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import cnncalc
from cnncalc.render.draw import picture, to_dot, to_mermaid

SPEC = """
input: 16x16x3
blocks:
  res:
    layers:
      - add: [[conv: {filters: 3, kernel: 3, padding: 1}, relu], null]
layers:
  - conv: {filters: 3, kernel: 3, padding: 1}
  - res
  - {res: null, name: second}
  - aux: [global_avgpool, flatten, dense: 5]
  - maxpool: 2
"""


def report(text: str = SPEC) -> cnncalc.Report:
    return cnncalc.analyze_text(text, "d.yaml")


def test_every_layer_is_a_box_with_its_shape_and_every_input_an_edge() -> None:
    r = report()
    text = to_mermaid(r)
    for row in r.rows:
        assert f"{row.name} · {row.kind}<br/>{row.output}" in text
    # edges: one per (source, layer) pair; the add of each block reads two paths
    pairs = {(s, i) for i, row in enumerate(r.rows) for s in row.sources}
    assert len(re.findall(r" (-->|-\.->) ", text)) == len(pairs)
    assert text.count("subgraph ") == 2  # res1 and second; an unnamed aux head is not a group
    assert "-.->" in text  # the aux head's edges are dashed


def test_depth_collapses_block_instances_into_one_box_with_subtotals() -> None:
    r = report()
    full, collapsed = picture(r), picture(r, depth=0)
    assert len(collapsed.labels) < len(full.labels)
    text = to_mermaid(r, depth=0)
    # each instance: add, conv, relu = 3 layers; conv 3·(3·3·3 + 1) = 84 params
    assert "res1 · 3 layers<br/>16x16x3 · 84 params" in text
    assert "second · 3 layers" in text


def test_user_text_cannot_break_out_of_a_label() -> None:
    evil = 'a"] --> x["pwned'
    text = f"input: 8x8x3\nlayers:\n  - {{relu: null, name: '{evil}'}}\n"
    mermaid = to_mermaid(report(text))
    assert "pwned" in mermaid and '"] -->' not in mermaid.split("\n", 2)[2]
    assert mermaid.count("-->") == 1  # only the real edge, input -> the layer
    dot = to_dot(report(text))
    assert '\\"' in dot  # the quote is escaped: the label string goes on
    assert len(re.findall(r'^    "[^"]*" -> "[^"]*";$', dot, flags=re.MULTILINE)) == 1


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt install graphviz)")
@pytest.mark.parametrize("spec", ["resnet18", "googlenet_aux", "unet"])
def test_graphviz_draws_the_bundled_networks(spec: str) -> None:
    from pathlib import Path

    r = cnncalc.analyze_file(Path(__file__).parent.parent / "specs" / f"{spec}.yaml")
    svg = subprocess.run(["dot", "-Tsvg"], input=to_dot(r, depth=1), capture_output=True, text=True, check=True).stdout
    assert svg.startswith("<?xml") and "<svg" in svg
    assert str(r.output) in svg and "input" in svg


def test_every_output_of_several_is_drawn_as_an_output() -> None:
    r = report("input: 8x8x3\nlayers:\n  - {conv: {filters: 2, kernel: 1}, name: a}\n  - maxpool: 2\n"
               "  - {conv: {filters: 2, kernel: 1}, name: b}\noutputs: [a, b]\n")
    assert picture(r).outputs == {"n0", "n2"}  # a and b, not the pool between them
    text = to_mermaid(r)
    assert 'n0(["a · conv' in text and 'n2(["b · conv' in text and 'n1["maxpool1' in text
