"""``${...}`` expressions (cnncalc/spec/expressions.py): a bounded evaluator, never eval."""

from __future__ import annotations

import pytest

from cnncalc.errors import CnnCalcError, SourcePos
from cnncalc.spec.expressions import evaluate

POS = SourcePos("e.yaml", 3, 7)


def test_thousands_of_unary_minus_signs_count_toward_the_nesting_bound() -> None:
    """3,000 minus signs under a raised --max-expr were a RecursionError."""
    with pytest.raises(CnnCalcError) as info:
        evaluate("-" * 3000 + "1", {}, POS, max_len=5000)
    err = info.value
    assert (err.code, err.pos) == ("E140", POS)
    assert "nested too deeply" in err.message and len(err.message) < 200


def test_a_few_unary_minus_signs_still_work() -> None:
    assert evaluate("--3", {}, POS) == 3
    assert evaluate("-(-(-3))", {}, POS) == -3
