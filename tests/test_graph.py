"""Graph building (cnncalc/graph/build.py): names, references, merges, aux heads, repeat and
blocks; errors positioned in the layer and at each block use that reached it; did-you-mean
suggestions computed only for errors, and at most for the errors reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from failing import BLOCKS, F, at, fail, only
from invoke import cli

import cnncalc
from cnncalc.errors import CnnCalcError, flatten, format_error
from cnncalc.graph import build as graph


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


# --- merges and paths, aux heads, unused blocks, positions through block uses, bounded hints ----


def test_errors_in_an_unused_block_are_reported() -> None:
    """'all spec errors of a file in one run' -- an unknown kind in a block nobody uses yet."""
    errs = errors_of("""
        input: 8x8x4
        blocks:
          spare: {layers: [reul]}
        layers: [relu]
    """)
    assert [e.code for e in errs] == ["E120"]


def test_misspelt_name_at_the_start_of_a_path_gets_did_you_mean() -> None:
    """'A path may begin with a name' + did-you-mean: [enc44, crop: ...] should suggest enc4."""
    [err] = errors_of("""
        input: 16x16x4
        layers:
          - conv: {filters: 4, kernel: 3}
            name: enc4
          - conv: {filters: 4, kernel: 3}
            name: up4
          - concat: [[enc44, crop: {to: up4}], []]
    """)
    assert err.hint == "did you mean 'enc4'?"


def test_issue3_merge_snippet_verbatim() -> None:
    """The issue's snippet: a ResNet basic block as add of a path and [], relu, then the U-Net
    skip concat: [d4, []] (the output named d4, then the current tensor)."""
    r = run("""
        input: 56x56x64
        layers:
          - conv: {filters: 64, kernel: 1}
            name: d4
          - add:                       # ResNet basic block
              - [conv: {filters: 64, kernel: 3, padding: 1, bias: false}, bn, relu,
                 conv: {filters: 64, kernel: 3, padding: 1, bias: false}, bn]
              - []
          - relu
          - concat: [d4, []]           # U-Net skip: the output named d4, then the current tensor
    """)
    add = next(x for x in r.rows if x.kind == "add")
    d4 = next(x for x in r.rows if x.name == "d4")
    assert add.inputs == (add.inputs[0], d4.output) and add.output.dims == (56, 56, 64)
    concat = r.rows[-1]
    assert concat.inputs[0] == d4.output and concat.output.dims == (56, 56, 128)  # 64 + 64
    # d4: 64*64 + 64 = 4,160; two 3x3 convs 64*64*9 = 36,864 each; two BNs 2*64 each way
    assert r.totals.trainable == 4_160 + 2 * 36_864 + 2 * 128
    assert r.totals.non_trainable == 2 * 128
    # MACs: 56*56*64*64 = 12,845,056 + 2 * 56*56*64*576 = 2 * 115,605,504
    assert r.totals.macs == 12_845_056 + 2 * 115_605_504


def test_aux_head_params_in_totals_macs_shown_apart(tmp_path: Path) -> None:
    """'aux: [layers...] hangs a train-only head off the current tensor and the main flow goes on
    unchanged; its parameters count in the totals, its MACs are shown apart'."""
    res = cli(tmp_path, """
        input: 16x16x8
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1}
          - aux: [global_avgpool, flatten, dense: 10]
          - maxpool: 2
          - flatten
          - dense: 3
    """)
    # main: conv 8*(72+1) = 584, 16*16*8*72 = 147,456 MACs; dense 512*3+3 = 1,539, 1,536 MACs
    # aux: dense 8*10 + 10 = 90 params, 80 MACs
    text = " ".join(res.stdout.split())
    assert "params: 2,213 (2.2K)" in text  # 584 + 1,539 + 90
    assert "MACs: 148,992 (149.0K)" in text  # 147,456 + 1,536
    assert "aux-head MACs (training only, not in the total): 80" in text
    dense1 = next(ln for ln in res.stdout.splitlines() if ln.split()[:1] == ["dense1"])
    assert dense1.split()[-1] == "aux"  # no share of the inference total
    maxpool = next(ln for ln in res.stdout.splitlines() if ln.split()[:1] == ["maxpool1"])
    assert "16x16x8" in maxpool  # the main flow goes on from the conv, not from the head


