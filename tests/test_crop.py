"""crop (cnncalc/layers/crop.py): centre-crop to a named output's size, or by explicit amounts
in the padding forms."""

from __future__ import annotations

from worked import run


def test_crop_to_a_name_and_explicit_amounts() -> None:
    """'crop: {to: NAME} centre-crops the current tensor to the spatial size of a named output
    (or explicit amounts)' -- amounts in the padding forms."""
    # x is 9x8x2; t: 9-4+1 = 6, 8-4+1 = 5; x centre-cropped to 6x5 (odd differences: 3 rows, 3 columns)
    r = run("""
        input: 9x8x2
        layers:
          - relu:
            name: x
          - conv: {filters: 3, kernel: 4}
            name: t
          - concat: [[x, crop: {to: t}], []]
          - crop: 1
          - crop: [1, 0]
          - crop: {amount: [0, 1, 1, 0]}
    """)
    # crop to t: 6x5x2, joined with t: 6x5x5; then 6x5 -> 4x3 -> 2x3 -> 1x2
    assert [x.output.dims for x in r.rows if x.kind in ("crop", "concat")] == [
        (6, 5, 2), (6, 5, 5), (4, 3, 5), (2, 3, 5), (1, 2, 5)]
    assert sum(x.cost.params for x in r.rows if x.kind == "crop") == 0
