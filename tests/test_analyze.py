"""cnncalc.analysis.analyze: one pass over the graph; claims judged once; messages bounded."""

from __future__ import annotations

from typing import Any

import pytest
from growth import ratio

import cnncalc
from cnncalc.analysis.review import review
from cnncalc.errors import CnnCalcError


def _claims_on_block_uses(n: int) -> Any:
    # n uses of a one-conv block, each with a claim: 3·(3·1·1 + 1) = 12 parameters per use.
    lines = ["input: 8x8x3", "blocks:", "  b:", "    layers: [{conv: {filters: 3, kernel: 1}}]", "layers:"]
    lines += [f"  - {{b: null, name: u{i}, expect: {{params: 12}}}}" for i in range(n)]
    text = "\n".join(lines) + "\n"
    return lambda: review(cnncalc.analyze_text(text, "g.yaml"))


def test_every_group_claim_is_judged_once_and_holds() -> None:
    report = _claims_on_block_uses(50)().report
    checks = [c for _, c in report.all_checks()]
    assert len(checks) == 50 and all(c.ok for c in checks)


def test_judging_group_claims_grows_linearly() -> None:
    # 8,000 claims took 37.9 s when every group's members were found by scanning every row.
    assert ratio(_claims_on_block_uses, 200) < 5  # linear: about 4 at 4x the claims


def test_failed_group_claims_get_hints_in_linear_time() -> None:
    def make(n: int) -> Any:
        lines = ["input: 8x8x3", "blocks:", "  b:", "    layers: [{conv: {filters: 3, kernel: 1}}]", "layers:"]
        lines += [f"  - {{b: null, name: u{i}, expect: {{params: 9}}}}" for i in range(n)]  # 9 = no bias
        text = "\n".join(lines) + "\n"
        return lambda: review(cnncalc.analyze_text(text, "g.yaml"))

    checks = [c for _, c in make(3)().report.all_checks()]
    assert all(not c.ok and c.hint and "no bias counted anywhere" in c.hint for c in checks)
    assert ratio(make, 100) < 5


def _mismatched_add(n: int) -> str:
    # n paths: a conv keeping 8x8 and n − 1 pools halving to 4x4; add needs equal shapes.
    paths = ["[conv: {filters: 3, kernel: 1}]"] + ["[maxpool: 2]"] * (n - 1)
    return f"input: 8x8x3\nlayers:\n  - add: [{', '.join(paths)}]\n"


def test_a_merge_of_thousands_of_mismatched_paths_gets_a_bounded_message() -> None:
    with pytest.raises(CnnCalcError) as small:
        cnncalc.analyze_text(_mismatched_add(5), "m.yaml")
    with pytest.raises(CnnCalcError) as big:
        cnncalc.analyze_text(_mismatched_add(4000), "m.yaml")
    assert big.value.code == "E310" and "4x4x3" in big.value.message and "more" in big.value.message
    # the message names a few inputs and counts the rest: it does not grow with the paths (67 KB before)
    assert len(big.value.message) < 2 * len(small.value.message) + 100
    assert len(big.value.hint or "") < 500


def test_channels_first_input_is_named_in_the_error_hint() -> None:
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text("input: 3x32x32\nlayers:\n  - conv: {filters: 8, kernel: 5}\n", "c.yaml")
    assert info.value.hint is not None and "did you mean 32x32x3" in info.value.hint
