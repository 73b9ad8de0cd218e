"""Warnings (cnncalc/analysis/lint.py): each lossy configuration has a spec that triggers its
warning and one that must not.  The geometry in each comment is worked by hand."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.lint import lint
from cnncalc.cli.app import app
from cnncalc.graph.build import build_graph
from cnncalc.spec.parse import parse_spec


def _codes(inp: str, *layers: Any) -> list[str]:
    text = yaml.safe_dump({"input": inp, "layers": list(layers)}, sort_keys=False)
    graph = build_graph(parse_spec(text, "w.yaml"))
    return [w.code for w in lint(analyze(graph))]


@pytest.mark.parametrize(
    ("inp", "layer", "code"),
    [
        # floor((25 − 2) / 2) + 1 = 12 windows cover pixels 0–23: pixel 24 unread on both axes
        ("25x25x1", {"maxpool": 2}, "W101"),
        # floor((28 − 5) / 2) + 1 = 12 windows cover 0–(11·2 + 5 − 1) = 26: pixel 27 unread
        ("28x28x3", {"conv": {"filters": 4, "kernel": 5, "stride": 2}}, "W101"),
        # 5 + 1 + 1 − 2 = 5, ceil(5 / 2) + 1 = 4; the 4th window would start at 3·2 = 6 ≥ 5 + 1
        ("5x5x1", {"maxpool": {"kernel": 2, "stride": 2, "padding": 1, "ceil_mode": True}}, "W102"),
        # 3x3 kernel, padding 2 > 3 // 2 = 1
        ("8x8x1", {"conv": {"filters": 1, "kernel": 3, "padding": 2}}, "W103"),
        # 1x1 kernel with padding 1: the border outputs see only padding
        ("8x8x1", {"conv": {"filters": 1, "kernel": 1, "padding": 1}}, "W103"),
        # dilation 2 makes a 3x3 kernel span 5 > 4, padded 4 + 2 + 2 = 8 fits
        ("4x4x1", {"conv": {"filters": 1, "kernel": 3, "dilation": 2, "padding": 2}}, "W104"),
        # 3x3 same on 2x2: extent 3 > 2, fits with 1 + 1 padding
        ("2x2x4", {"conv": {"filters": 4, "kernel": 3, "padding": "same"}}, "W104"),
    ],
)
def test_triggers(inp: str, layer: Any, code: str) -> None:
    assert code in _codes(inp, layer)


@pytest.mark.parametrize(
    ("inp", "layer", "code"),
    [
        ("24x24x1", {"maxpool": 2}, "W101"),  # 24 = 12·2 exactly
        # ceil mode reads the last pixel: ceil(23 / 2) + 1 = 13 windows, the 13th starts at 24 < 25
        ("25x25x1", {"maxpool": {"kernel": 2, "ceil_mode": True}}, "W101"),
        # 1x1 stride 2 (ResNet shortcut) skips every other pixel by design: not a floor loss
        ("56x56x8", {"conv": {"filters": 4, "kernel": 1, "stride": 2}}, "W101"),
        # ResNet stem: floor((224 + 6 − 7) / 2) + 1 = 112 windows reach 111·2 + 7 − 3 = 226 ≥ 224
        ("224x224x3", {"conv": {"filters": 8, "kernel": 7, "stride": 2, "padding": 3}}, "W101"),
        # GoogLeNet ceil pool: 112 → 56, the last window starts at 110 < 112: kept
        ("112x112x1", {"maxpool": {"kernel": 3, "stride": 2, "ceil_mode": True}}, "W102"),
        ("8x8x1", {"conv": {"filters": 1, "kernel": 3, "padding": 1}}, "W103"),  # 1 = 3 // 2
        ("8x8x1", {"conv": {"filters": 1, "kernel": 5, "padding": "same"}}, "W103"),
        ("3x3x1", {"conv": {"filters": 1, "kernel": 3}}, "W104"),  # extent 3 = input 3
        ("7x7x1", {"conv": {"filters": 1, "kernel": 3, "padding": "same"}}, "W104"),
    ],
)
def test_does_not_trigger(inp: str, layer: Any, code: str) -> None:
    assert code not in _codes(inp, layer)


def test_lenet_is_clean() -> None:
    assert _codes("32x32x1", {"conv": {"filters": 6, "kernel": 5}}, {"avgpool": 2},
                  {"conv": {"filters": 16, "kernel": 5}}, {"avgpool": 2}) == []


def test_message_names_rows_and_columns() -> None:
    text = "input: 25x24x1\nlayers:\n  - maxpool: 2\n"
    graph = build_graph(parse_spec(text, "w.yaml"))
    (w,) = lint(analyze(graph))
    assert "the last 1 row of the input" in w.message and "column" not in w.message
    assert str(w).startswith("warning: w.yaml:3:5: maxpool1 (maxpool): ")


def test_cli_prints_warnings_on_stderr_and_keeps_numbers(tmp_path: Any) -> None:
    spec = tmp_path / "w.yaml"
    spec.write_text("input: 25x25x1\nlayers:\n  - maxpool: 2\n")
    clean = tmp_path / "c.yaml"
    clean.write_text("input: 24x24x1\nlayers:\n  - maxpool: 2\n")
    runner = CliRunner()
    res = runner.invoke(app, ["summary", str(spec), "-f", "json"])
    assert res.exit_code == 0
    assert "warning:" in res.stderr and "warning:" not in res.stdout
    assert json.loads(res.stdout)["layers"][0]["output"] == [12, 12, 1]  # floor((25 − 2) / 2) + 1 = 12, unchanged
    res = runner.invoke(app, ["summary", str(clean)])
    assert res.exit_code == 0 and "warning:" not in res.stderr


def test_a_channels_first_input_is_warned_about_once() -> None:
    from cnncalc.analysis.review import review

    graph = build_graph(parse_spec("input: 3x224x224\nlayers:\n  - conv: {filters: 8, kernel: 1}\n", "c.yaml"))
    warnings = review(analyze(graph)).warnings
    w105 = [w for w in warnings if w.code == "W105"]
    assert len(w105) == 1 and "224x224x3" in w105[0].message
