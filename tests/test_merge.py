"""Merges (cnncalc/layers/merge.py): multiply broadcasts a 1x1xC gate; a shape mismatch names
both inputs, their shapes, and the earlier layer whose rounding caused it; the error points at
the merge."""

from __future__ import annotations

from failing import at, only
from worked import errors_of, run


def test_multiply_broadcasts_a_gate_in_either_position() -> None:
    """'multiply broadcasts 1x1xC against HxWxC' -- the gate may come first or second; a gate
    with another C is refused, naming both shapes."""
    r = run("input: 5x3x4\nlayers:\n  - multiply: [[], [global_avgpool, sigmoid]]\n")
    assert r.output.dims == (5, 3, 4) and r.totals.macs == 0
    [err] = errors_of("input: 5x3x4\nlayers:\n  - multiply: [[global_avgpool, conv: {filters: 2, kernel: 1}], []]\n")
    assert err.code == "E310" and "1x1x2" in err.message and "5x3x4" in err.message


def test_mismatch_names_both_inputs_shapes_and_the_rounding_layer() -> None:
    """'Mismatch errors name both inputs, their shapes, and the earlier layer whose rounding
    caused it' -- here a strided conv rounding 15 up to 8."""
    [err] = errors_of("""
        input: 15x15x3
        layers:
          - conv: {filters: 4, kernel: 3, padding: 1}
            name: skip
          - conv: {filters: 4, kernel: 3, stride: 2, padding: 1}
            name: down
          - upsample: 2
            name: up
          - concat: [skip, up]
    """)
    # down: floor((15 + 2 - 3)/2) + 1 = 8; up: 16; skip stays 15
    assert err.code == "E310"
    for word in ("skip", "up", "15x15x4", "16x16x4"):
        assert word in err.message, (word, err.message)
    assert err.hint is not None and "down" in err.hint and "15 to 8" in err.hint


def test_merge_mismatch_points_at_the_merge_and_names_its_inputs() -> None:
    text = "input: 8x8x3\nlayers:\n  - add:\n      - [conv: {filters: 4, kernel: 1}]\n      - [conv: {filters: 5, kernel: 1}]\n"
    err = only(text)
    assert err.code == "E310" and at(err) == (3, 5)
    assert "8x8x4 and 8x8x5" in err.message and "from conv1, conv2" in err.message
