"""Graph building: names, references, merges, aux heads, repeat and blocks."""

from __future__ import annotations

import textwrap

import pytest

import cnncalc
from cnncalc.errors import CnnCalcError, flatten


def run(text: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), "g.yaml")


def errors_of(text: str) -> list[CnnCalcError]:
    with pytest.raises(CnnCalcError) as info:
        run(text)
    return flatten(info.value)


RESNET_BASIC = """
    input: 56x56x64
    blocks:
      basic:
        args: {filters: 64, stride: 1}
        layers:
          - add:
              - [conv: {filters: $filters, kernel: 3, stride: $stride, padding: 1, bias: false}, bn, relu,
                 conv: {filters: $filters, kernel: 3, padding: 1, bias: false}, bn]
              - []
          - relu
    layers:
      - basic: {filters: 64}
        repeat: 2
"""


def test_resnet_basic_blocks() -> None:
    r = run(RESNET_BASIC)
    # two blocks x (two 3x3 convs 64->64 without bias + two BNs):
    # conv 64*64*9 = 36,864; BN 2*64 trainable + 2*64 running stats
    assert r.totals.trainable == 2 * (2 * 36_864 + 2 * 128)
    assert r.totals.non_trainable == 2 * 2 * 128
    # MACs: 56*56*64*64*9 = 115,605,504 per conv, four convs
    assert r.totals.macs == 4 * 115_605_504
    assert r.output.dims == (56, 56, 64)
    groups = {row.group for row in r.rows}
    assert groups == {("basic1",), ("basic2",)}
    assert sum(row.kind == "add" for row in r.rows) == 2


def test_block_expression_and_downsampling_shortcut() -> None:
    r = run("""
        input: 56x56x64
        blocks:
          down:
            args: {filters: 128}
            layers:
              - add:
                  - [conv: {filters: $filters, kernel: 3, stride: 2, padding: 1}]
                  - [conv: {filters: ${filters * 2 // 2}, kernel: 1, stride: 2}]
        layers:
          - down
    """)
    # 3x3 s2 p1: floor((56+2-3)/2)+1 = 28; 1x1 s2: floor(55/2)+1 = 28
    assert r.output.dims == (28, 28, 128)
    # params: 128*(64*9+1) + 128*(64+1) = 73,856 + 8,320
    assert r.totals.trainable == 82_176


def test_named_reference_and_path_from_name() -> None:
    r = run("""
        input: 32x32x3
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1}
            name: skip
          - maxpool: 2
          - upsample: 2
          - concat: [skip, []]
          - concat: [[skip, conv: {filters: 4, kernel: 1}], []]
    """)
    assert r.rows[3].output.dims == (32, 32, 16)  # 8 + 8
    assert r.output.dims == (32, 32, 20)  # 4 + 16


def test_aux_head_params_count_macs_apart() -> None:
    r = run("""
        input: 8x8x4
        layers:
          - conv: {filters: 4, kernel: 1}
          - aux: [global_avgpool, flatten, dense: 10]
          - flatten
    """)
    # main: conv 4*(4+1) = 20 params, 8*8*4*4 = 1,024 MACs; aux dense 4*10+10 = 50, 40 MACs
    assert r.totals.trainable == 70
    assert r.totals.macs == 1024
    assert r.totals.aux_macs == 40
    assert r.output.dims == (256,)  # flatten of the main 8x8x4, not of the head


def test_repeat_on_a_plain_layer() -> None:
    r = run("""
        input: 16x16x3
        layers:
          - conv: {filters: 3, kernel: 3, padding: 1}
            repeat: 3
            name: last
          - add: [last, []]
    """)
    # a named repetition is one group; the name refers to its last output
    assert [row.name for row in r.rows] == ["conv1", "conv2", "conv3", "add1"]
    assert [row.group for row in r.rows] == [("last",)] * 3 + [()]
    assert r.rows[3].inputs == (r.rows[2].output, r.rows[2].output)


