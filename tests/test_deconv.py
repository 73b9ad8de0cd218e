"""Transposed convolution (cnncalc/layers/deconv.py) on the course's worked examples (seed case 5).

out = (in − 1)·stride − pads + dilation·(k − 1) + output_padding + 1; MACs = H_in·W_in·C_in·(C_out/groups)·kh·kw.

Every expected number is the counting formula with the numbers of the case substituted
(shown in the comment beside it); none is copied from cnncalc's output.
"""

from __future__ import annotations

from worked import only, run

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
