"""The work bound (cnncalc/graph/bounds.py), checked before anything expands: layers counted
through aliases, repeats and blocks (E155, E156) without building them; nesting depth after
expansion (E154) and the stack room it needs; block cycles named with their chain (E220)."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest
from failing import F, _laughs, _repeats, at, cli, only

import cnncalc
from cnncalc.graph.build import Builder
from cnncalc.limits import MAX_DEPTH_CEILING, Limits


@pytest.mark.parametrize(("text", "code"), [(_laughs(9), "E156"), (_laughs(5), "E155"), (_repeats(9), "E155")])
def test_billions_of_layers_are_refused_without_building_them(
    monkeypatch: pytest.MonkeyPatch, text: str, code: str
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("the builder started expanding layers")

    monkeypatch.setattr(Builder, "chain", never)
    tracemalloc.start()
    try:
        err = only(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == code and "--max-layers" in err.message
    assert peak < 20_000_000  # bytes; a billion layers would need hundreds of gigabytes


def test_layer_limit_counts_repeat_and_the_flag_raises_it(tmp_path: Path) -> None:
    text = "input: 8x8x3\nlayers:\n  - relu: ~\n    repeat: 30\n"
    assert only(text, Limits(max_layers=29)).code == "E155"
    assert len(cnncalc.analyze_text(text, F, Limits(max_layers=30)).rows) == 30
    code, err = cli(tmp_path, text, "--max-layers", "29")
    assert code == 2 and "error[E155]" in err
    assert cli(tmp_path, text, "--max-layers", "30")[0] == 0


def test_regression_empty_repetitions_count_too() -> None:
    # an empty block (or aux list) repeated 10**12 times builds nothing but loops 10**12 times
    err = only("input: 8x8x3\nlayers:\n  - aux: []\n    repeat: 1000000000000\n")
    assert err.code == "E155"


def _nested_merges(n: int, inner: str = "relu") -> str:
    for _ in range(n):
        inner = "{add: [[], [" + inner + "]]}"
    return inner


def test_regression_blocks_of_nested_merges_hit_the_depth_limit_not_recursion() -> None:
    # 48 blocks each nesting 18 merges: within the YAML depth limit line by line, but
    # 48 * 18 levels once expanded (this raised RecursionError)
    lines = ["input: 8x8x3", "blocks:", "  b0: {layers: [relu]}"]
    lines += [f"  b{i}: {{layers: [{_nested_merges(18, f'b{i - 1}')}]}}" for i in range(1, 48)]
    err = only("\n".join([*lines, "layers: [b47]"]) + "\n")
    assert err.code == "E154" and "--max-depth" in err.message and len(err.trace) > 1


def test_raised_depth_limit_builds_deep_nesting_without_recursion_error() -> None:
    # 300 nested merges need about 5 * 300 frames: more than Python's default limit of 1000
    depth = 300
    text = f"input: 8x8x3\nlayers: [{_nested_merges(depth)}]\n"
    assert only(text).code == "E151"  # the YAML itself is 3 levels per merge
    limit = sys.getrecursionlimit()
    report = cnncalc.analyze_text(text, F, Limits(max_depth=MAX_DEPTH_CEILING))
    assert len(report.rows) == depth + 1  # the relu and one add per level
    assert sys.getrecursionlimit() == limit  # restored


@pytest.mark.parametrize(
    ("blocks_text", "chain", "where"),
    [
        ("  a: {layers: [relu, a]}\n", "a -> a", (3, 22)),
        ("  a: {layers: [b]}\n  b: {layers: [c]}\n  c: {layers: [a]}\n", "a -> b -> c -> a", (5, 16)),
        ("  a: {layers: [{add: [[], [b]]}]}\n  b: {layers: [{aux: [a]}]}\n", "a -> b -> a", (4, 23)),
    ],
)
def test_block_cycles_are_named_with_their_chain(blocks_text: str, chain: str, where: tuple[int, int]) -> None:
    err = only(f"input: 8x8x3\nblocks:\n{blocks_text}layers: [a]\n")
    assert err.code == "E220" and err.message.endswith(chain) and at(err) == where


def test_unused_block_cycle_is_still_an_error() -> None:
    err = only("input: 8x8x3\nblocks:\n  a: {layers: [relu, a]}\nlayers: [relu]\n")
    assert err.code == "E220" and "a -> a" in err.message