def test_named_repeat_expect_applies_to_the_whole_group() -> None:
    r = run("""
        input: 8x8x4
        layers:
          - conv: {filters: 4, kernel: 1}
            repeat: 2
            name: pair
            expect: {params: 40}
    """)
    # two 1x1 convs 4->4 with bias: 2 * 4*(4+1) = 40
    assert [c.ok for c in r.checks] == [True] and r.checks[0].scope == "pair"


def test_repeat_zero_adds_nothing_so_a_stage_of_one_block_works() -> None:
    r = run("""
        input: 8x8x4
        blocks:
          stage:
            args: {n: 2}
            layers:
              - conv: {filters: 4, kernel: 1}
              - conv: {filters: 4, kernel: 3, padding: 1}
                repeat: ${n - 1}
        layers:
          - stage: {n: 1}
            name: s1
          - stage: {n: 3}
    """)
    # s1: one 1x1 conv, 4·(4 + 1) = 20 params; the second stage: 20 + 2 · 4·(4·9 + 1) = 316
    assert [row.kind for row in r.rows] == ["conv"] * 4
    assert r.totals.params == 20 + 316


@pytest.mark.parametrize(("entry", "code"), [
    ("- relu:\n    repeat: 0\n    name: nothing", "E111"),   # nothing to name
    ("- relu:\n    repeat: -1", "E111"),
    ("- reul:\n    repeat: 0", "E120"),                     # the kind is still checked
    ("- conv: {filters: 2, kernal: 3}\n    repeat: 0", "E121"),  # and so are its arguments
])
def test_repeat_zero_still_checks_the_entry(entry: str, code: str) -> None:
    errs = errors_of(f"input: 8x8x4\nlayers:\n  - relu\n  {entry}\n")
    assert code in {e.code for e in errs}


def test_block_scalar_argument_and_group_expect() -> None:
    r = run("""
        input: 8x8x2
        blocks:
          c:
            args: {n: 4}
            layers: [conv: {filters: $n, kernel: 1}]
        layers:
          - c: 6
            expect: {params: 18, output: 8x8x6}
    """)
    # 6 * (2 + 1) = 18
    assert [c.ok for c in r.checks] == [True, True]
    assert r.checks[0].scope == "c1"


def test_unknown_reference_has_did_you_mean() -> None:
    [err] = errors_of("""
        input: 8x8x2
        layers:
          - conv: {filters: 2, kernel: 1}
            name: stem
          - add: [stme, []]
    """)
    assert err.code == "E201"
    assert (err.pos.line, err.pos.col) == (6, 11) if err.pos else False
    assert err.hint == "did you mean 'stem'?"


def test_all_spec_errors_reported_together() -> None:
    errs = errors_of("""
        input: 8x8x2
        layers:
          - conv: {filtres: 2, kernel: 1}
          - reul
          - maxpool: {kernel: 2, ceil: true}
    """)
    assert [e.code for e in errs] == ["E121", "E123", "E120", "E121"]
    assert errs[0].hint == "did you mean 'filters'?"
    assert errs[2].hint == "did you mean 'relu'?"


def test_block_cycle_is_named() -> None:
    [err] = errors_of("""
        input: 8x8x2
        blocks:
          a: {layers: [b]}
          b: {layers: [relu, a]}
        layers: [a]
    """)
    assert err.code == "E220"
    assert "a -> b -> a" in err.message


def test_shape_error_inside_block_points_at_line_and_use() -> None:
    [err] = errors_of("""
        input: 4x4x2
        blocks:
          big:
            args: {k: 3}
            layers: [conv: {filters: 2, kernel: $k}]
        layers:
          - big: {k: 5}
    """)
    assert err.code == "E302"
    assert err.pos is not None and err.pos.line == 6
    assert [p.line for p in err.trace] == [8]
    assert "conv1" in err.message and "4x4x2" in err.message


def test_merge_mismatch_names_the_rounding_layer() -> None:
    [err] = errors_of("""
        input: 15x15x1
        layers:
          - conv: {filters: 4, kernel: 3, padding: 1}
            name: d
          - maxpool: 2
          - upsample: 2
          - concat: [d, []]
    """)
    assert err.code == "E310"
    assert "15x15x4" in err.message and "14x14x4" in err.message
    assert err.hint is not None and "maxpool1" in err.hint and "takes 15 to 7" in err.hint


