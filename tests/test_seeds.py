"""The "Done means" seed cases of issue 2, each worked out by hand.

Every expected number below is the counting formula with the numbers of the
case substituted (shown in the comment beside it); none is copied from cnncalc's
output.  The same cases ship as specs/seed*.yaml with ``expect:`` entries; the
last tests run ``cnncalc check`` on those files.

Formulas (issue 2, "Counting conventions"):
  out  = floor((in + pad_before + pad_after - dilation·(k - 1) - 1) / stride) + 1
  tout = (in - 1)·stride - pads + dilation·(k - 1) + output_padding + 1   (transposed)
  conv params = C_out·(C_in/groups)·kh·kw + C_out (bias)
  conv MACs   = H_out·W_out·C_out·(C_in/groups)·kh·kw
  deconv MACs = H_in·W_in·C_in·(C_out/groups)·kh·kw
  dense       = in·out (+ out bias) per position
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app

SPECS = Path(__file__).parent.parent / "specs"
runner = CliRunner()


def run(text: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), "seed.yaml")


def row(report: cnncalc.Report, name: str) -> cnncalc.LayerReport:
    found = [r for r in report.rows if r.name == name]
    assert len(found) == 1, [r.name for r in report.rows]
    return found[0]


def only(report: cnncalc.Report, kind: str) -> cnncalc.LayerReport:
    found = [r for r in report.rows if r.kind == kind]
    assert len(found) == 1, [r.kind for r in report.rows]
    return found[0]


# -- 1. one kernel per channel vs one 3x3x3 filter ---------------------------------


def test_seed1_kernel_per_channel_gives_5x5_per_channel() -> None:
    r = run("""
        input: 7x7x3
        layers:
          - dwconv: {kernel: 3, bias: false}
    """)
    dw = only(r, "dwconv")
    # out = (7 - 3)/1 + 1 = 5, one map per channel: 5x5x3
    assert dw.output.dims == (5, 5, 3)
    # one 3x3 kernel per channel: 3·9 = 27 weights; MACs 5·5·3·(3/3)·3·3 = 675
    assert dw.cost.params == 27
    assert dw.cost.macs == 675


def test_seed1_one_filter_with_bias_makes_one_map_of_28_params() -> None:
    r = run("""
        input: 7x7x3
        layers:
          - conv: {filters: 1, kernel: 3}
    """)
    conv = only(r, "conv")
    assert conv.output.dims == (5, 5, 1)
    # 1·3·3·3 weights + 1 bias = 28
    assert conv.cost.trainable == 28
    assert conv.cost.non_trainable == 0
    # 5·5·1·3·3·3 = 675: the three per-channel maps of the case above, summed
    assert conv.cost.macs == 675
    assert r.totals.params == 28


# -- 2. five filters at stride 1, three at stride 2 ---------------------------------


def test_seed2_five_5x5x3_filters_stride_1() -> None:
    r = run("""
        input: 7x7x3
        layers:
          - conv: {filters: 5, kernel: 5}
    """)
    conv = only(r, "conv")
    # (7 - 5)/1 + 1 = 3 -> 3x3x5
    assert conv.output.dims == (3, 3, 5)
    # 5·(5·5·3) + 5 = 375 + 5 = 380
    assert conv.cost.params == 380
    # 3·3·5·75 = 3,375
    assert conv.cost.macs == 3_375


def test_seed2_three_filters_stride_2() -> None:
    r = run("""
        input: 7x7x3
        layers:
          - conv: {filters: 3, kernel: 5, stride: 2}
    """)
    conv = only(r, "conv")
    # floor((7 - 5)/2) + 1 = 2 -> 2x2x3
    assert conv.output.dims == (2, 2, 3)
    # 3·75 + 3 = 228; MACs 2·2·3·75 = 900
    assert conv.cost.params == 228
    assert conv.cost.macs == 900


# -- 3. two convs in a row ------------------------------------------------------------


def test_seed3_stride_1_then_stride_2() -> None:
    r = run("""
        input: 9x9x3
        layers:
          - conv: {filters: 4, kernel: 3}
            name: c1
          - conv: {filters: 4, kernel: 3, stride: 2}
            name: c2
    """)
    c1, c2 = row(r, "c1"), row(r, "c2")
    # (9 - 3)/1 + 1 = 7
    assert c1.output.dims == (7, 7, 4)
    # 4·(3·3·3) + 4 = 112; MACs 7·7·4·27 = 5,292
    assert (c1.cost.params, c1.cost.macs) == (112, 5_292)
    # floor((7 - 3)/2) + 1 = 3; filters are now 3x3x4
    assert c2.inputs[0].dims == (7, 7, 4)
    assert c2.output.dims == (3, 3, 4)
    # 4·(3·3·4) + 4 = 148; MACs 3·3·4·36 = 1,296
    assert (c2.cost.params, c2.cost.macs) == (148, 1_296)
    assert r.output.dims == (3, 3, 4)
    assert (r.totals.params, r.totals.macs) == (112 + 148, 5_292 + 1_296)


# -- 4. the inception cost example ----------------------------------------------------
# The seed text says the 5x5 conv gives "24x24x32" yet computes its cost with 28·28.
# Both cannot hold: 24x24 is the *valid* output (28 - 5 + 1), 28x28 needs *same*
# padding (2 pixels a side).  Each padding is checked with its own shape and cost.


def test_seed4_same_padding_28x28x32_and_120_million_macs() -> None:
    r = run("""
        input: 28x28x192
        layers:
          - conv: {filters: 32, kernel: 5, padding: same}
    """)
    conv = only(r, "conv")
    # same: out = ceil(28/1) = 28 (pads 2 + 2: (28 + 4 - 4 - 1)/1 + 1 = 28)
    assert conv.output.dims == (28, 28, 32)
    # 28·28·32 · 5·5·192 = 25,088 · 4,800 = 120,422,400
    assert conv.cost.macs == 120_422_400
    # 32·5·5·192 + 32 = 153,600 + 32
    assert conv.cost.params == 153_632


def test_seed4_valid_padding_24x24x32_and_88_million_macs() -> None:
    r = run("""
        input: 28x28x192
        layers:
          - conv: {filters: 32, kernel: 5}
    """)
    conv = only(r, "conv")
    # valid: (28 - 5)/1 + 1 = 24
    assert conv.output.dims == (24, 24, 32)
    # 24·24·32 · 4,800 = 18,432 · 4,800 = 88,473,600 (not the 120.4M the seed prints)
    assert conv.cost.macs == 88_473_600


def test_seed4_one_by_one_bottleneck_cuts_the_cost_tenfold() -> None:
    r = run("""
        input: 28x28x192
        layers:
          - conv: {filters: 16, kernel: 1}
            name: squeeze
          - conv: {filters: 32, kernel: 5, padding: same}
            name: expand
    """)
    squeeze, expand = row(r, "squeeze"), row(r, "expand")
    assert squeeze.output.dims == (28, 28, 16)
    # 28·28·16 · 1·1·192 = 2,408,448
    assert squeeze.cost.macs == 2_408_448
    assert expand.output.dims == (28, 28, 32)
    # 28·28·32 · 5·5·16 = 25,088 · 400 = 10,035,200
    assert expand.cost.macs == 10_035_200
    # 2,408,448 + 10,035,200 = 12,443,648
    assert r.totals.macs == 12_443_648
    # params: (16·192 + 16) + (32·16·25 + 32) = 3,088 + 12,832
    assert r.totals.params == 15_920


# -- 5. transposed conv ---------------------------------------------------------------


def test_seed5_transposed_conv_4x4_to_6x6() -> None:
    r = run("""
        input: 4x4x1
        layers:
          - deconv: {filters: 1, kernel: 3}
    """)
    de = only(r, "deconv")
    # (4 - 1)·1 - 0 + 1·(3 - 1) + 0 + 1 = 6
    assert de.output.dims == (6, 6, 1)
    # 3·3·1·1 + 1 bias = 10; MACs on the input: 4·4·1·1·3·3 = 144
    assert de.cost.params == 10
    assert de.cost.macs == 144


def test_seed5_transposed_conv_stride_2_counts_input_positions_only() -> None:
    r = run("""
        input: 4x4x1
        layers:
          - deconv: {filters: 1, kernel: 3, stride: 2}
    """)
    de = only(r, "deconv")
    # (4 - 1)·2 + (3 - 1) + 1 = 9
    assert de.output.dims == (9, 9, 1)
    # still 4·4·1·1·3·3 = 144, not the output-based 9·9·9 = 729 (or stride² times 144)
    assert de.cost.macs == 144


# -- 6. MNIST conv and LeNet-5 ---------------------------------------------------------


def test_seed6_mnist_3x3_conv_32_filters_has_320_params() -> None:
    r = run("""
        input: 28x28x1
        layers:
          - conv: {filters: 32, kernel: 3}
    """)
    conv = only(r, "conv")
    # 32·(3·3·1) + 32 = 288 + 32 = 320
    assert conv.cost.params == 320
    # (28 - 3) + 1 = 26; MACs 26·26·32·9 = 194,688
    assert conv.output.dims == (26, 26, 32)
    assert conv.cost.macs == 194_688


LENET5 = """
    name: lenet5
    input: 32x32x1            # H x W x C; the list [32, 32, 1] works too
    layers:
      - conv: {filters: 6, kernel: 5}
      - tanh
      - avgpool: 2            # a scalar is the layer's main argument
      - conv: {filters: 16, kernel: 5}
      - tanh
      - avgpool: 2
      - flatten
      - dense: 120            # units
      - tanh
      - dense: 84
      - tanh
      - dense: 10
      - softmax