def test_main_flow_cannot_silently_depend_on_an_aux_head() -> None:
    """'the main flow goes on unchanged ... its MACs are shown apart (it does not run at
    inference)': if the main flow uses a layer of the head, that layer does run at inference.
    Either refuse the reference or count its MACs in the inference total."""
    try:
        r = run("""
            input: 8x8x3
            layers:
              - aux: [{conv: {filters: 3, kernel: 1}, name: h}]
              - add: [h, []]
        """)
    except CnnCalcError:
        return
    assert r.totals.macs == 8 * 8 * 3 * 3  # the 1x1 conv 3 -> 3 the add needs: 576


def test_position_of_an_unknown_kind_a_bad_argument_and_a_bad_reference() -> None:
    text = "input: 8x8x3\nlayers:\n  - convv: {filters: 3}\n  - conv: {filters: -2, kernel: 1}\n  - add: [[], nope]\n"
    errors = flatten(fail(text))
    assert [(e.code, at(e)) for e in errors] == [("E120", (3, 5)), ("E111", (4, 21)), ("E201", (5, 15))]


def test_late_error_inside_nested_blocks_points_inside_and_at_each_use() -> None:
    err = only(BLOCKS)
    # the conv inside `inner` (line 6) fails; it was reached through `outer` (line 13) then `inner` (line 11)
    assert err.code == "E302" and at(err) == (6, 9)
    assert [(p.line, p.col) for p in err.trace] == [(13, 5), (11, 9)]
    shown = format_error(err, {F: BLOCKS})
    assert "t.yaml:13:5: note: in the block used here" in shown and "t.yaml:11:9: note" in shown