def test_layer_count_limit_refuses_before_expanding() -> None:
    text = "input: 4x4x1\nblocks:\n  b0: {layers: [relu, relu, relu, relu, relu, relu, relu, relu, relu, relu]}\n"
    for i in range(1, 12):
        text += f"  b{i}: {{layers: [{{b{i - 1}: null, repeat: 10}}]}}\n"
    text += "layers: [b11]\n"  # 10^12 layers
    with pytest.raises(cnncalc.LimitError) as info:
        cnncalc.analyze_text(text, "big.yaml")
    assert "100,000" in info.value.message


def test_block_inside_aux_head_is_judged_on_its_aux_macs() -> None:
    r = run("""
        input: 4x4x2
        blocks:
          head: {layers: [dense: 3]}
        layers:
          - aux:
              - head:
                name: h
                expect: {macs: 96}
    """)
    # dense on 4x4x2: 16 positions * 2 * 3 = 96 MACs, all in the aux head
    assert [c.ok for c in r.checks] == [True]


@pytest.mark.parametrize("bad", ['"b1.c"', '""'])
def test_names_with_a_dot_or_empty_are_refused(bad: str) -> None:
    [err] = errors_of(f"""
        input: 8x8x2
        layers:
          - conv: {{filters: 2, kernel: 1}}
            name: {bad}
    """)
    assert err.code == "E212" and err.pos is not None and err.pos.line == 5


def test_block_default_may_use_other_arguments() -> None:
    r = run("""
        input: 8x8x3
        blocks:
          b:
            args: {width: 4, wide: "${2 * width}", shortcut: [conv: {filters: $wide, kernel: 1}]}
            layers:
              - add: [[conv: {filters: $wide, kernel: 3, padding: 1}], $shortcut]
        layers:
          - b: {width: 5}
    """)
    # wide = 2*5 = 10 channels: 3x3 conv 10*(3*9+1) = 280, 1x1 shortcut 10*(3+1) = 40
    assert r.output.dims == (8, 8, 10)
    assert r.totals.trainable == 320


def test_quoted_shapes_are_shapes() -> None:
    r = run("""
        input: "7x7x3"
        layers:
          - conv: {filters: 1, kernel: 3}
            expect: {output: "5x5x1"}
    """)
    assert r.input.dims == (7, 7, 3) and r.checks == () and r.rows[0].checks[0].ok  # (7-3)+1 = 5


@pytest.mark.parametrize("body", ["[nokind]", "[add: [nolayer, []]]", "[add: [[nolayer, relu], []]]"])
def test_an_error_in_a_block_used_many_times_costs_one_suggestion(body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown kind inside a block used 5,000 times, beside 5,000 blocks, took 28 s: every
    use scanned every name for a 'did you mean'.  Counted: one scan per word and position."""
    from cnncalc.graph import build as graph

    calls = 0
    original = graph.did_you_mean

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal calls
        calls += 1
        return original(word, options)

    monkeypatch.setattr(graph, "did_you_mean", counted)
    for uses in (10, 1000):
        calls = 0
        text = ("input: 8x8x3\nblocks:\n" + "".join(f"  blk{i}: {{layers: [relu]}}\n" for i in range(200))
                + f"  bad: {{layers: {body}}}\nlayers:\n  - bad: ~\n    repeat: {uses}\n")
        codes = {e.code for e in errors_of(text)}
        assert codes <= {"E120", "E201"} and codes
        assert calls <= 2


def test_a_top_level_repeat_written_as_an_expression_counts_toward_the_layer_limit() -> None:
    """The budget read top-level entries without substituting them (no block arguments there),
    so `repeat: ${1000 * 1000 * 1000}` passed as one layer and then built for ever."""
    [err] = errors_of("""
        input: 8x8x3
        layers:
          - relu:
            repeat: ${1000 * 1000 * 1000}
    """)
    assert err.code == "E155"
