"""Padding and pooling (cnncalc/layers/pool.py) on the course's worked examples (seed cases 6-7: the
MNIST conv net and LeNet-5, padding keeps the size, a 2x2 pool halves it).

Every expected number is the counting formula with the numbers of the case substituted
(shown in the comment beside it); none is copied from cnncalc's output.
"""

from __future__ import annotations

import pytest
from worked import only, run

import cnncalc

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
