"""Convolutions (cnncalc/layers/conv.py) on the course's worked examples (issue 2's seed cases 1-4).

params = C_out·(C_in/groups)·kh·kw + C_out (bias); MACs = H_out·W_out·C_out·(C_in/groups)·kh·kw;
out = floor((in + pad_before + pad_after − dilation·(k − 1) − 1) / stride) + 1.

Every expected number is the counting formula with the numbers of the case substituted
(shown in the comment beside it); none is copied from cnncalc's output.
"""

from __future__ import annotations

from worked import only, row, run

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
