"""Dense layers (cnncalc/layers/dense.py) on the course's worked examples (seed case 8: Keras Dense
acts on the last axis).  params = in·out + out (bias), per position.

Every expected number is the counting formula with the numbers of the case substituted
(shown in the comment beside it); none is copied from cnncalc's output.
"""

from __future__ import annotations

from worked import only, run

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
