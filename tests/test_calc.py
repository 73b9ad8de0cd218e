"""`cnncalc calc INPUT LAYER...`: a network from the command line, no file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cnncalc.cli.app import app

runner = CliRunner()


def _json(*args: str) -> dict:  # type: ignore[type-arg]
    res = runner.invoke(app, ["calc", *args, "-f", "json"])
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout)  # type: ignore[no-any-return]


def test_single_conv() -> None:
    data = _json("7x7x3", "conv: {filters: 3, kernel: 5, stride: 2}")
    (layer,) = data["layers"]
    assert layer["output"] == [2, 2, 3]  # floor((7 − 5) / 2) + 1 = 2
    assert layer["params"] == 228  # 3 · (5 · 5 · 3 + 1)
    assert layer["macs"] == 900  # 2 · 2 · 3 · (5 · 5 · 3)


def test_googlenet_branch_from_the_issue() -> None:
    data = _json("28x28x192", "conv: {filters: 16, kernel: 1}", "conv: {filters: 32, kernel: 5, padding: same}")
    # 16 · (192 + 1) = 3,088 and 32 · (5 · 5 · 16 + 1) = 12,832
    assert data["totals"]["params"] == 3_088 + 12_832
    # 28 · 28 · 16 · 192 = 2,408,448 and 28 · 28 · 32 · 400 = 10,035,200
    assert data["totals"]["macs"] == 2_408_448 + 10_035_200
    assert data["output"] == [28, 28, 32]


def test_bare_kinds_and_vectors() -> None:
    data = _json("100", "dense: 10", "softmax")
    assert data["totals"]["params"] == 1_010  # 100 · 10 + 10


def test_errors_point_into_the_argument() -> None:
    res = runner.invoke(app, ["calc", "7x7x3", "relu", "conv: {filters: 3, kernal: 5}"])
    assert res.exit_code == 2
    assert "<arg 3>:1:20: error[E121]: unknown argument 'kernal' for conv" in res.stderr
    assert "   1 | conv: {filters: 3, kernal: 5}\n     |                    ^" in res.stderr
    assert "did you mean 'kernel'?" in res.stderr
    res = runner.invoke(app, ["calc", "7x7", "relu"])
    assert res.exit_code == 2 and "<arg 1>:1:1: error[E112]" in res.stderr
    res = runner.invoke(app, ["calc", "7x7x3", "conv: {filters: 3, kernel: 9}"])
    assert res.exit_code == 2 and "<arg 2>:1:1" in res.stderr and "larger than the padded input" in res.stderr


def test_explain_option() -> None:
    res = runner.invoke(app, ["calc", "28x28x192", "conv: {filters: 32, kernel: 5, padding: 2}", "--explain"])
    assert res.exit_code == 0
    assert "MACs = 28 × 28 × 32 × (5 × 5 × 192) = 120,422,400" in res.stdout
    res = runner.invoke(app, ["calc", "8x8x1", "maxpool: 2", "--explain", "-f", "markdown"])
    assert "- `H_out = W_out = floor((8 + 0 + 0 − 2) / 2) + 1 = 4`" in res.stdout


def test_summary_options_work_in_calc() -> None:
    res = runner.invoke(app, ["calc", "25x25x1", "maxpool: 2", "--rf", "--flops"])
    assert res.exit_code == 0
    assert "warning:" in res.stderr and "<arg 2>:1:1: maxpool1 (maxpool)" in res.stderr
    assert "FLOPs" in res.stdout and " RF " in res.stdout
    data = _json("8x8x3", "conv: {filters: 4, kernel: 3, padding: 1}", "--convention", "ptflops")
    assert data["totals"]["macs"] == 8 * 8 * 4 * 27 + 8 * 8 * 4  # MACs + one bias add per output element


def test_calc_takes_the_limit_flags() -> None:
    """calc has no file, so no --max-bytes; the other limits apply to its entries as to a spec."""
    res = runner.invoke(app, ["calc", "8x8x3", "relu", "relu", "relu", "--max-layers", "2"])
    assert res.exit_code == 2 and "error[E155]" in res.stderr and "<arg 4>:1:1" in res.stderr
    assert runner.invoke(app, ["calc", "8x8x3", "relu", "relu", "--max-layers", "2"]).exit_code == 0
    res = runner.invoke(app, ["calc", "8x8x3", "relu", "--max-bytes", "10"])
    assert res.exit_code == 2 and "No such option" in res.stderr