def test_regression_errors_stop_after_twenty(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2000 named layers and 2000 misspelt references: each error's "did you mean" scans
    # every name, so reporting them all took 70 s (minutes for a 4 MB spec)
    n = 2000
    text = "input: 8x8x3\nlayers:\n" + "".join(f"  - relu: ~\n    name: layer{i}\n" for i in range(n))
    text += "".join(f"  - add: [nolayer{i}, []]\n" for i in range(n))
    calls = 0
    original = graph.did_you_mean

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal calls
        calls += 1
        return original(word, options)

    monkeypatch.setattr(graph, "did_you_mean", counted)
    errors = flatten(fail(text))
    assert [e.code for e in errors] == ["E201"] * 20 + ["E157"]
    assert errors[-1].pos == errors[-2].pos  # stopped at the 20th
    assert calls <= 2 * 20


def test_regression_valid_named_paths_compute_no_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    # every path starting with a name ran "did you mean" over all visible names even
    # when the name existed: quadratic in a valid spec (10,000 such paths: minutes)
    text = "input: 8x8x3\nlayers:\n" + "".join(
        f"  - relu: ~\n    name: l{i}\n  - add: [[l{i}, relu], []]\n" for i in range(50)
    )
    calls = 0

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal calls
        calls += 1
        return None

    monkeypatch.setattr(graph, "did_you_mean", counted)
    assert len(cnncalc.analyze_text(text, F).rows) == 150  # per i: relu, the path's relu, add
    assert calls == 0


# --- the network input by name; a path as an entry ----------------------------------------------

UNET_LIKE = """
    input: {size}x3
    layers:
      - conv: {{filters: 4, kernel: 3}}        # valid conv: the map shrinks by 2
        name: c1
      - maxpool: 2
      - upsample: 2
      - upsample: {{like: input}}              # back to the input's size, whatever it is
      - concat: [[input, crop: {{like: c1}}], [crop: {{like: c1}}]]
"""


@pytest.mark.parametrize(("size", "hw"), [("64x64", (64, 64)), ("37x53", (37, 53))])
def test_like_input_follows_any_input_size(size: str, hw: tuple[int, int]) -> None:
    r = run(UNET_LIKE.format(size=size))
    ups = [row for row in r.rows if row.kind == "upsample"]
    assert ups[-1].output.dims == (*hw, 4)  # the size of `input`, 4 channels of the conv
    # both crops to c1's (H-2) x (W-2); 3 input channels + 4 = 7
    assert r.output.dims == (hw[0] - 2, hw[1] - 2, 7)
    assert r.rows[-1].sources[0] >= 0 and -1 in {row.sources[0] for row in r.rows if row.kind == "crop"}


def test_input_in_a_merge_and_as_a_path_start() -> None:
    r = run("""
        input: 16x16x3
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1}
          - concat: [input, []]                 # 3 + 8 channels
          - [input, conv: {filters: 2, kernel: 1}]   # a new flow from the input: 3 -> 2 channels
    """)
    assert r.rows[1].output.dims == (16, 16, 11)
    assert r.output.dims == (16, 16, 2)
    assert r.rows[2].sources == (-1,)  # the 1x1 conv reads the network input


def test_inside_a_block_input_is_the_blocks_input() -> None:
    r = run("""
        input: 16x16x3
        blocks:
          grow:                                  # DenseNet-style: the block's input joins its output
            layers: [conv: {filters: 4, kernel: 3, padding: 1}, concat: [[], input]]
        layers:
          - conv: {filters: 6, kernel: 1}
          - grow
          - grow
    """)
    # the first use reads 6 channels: 4 + 6 = 10; the second reads 10: 4 + 10 = 14 (not 4 + 3)
    assert [row.output.c for row in r.rows if row.kind == "concat"] == [10, 14]


def test_in_an_aux_head_input_is_the_network_input() -> None:
    r = run("""
        input: 8x8x3
        layers:
          - conv: {filters: 5, kernel: 1}
          - aux: [[input, global_avgpool]]
    """)
    assert r.rows[-1].aux and r.rows[-1].output.dims == (1, 1, 3)


def test_input_is_not_a_usable_name() -> None:
    errs = errors_of("""
        input: 8x8x3
        layers:
          - conv: {filters: 5, kernel: 1}
            name: input
    """)
    assert [e.code for e in errs] == ["E210"] and "network's input" in errs[0].message


def test_a_layer_name_where_a_kind_goes_says_how_to_continue_from_it() -> None:
    errs = errors_of("""
        input: 8x8x3
        layers:
          - conv: {filters: 5, kernel: 1}
            name: stem
          - relu
          - stem
    """)
    assert [e.code for e in errs] == ["E120"]
    assert errs[0].hint is not None and "'- [stem, ...]'" in errs[0].hint


def test_a_path_entry_counts_toward_the_layer_limit_and_the_nesting() -> None:
    text = "input: 8x8x3\nlayers:\n  - " + "[" * 70 + "relu" + "]" * 70 + "\n"
    errs = errors_of(text)
    assert {e.code for e in errs} <= {"E151", "E154"} and errs
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text("input: 8x8x3\nlayers:\n  - [relu, relu, relu]\n", "g.yaml",
                             limits=cnncalc.Limits(max_layers=2))
    assert info.value.code == "E155"


def test_a_name_outside_the_block_says_blocks_see_only_their_own() -> None:
    errs = errors_of("""
        input: 8x8x3
        blocks:
          up: {layers: [unpool: down]}
        layers:
          - maxpool: 2
            name: down
          - up
    """)
    assert [e.code for e in errs] == ["E201"]
    assert errs[0].hint is not None and "outside this block" in errs[0].hint
