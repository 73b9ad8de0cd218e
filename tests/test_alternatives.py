"""Failed expectations name the common alternative that gives the claimed number.
Every claimed number below is worked by hand under that alternative."""

from __future__ import annotations

from typing import Any

from typer.testing import CliRunner

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import Check
from cnncalc.analysis.review import review
from cnncalc.cli.app import app
from cnncalc.graph.build import build_graph
from cnncalc.spec.parse import parse_spec


def _checks(text: str) -> list[Check]:
    graph = build_graph(parse_spec(text, "a.yaml"))
    report = review(analyze(graph)).report
    return [c for _, c in report.all_checks()]


def _hint(text: str) -> str:
    (check,) = [c for c in _checks(text) if not c.ok]
    assert check.hint is not None, check
    return check.hint


def _one(inp: str, layer: str, expect: str) -> str:
    return f"input: {inp}\nlayers:\n  - {layer}\n    expect: {expect}\n"


def test_same_padding_forgotten() -> None:
    # valid: floor((28 − 5) / 1) + 1 = 24; with same padding the size stays 28
    assert "padding 'same'" in _hint(_one("28x28x192", "conv: {filters: 32, kernel: 5}", "{output: 28x28x32}"))


def test_valid_padding_assumed() -> None:
    text = _one("28x28x192", "conv: {filters: 32, kernel: 5, padding: same}", "{output: 24x24x32}")
    assert "no padding ('valid')" in _hint(text)


def test_bias_forgotten() -> None:
    # 32 × 5 × 5 × 192 = 153,600 (without the + 32 biases)
    assert "without the bias" in _hint(_one("28x28x192", "conv: {filters: 32, kernel: 5}", "{params: 153600}"))


def test_bias_added_to_a_bias_free_conv() -> None:
    # 64 × 3 × 3 × 64 + 64 = 36,928 although bias: false
    text = _one("56x56x64", "conv: {filters: 64, kernel: 3, padding: 1, bias: false}", "{params: 36928}")
    assert "with a bias" in _hint(text)


def test_flops_written_as_macs() -> None:
    # 28 · 28 · 32 · 5 · 5 · 192 = 120,422,400 MACs; 2 × = 240,844,800
    text = _one("28x28x192", "conv: {filters: 32, kernel: 5, padding: 2}", "{macs: 240844800}")
    assert "FLOPs (2 × MACs)" in _hint(text)
    text = _one("28x28x192", "conv: {filters: 32, kernel: 5, padding: 2}", "{flops: 120.4M}")
    assert "MACs, not FLOPs" in _hint(text)


def test_stride_not_applied() -> None:
    # stride 2: floor((32 − 3) / 2) + 1 = 15; stride 1 would give 30
    assert "stride not applied" in _hint(_one("32x32x3", "conv: {filters: 8, kernel: 3, stride: 2}",
                                              "{output: 30x30x8}"))


def test_ceil_instead_of_floor() -> None:
    # pool: floor((25 − 2) / 2) + 1 = 12, ceil gives 13; conv: floor((28 − 3) / 2) + 1 = 13, ceil 14
    assert "ceil_mode: true" in _hint(_one("25x25x1", "maxpool: 2", "{output: 13x13x1}"))
    assert "ceil instead of floor" in _hint(_one("28x28x3", "conv: {filters: 8, kernel: 3, stride: 2}",
                                                 "{output: 14x14x8}"))


def test_transposed_conv_counted_from_output() -> None:
    # input-based 14 · 14 · 64 · 32 · 4 · 4; output-based 28 · 28 · 32 · 64 · 4 · 4 = 25,690,112
    text = _one("14x14x64", "deconv: {filters: 32, kernel: 4, stride: 2, padding: 1}", "{macs: 25690112}")
    assert "from the output" in _hint(text)


def test_batchnorm_statistics_as_parameters() -> None:
    # conv 16 · (3 · 3 · 3 + 1) = 448; bn 2 · 16 trainable + 2 · 16 running stats
    text = ("input: 8x8x3\nlayers:\n  - conv: {filters: 16, kernel: 3}\n  - bn\n"
            "expect: {params: 480}\n")  # 448 + 32: the running statistics left out
    assert "BatchNorm running statistics not counted" in _hint(text)
    text = text.replace("{params: 480}", "{trainable_params: 512}")  # 448 + 64
    assert "counted as trainable" in _hint(text)


def test_network_without_biases() -> None:
    # conv 8 · (3 · 3 · 3) = 216 without its 8 biases; dense 6 · 6 · 8 = 288 inputs · 10 = 2,880 without 10
    text = ("input: 8x8x3\nlayers:\n  - conv: {filters: 8, kernel: 3}\n  - flatten\n  - dense: 10\n"
            "expect: {params: 3096}\n")
    assert "no bias counted anywhere" in _hint(text)


def test_another_tools_convention() -> None:
    # conv 6 · 6 · 8 · 27 = 7,776 MACs; fvcore adds BN 2 · 288 = 576 → 8,352
    text = ("input: 8x8x3\nlayers:\n  - conv: {filters: 8, kernel: 3, bias: false}\n  - bn\n"
            "expect: {macs: 8352}\n")
    assert "fvcore convention" in _hint(text)


def test_no_hint_when_nothing_explains_it() -> None:
    checks = _checks(_one("28x28x192", "conv: {filters: 32, kernel: 5}", "{params: 12345}"))
    assert [c.hint for c in checks] == [None]


def test_passing_checks_untouched() -> None:
    checks = _checks(_one("28x28x192", "conv: {filters: 32, kernel: 5}", "{params: 153632, output: 24x24x32}"))
    assert all(c.ok and c.hint is None for c in checks)


def test_check_command_prints_the_hint(tmp_path: Any) -> None:
    spec = tmp_path / "a.yaml"
    spec.write_text(_one("28x28x192", "conv: {filters: 32, kernel: 5}", "{params: 153600}"))
    res = CliRunner().invoke(app, ["check", str(spec)])
    assert res.exit_code == 1
    assert "without the bias" in res.stdout


def test_a_params_claim_that_is_the_mac_count_is_named() -> None:
    # 28·28·32·(5·5·192) = 120,422,400 MACs written as the parameter count
    hint = _hint("input: 28x28x192\nlayers:\n  - conv: {filters: 32, kernel: 5, padding: 2}\n"
                 "expect: {params: 120422400}\n")
    assert "MAC count" in hint


def test_a_budget_gets_no_alternative_hint() -> None:
    (check,) = [c for c in _checks("input: 8x8x3\nlayers:\n  - conv: {filters: 3, kernel: 1}\n"
                                    "expect: {params: '<= 9'}\n") if not c.ok]
    assert check.hint is None  # 12 params > 9: a budget failed, not a number computed another way