"""


def test_seed6_lenet5_from_the_issue_verbatim() -> None:
    r = run(LENET5)
    convs = [x for x in r.rows if x.kind == "conv"]
    denses = [x for x in r.rows if x.kind == "dense"]
    # conv1: 32 - 5 + 1 = 28 -> 28x28x6; 6·25 + 6 = 156; 28·28·6·25 = 117,600
    assert convs[0].output.dims == (28, 28, 6)
    assert (convs[0].cost.params, convs[0].cost.macs) == (156, 117_600)
    # pool 28 -> 14; conv2: 14 - 5 + 1 = 10; 16·(6·25) + 16 = 2,416; 10·10·16·150 = 240,000
    assert convs[1].output.dims == (10, 10, 16)
    assert (convs[1].cost.params, convs[1].cost.macs) == (2_416, 240_000)
    # pool 10 -> 5; flatten 5·5·16 = 400
    assert [x.output.dims for x in r.rows if x.kind == "flatten"] == [(400,)]
    # dense: 400·120 + 120 = 48,120; 120·84 + 84 = 10,164; 84·10 + 10 = 850
    assert [d.cost.params for d in denses] == [48_120, 10_164, 850]
    assert [d.cost.macs for d in denses] == [48_000, 10_080, 840]
    # 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706
    assert r.totals.params == 61_706
    assert r.totals.trainable == 61_706 and r.totals.non_trainable == 0
    # 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520
    assert r.totals.macs == 416_520
    assert r.totals.flops == 833_040
    assert r.output.dims == (10,)
    # pooling and activations: no parameters, no MACs
    assert all(x.cost == cnncalc.Cost() for x in r.rows if x.kind in ("avgpool", "tanh", "softmax", "flatten"))


# -- 7. padding keeps, pooling halves --------------------------------------------------


def test_seed7_padding_1_keeps_size_and_2x2_pool_halves_it() -> None:
    r = run("""
        input: 32x32x3
        layers:
          - conv: {filters: 16, kernel: 3, padding: 1}
          - maxpool: {kernel: 2, stride: 2}
          - avgpool: 2
    """)
    conv, maxpool, avgpool = r.rows
    # (32 + 1 + 1 - 3)/1 + 1 = 32
    assert conv.output.dims == (32, 32, 16)
    # floor((32 - 2)/2) + 1 = 16, then 8; pools have no parameters and count 0 MACs
    assert maxpool.output.dims == (16, 16, 16)
    assert avgpool.output.dims == (8, 8, 16)
    for pool in (maxpool, avgpool):
        assert pool.cost.params == 0 and pool.cost.macs == 0
    # 16·27 + 16 = 448: the whole network's parameters are the conv's
    assert r.totals.params == 448


@pytest.mark.parametrize("size", [7, 8, 13, 224])
def test_seed7_padding_1_keeps_any_size(size: int) -> None:
    r = run(f"""
        input: {size}x{size}x3
        layers:
          - conv: {{filters: 8, kernel: 3, padding: 1}}
          - maxpool: 2
    """)
    # (n + 2 - 3) + 1 = n; pool: floor((n - 2)/2) + 1 = floor(n/2)
    assert r.rows[0].output.dims == (size, size, 8)
    assert r.rows[1].output.dims == (size // 2, size // 2, 8)


# -- 8. Keras Dense on the last axis ---------------------------------------------------


def test_seed8_dense_keeps_leading_axes() -> None:
    r = run("""
        input: 4x1x2
        layers:
          - dense: 1
    """)
    d = only(r, "dense")
    # Keras (64, 4, 2) -> Dense(1) -> (64, 4, 1); batch aside: 4x1x2 -> 4x1x1
    assert d.output.dims == (4, 1, 1)
    # kernel 2x1 + bias 1 = 3, shared by the 4 positions; MACs 4·1·(2·1) = 8
    assert d.cost.params == 3
    assert d.cost.macs == 8


def test_seed8_flatten_then_dense() -> None:
    r = run("""
        input: 4x1x2
        layers:
          - flatten
          - dense: 1
    """)
    flat, d = r.rows
    # 4·1·2 = 8 values; Dense(1): 8 + 1 = 9 params, 8 MACs
    assert flat.output.dims == (8,)
    assert d.output.dims == (1,)
    assert (d.cost.params, d.cost.macs) == (9, 8)


def test_seed8_global_average_pooling_instead_of_flatten() -> None:
    r = run("""
        input: 4x1x2
        layers:
          - global_avgpool
          - flatten
          - dense: 1
    """)
    gap, flat, d = r.rows
    # average over H and W: 1x1x2 (no parameters) -> 2 values -> Dense(1): 2 + 1 = 3 params
    assert gap.output.dims == (1, 1, 2) and gap.cost.params == 0
    assert flat.output.dims == (2,)
    assert (d.cost.params, d.cost.macs) == (3, 2)


# -- the bundled seed specs pass `cnncalc check` ----------------------------------------

SEED_SPECS = sorted(SPECS.glob("seed*.yaml"))


def test_every_seed_case_has_a_spec() -> None:
    numbers = sorted(int(m.group(1)) for p in SEED_SPECS if (m := re.match(r"seed(\d+)_", p.name)))
    assert numbers == list(range(1, 9))


@pytest.mark.parametrize("spec", [*SEED_SPECS, SPECS / "lenet5.yaml"], ids=lambda p: p.stem)
def test_cnncalc_check_passes_on_seed_spec(spec: Path) -> None:
    res = runner.invoke(app, ["check", str(spec)])
    assert res.exit_code == 0, res.output
    m = re.search(r"(\d+) passed, (\d+) failed", res.stdout)
    assert m is not None, res.stdout
    # the spec does claim something: per-layer checks as well as totals
    assert int(m.group(1)) >= 3 and m.group(2) == "0"
    assert "totals" in res.stdout


def test_seed4_spec_shows_both_paddings_and_the_bottleneck() -> None:
    res = runner.invoke(app, ["check", str(SPECS / "seed4_bottleneck.yaml")])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()

    def claimed(name: str, field: str) -> str:
        hits = [ln for ln in lines if ln.split()[1:3] == [name, field]]
        assert len(hits) == 1, (name, field, res.stdout)
        return hits[0]

    assert "computed 28x28x32" in claimed("conv5x5_same", "output")
    assert "computed 120,422,400" in claimed("conv5x5_same", "macs")
    assert "computed 24x24x32" in claimed("conv5x5_valid", "output")
    assert "computed 88,473,600" in claimed("conv5x5_valid", "macs")
    assert "computed 12,443,648" in claimed("with_bottleneck", "macs")


def test_seed_spec_check_fails_when_a_claim_is_wrong(tmp_path: Path) -> None:
    # guard against a check that cannot fail: seed 3 with its first output claimed wrong
    text = (SPECS / "seed3_two_convs.yaml").read_text().replace("output: 7x7x4", "output: 8x8x4", 1)
    bad = tmp_path / "seed3_wrong.yaml"
    bad.write_text(text)
    res = runner.invoke(app, ["check", str(bad)])
    assert res.exit_code == 1
    assert "FAIL" in res.stdout and "8x8x4" in res.stdout
