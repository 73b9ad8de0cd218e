"""cnncalc.analysis.fit and ``cnncalc fit``: bisection for the largest value under budgets, the
values it tried, and the monotonicity it assumes, checked."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.analysis.fit import Budget, grid, search
from cnncalc.analysis.report import Totals
from cnncalc.cli.app import app
from cnncalc.shapes import Shape

SPECS = Path(__file__).parent.parent / "specs"
runner = CliRunner()


def totals(macs: int) -> Totals:
    return Totals(trainable=0, non_trainable=0, macs=macs, aux_macs=0, activations=0)


def test_grid_is_exact_decimals_or_integers() -> None:
    assert grid(Decimal("0.25"), Decimal("0.3"), Decimal("0.01"), False) == [Decimal(x) for x in
                                                                              ("0.25", "0.26", "0.27", "0.28", "0.29",
                                                                               "0.30")]
    assert grid(Decimal(96), Decimal(100), Decimal(2), True) == [96, 98, 100]


@pytest.mark.parametrize("limit", [0, 5, 99, 100, 101, 5000, 10_000, 20_000])
def test_bisection_finds_the_largest_value_under_a_monotone_cost(limit: int) -> None:
    values = list(range(1, 101))
    fit = search(values, [Budget("macs", "<=", Decimal(limit))], lambda v: (Shape((v,)), totals(v * v), None))
    # by hand: the largest v in 1..100 with v² <= limit
    expected = max((v for v in values if v * v <= limit), default=None)
    assert (fit.best.value if fit.best else None) == expected
    assert len(fit.trials) <= 2 + 7  # 100 values: log2(100) < 7 halvings after both ends
    assert not fit.backwards


def test_a_cost_that_falls_is_reported() -> None:
    costs = {1: 10, 2: 20, 3: 5, 4: 40, 5: 50}
    fit = search([1, 2, 3, 4, 5], [Budget("macs", "<", Decimal(30))], lambda v: (Shape((v,)), totals(costs[v]), None))
    # bisection tries 5 (too much), 1 (meets), then 3 (meets), 4 (too much): 2 is never tried, so the fall is
    # seen between the neighbours tried, 1 and 3
    assert [t.value for t in fit.trials] == [5, 1, 3, 4]
    assert fit.backwards == ("macs falls from 10 at value=1 to 5 at value=3",)


def test_a_strict_bound() -> None:
    fit = search([1, 2, 3], [Budget("macs", "<", Decimal(20))], lambda v: (Shape((v,)), totals(10 * v), None))
    assert fit.best is not None and fit.best.value == 1


# --- the command -------------------------------------------------------------------------------

def fit_json(*args: str) -> tuple[int, dict[str, object]]:
    res = runner.invoke(app, ["fit", *args, "-f", "json"])
    assert "Traceback" not in res.output
    return res.exit_code, (json.loads(res.stdout) if res.stdout else {})


def test_fit_a_width_under_a_mac_budget() -> None:
    code, data = fit_json(str(SPECS / "mobilenet_v2.yaml"), "--vary", "width=0.25..2", "--macs", "<= 300M")
    assert code == 0
    tried = data["tried"]
    assert isinstance(tried, list)
    # MobileNetV2 at width 1.0 has 300,774,272 MACs (torchvision's 0.301 GFLOPS), over 300M; the answer is below 1.0,
    # its neighbour on the 0.01 grid above it is over the budget, and both were tried
    best = data["largest"]
    assert isinstance(best, float) and best < 1.0
    by_value = {t["value"]: t for t in tried}
    assert by_value[best]["macs"] <= 300_000_000 and by_value[round(best + 0.01, 2)]["macs"] > 300_000_000
    assert data["monotone"] is True and [t["value"] for t in tried] == sorted(t["value"] for t in tried)


def test_fit_the_input_size_of_a_network_without_a_resolution_var() -> None:
    code, data = fit_json(str(SPECS / "resnet50.yaml"), "--vary", "resolution=32..512", "--macs", "<= 1G")
    assert code == 0
    best = data["largest"]
    by_value = {t["value"]: t for t in data["tried"]}  # type: ignore[union-attr]
    assert by_value[best]["input"] == [best, best, 3] and by_value[best]["macs"] <= 10**9
    assert by_value[best + 1]["macs"] > 10**9


def test_fit_resolution_follows_the_specs_resolution_var() -> None:
    # efficientnet.yaml's scaling: hint names res: the input follows it (and so does anything else using it)
    code, data = fit_json(str(SPECS / "efficientnet.yaml"), "--vary", "resolution=200..400", "--params", "< 100M",
                          "--macs", "<= 386M")
    assert code == 0 and data["largest"] == 224  # B0 at 224 has 385,814,752 MACs; at 225 more
    by_value = {t["value"]: t for t in data["tried"]}  # type: ignore[union-attr]
    assert by_value[225]["macs"] > 386_000_000


def test_no_value_meets_the_budgets_exits_1() -> None:
    res = runner.invoke(app, ["fit", str(SPECS / "mobilenet_v2.yaml"), "--vary", "width=0.25..2", "--macs", "1M"])
    assert res.exit_code == 1 and "no width from 0.25 to 2 meets the budgets" in res.stdout


def test_the_whole_range_meeting_the_budgets_is_said() -> None:
    res = runner.invoke(app, ["fit", str(SPECS / "lenet5.yaml"), "--vary", "resolution=32..40", "--params", "<= 1G"])
    assert res.exit_code == 0, res.output
    assert "largest resolution meeting the budgets: 40 (the whole range meets them)" in res.stdout


@pytest.mark.parametrize(("args", "words"), [
    (["--vary", "width=0.25..2"], "give at least one budget"),
    (["--vary", "widht=0.25..2", "--macs", "1G"], "--vary names no var of this spec: 'widht' (did you mean 'width'?"),
    (["--vary", "width=2..1", "--macs", "1G"], "the range must go up"),
    (["--vary", "width", "--macs", "1G"], "is not NAME=LO..HI"),
    (["--vary", "width=0.5..1", "--macs", ">= 1G"], "give an upper bound"),
    (["--vary", "width=0.5..1", "--macs", "lots"], "is not a budget"),
    (["--vary", "res=100.5..200", "--macs", "1G"], "res is an integer: give the range in whole numbers"),
    (["--vary", "width=0.5..1", "--set", "width=2", "--macs", "1G"], "--vary width and --set width"),
    (["--vary", "width=0.0001..1000", "--step", "0.0000001", "--macs", "1G"], "more than 1,000,000 values"),
])
def test_fit_usage_errors(args: list[str], words: str) -> None:
    res = runner.invoke(app, ["fit", str(SPECS / "mobilenet_v2.yaml"), *args])
    assert res.exit_code == 2 and words in res.output and "Traceback" not in res.output


def test_an_error_at_one_value_names_it() -> None:
    # LeNet-5's two 5x5 convs and 2x2 pools need 32x32 at least... a 4x4 input cannot pass the first conv
    res = runner.invoke(app, ["fit", str(SPECS / "lenet5.yaml"), "--vary", "resolution=4..40", "--params", "<= 1G"])
    assert res.exit_code == 0  # the top of the range is tried first and meets it
    res = runner.invoke(app, ["fit", str(SPECS / "lenet5.yaml"), "--vary", "resolution=4..40", "--macs", "<= 100K"])
    assert res.exit_code == 2 and "note: with --vary resolution=4" in res.stderr and "E302" in res.stderr


def test_fit_csv_rows_are_raw_numbers() -> None:
    res = runner.invoke(app, ["fit", str(SPECS / "lenet5.yaml"), "--vary", "resolution=28..36", "--macs", "<= 500K",
                              "-f", "csv"])
    lines = res.stdout.splitlines()
    assert lines[0] == "value,order,input,params,trainable_params,non_trainable_params,macs,activations,meets"
    assert all(line.split(",")[6].isdigit() for line in lines[1:])
    assert "largest resolution meeting the budgets" in res.stderr


def test_a_cost_that_is_not_monotone_is_warned_about(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text("vars: {n: 1}\ninput: 4x4x1\nlayers:\n  - conv: {filters: '${n % 4 + 1}', kernel: 1}\n")
    # MACs = 16·(n % 4 + 1): 32, 48, 64, 16, 32, 48, 64 for n = 1..7.  Bisection under 40 tries 7 (64, over),
    # 1 (32), 4 (16), 5 (32), 6 (48, over): MACs fall from 32 at n=1 to 16 at n=4
    res = runner.invoke(app, ["fit", str(spec), "--vary", "n=1..7", "--macs", "<= 40"])
    assert res.exit_code == 0
    assert ("warning: the cost is not monotone in n on the values tried: macs falls from 32 at n=1 to 16 at n=4"
            in res.stderr)
    assert "largest n meeting the budgets: 5" in res.stdout


def test_fit_under_kept_bytes_agrees_with_the_budget_command() -> None:
    """--kept-bytes bounds what autograd keeps for the backward of one training step (batch 1, fp32 here: the
    spec has no budget:), as `cnncalc budget` reports it (its rules are checked against PyTorch in
    tests/test_training.py): the answer keeps at most the bound, the next size more."""
    code, data = fit_json(str(SPECS / "resnet50.yaml"), "--vary", "resolution=64..512", "--kept-bytes", "<= 256MiB")
    assert code == 0
    best = data["largest"]
    assert isinstance(best, int)

    def kept(side: int) -> int:
        res = runner.invoke(app, ["budget", str(SPECS / "resnet50.yaml"), "-i", f"{side}x{side}x3", "-f", "json"])
        value = json.loads(res.stdout)["totals"]["kept_bytes"]
        assert isinstance(value, int)
        return value

    by_value = {t["value"]: t for t in data["tried"]}  # type: ignore[union-attr]
    assert by_value[best]["kept_bytes"] == kept(best) <= 256 * 2**20 < kept(best + 1)
