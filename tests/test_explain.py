"""`cnncalc explain`: every printed equation's right-hand side is evaluated here,
independently, and must equal both the printed value and cnncalc's number."""

from __future__ import annotations

import ast
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import LayerReport
from cnncalc.cli.app import app
from cnncalc.explain.explanation import explain
from cnncalc.graph.build import build_graph
from cnncalc.layers import REGISTRY
from cnncalc.layers.base import missing_facts
from cnncalc.render.explanations import to_text
from cnncalc.spec.parse import parse_spec

ROOT = Path(__file__).parent.parent
CALLS = {"floor": lambda x: Fraction(math.floor(x)), "ceil": lambda x: Fraction(math.ceil(x)),
         "max": max, "min": min}


def evaluate(expr: str) -> Fraction:
    """Exact value of a printed formula: integers and decimals, + − × /, floor, ceil, max, min."""
    tree = ast.parse(expr.replace("−", "-").replace("×", "*"), mode="eval")

    def ev(n: ast.AST) -> Fraction:
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            return Fraction(repr(n.value))  # a decimal exactly as printed (0.29 is 29/100)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.BinOp):
            a, b = ev(n.left), ev(n.right)
            ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
            if isinstance(n.op, ast.Div):
                return a / b
            return ops[type(n.op)]
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in CALLS:
            return Fraction(CALLS[n.func.id](*(ev(a) for a in n.args)))
        raise AssertionError(f"unexpected syntax in {expr!r}: {ast.dump(n)}")

    return ev(tree.body)


def report_value(name: str, row: LayerReport) -> int | None:
    fields = {"H_out": row.output.h if row.output.is_image else None,
              "W_out": row.output.w if row.output.is_image else None, "C_out": row.output.c,
              "params": row.cost.params, "trainable": row.cost.trainable,
              "non_trainable": row.cost.non_trainable, "MACs": row.cost.macs}
    return fields.get(name)


def check_text(text: str, rows: dict[str, LayerReport]) -> int:
    """Check every equation of explain's text output; returns how many matched a report field."""
    matched = 0
    row = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            row = rows[line.split(" ", 1)[0]]
            continue
        parts = line.strip().split(" = ")
        if len(parts) < 3 or not parts[-1].replace(",", "").isdigit():
            continue
        value = int(parts[-1].replace(",", ""))
        assert evaluate(parts[-2]) == value, line
        assert row is not None
        for name in parts[:-2]:
            expected = report_value(name, row)
            if expected is not None:
                assert expected == value, (row.name, line)
                matched += 1
    return matched


EVERYTHING = """
input: 30x28x12
layers:
  - conv: {filters: 24, kernel: [3, 5], stride: [2, 1], padding: same, groups: 4, dilation: [1, 2]}
  - dwconv: {kernel: 3, multiplier: 2, padding: [0, 1, 2, 1]}
  - sepconv: {filters: 16, kernel: 3, padding: valid, bias: false}
  - {bn: {affine: false}}
  - deform_conv: {filters: 8, kernel: 3, padding: 1, offset_groups: 2}
  - maxpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}
  - avgpool: {kernel: 3, stride: 2, padding: same}
  - deconv: {filters: 8, kernel: 4, stride: [2, 3], padding: [1, 2, 0, 1], output_padding: [1, 0], groups: 2}
  - layernorm
  - groupnorm: 4
  - se: {reduction: 3, divisible_by: 4}
  - se: {squeeze: 5}
  - zeropad: [1, 2, 3, 4]
  - {crop: [1, 0, 2, 0], name: cropped}
  - upsample: {scale: [2, 3]}
  - upsample: {size: [9, 11], mode: bilinear}
  - concat: [[conv: {filters: 4, kernel: 1, bias: false}], [maxpool: {kernel: 3, stride: 1, padding: 1}]]
  - add: [null, [relu]]
  - multiply: [null, [global_avgpool, sigmoid]]
  - channel_shuffle: 2
  - adaptive_avgpool: [4, 3]
  - {conv: {filters: 6, kernel: 2}, name: small}
  - zeropad: [2, 1, 0, 3]
  - crop: {to: small}
  - global_maxpool
  - flatten
  - dense: {units: 7, bias: false}
  - dropout
  - softmax
"""


def _analyse(text: str) -> Any:
    graph = build_graph(parse_spec(text, "e.yaml"))
    return graph, analyze(graph)


def test_every_equation_evaluates_to_the_computed_number() -> None:
    _, report = _analyse(EVERYTHING)
    text = to_text(explain(report))
    rows = {r.name: r for r in report.rows}
    # every conv-like layer contributes H_out, W_out, params and MACs at least
    assert check_text(text, rows) >= 40


def test_resizing_and_pytorch_default_kinds() -> None:
    _, report = _analyse("""
input: 9x11x8
layers:
  - upsample: [1.5, 0.29]     # floor(13.5) = 13; 11 × 0.29 is 3.19 exactly, and in doubles: 3
  - instancenorm: {affine: true, track_running_stats: true}
  - prelu: {per_channel: true}
  - prelu
  - zeropad: [1, 0, 5, 0]     # 14x8x8
  - pixel_unshuffle: 2        # 7x4x32
  - pixel_shuffle: 4          # 28x16x2
  - mish
""")
    text = to_text(explain(report))
    # H_out, W_out of the upsample; trainable, non_trainable of the norm; H, W, C of each shuffle
    assert check_text(text, {r.name: r for r in report.rows}) >= 10
    assert "floor(9 × 1.5) = floor(13.5) = 13" in text and "params = 8 (one learned slope per channel)" in text
    # where exact and double arithmetic part (100 × 0.29 = 29, but 28.999999999999996 in doubles),
    # the printed equation shows the double product, so it still evaluates to the reported size
    _, report = _analyse("input: 100x100x1\nlayers: [upsample: 0.29]\n")
    text = to_text(explain(report))
    assert "floor(100 × 0.29) = floor(28.999999999999996) = 28" in text
    assert check_text(text, {r.name: r for r in report.rows}) == 2  # H_out and W_out, on one line


def test_lenet_and_classic_specs() -> None:
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        _, report = _analyse(spec.read_text())
        rows = {r.name: r for r in report.rows}
        assert check_text(to_text(explain(report)), rows) > 0, spec.name


def test_the_issue_examples() -> None:
    _, report = _analyse("input: 28x28x192\nlayers:\n  - conv: {filters: 32, kernel: 5, padding: 2}\n")
    text = to_text(explain(report))
    # hand-worked: floor((28 + 2 + 2 − 5) / 1) + 1 = 28; 32·(5·5·192 + 1) = 153,632; 28·28·32·4,800 = 120,422,400
    assert "H_out = W_out = floor((28 + 2 + 2 − 5) / 1) + 1 = 28" in text
    assert "params = 32 × (5 × 5 × 192 + 1) = 153,632" in text
    assert "MACs = 28 × 28 × 32 × (5 × 5 × 192) = 120,422,400" in text


def test_same_padding_split_and_ceil_rule() -> None:
    _, report = _analyse("input: 8x8x1\nlayers:\n  - conv: {filters: 1, kernel: 4, padding: same}\n"
                             "  - maxpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}\n")
    text = to_text(explain(report))
    # same: total = (8 − 1)·1 + 4 − 8 = 3, top floor(3/2) = 1, bottom 2
    assert "pad_top = floor(3 / 2) = 1" in text and "pad_bottom = 3 − 1 = 2" in text
    # ceil((8 + 1 + 1 − 2) / 2) + 1 = 5; the 5th window starts at 8 ≥ 8 + 1? no: 8 < 9, kept
    assert "8 < 8 + 1: it starts inside the input, so it is kept" in text
    _, report = _analyse("input: 5x5x1\nlayers:\n  - maxpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}\n")
    text = to_text(explain(report))
    # ceil((5 + 2 − 2) / 2) + 1 = 4; (4 − 1)·2 = 6 ≥ 5 + 1: dropped, 3
    assert "6 ≥ 5 + 1" in text and "H_out = W_out = 4 − 1 = 3" in text


def test_transposed_conv_says_why_input_based() -> None:
    _, report = _analyse("input: 14x14x64\nlayers:\n  - deconv: {filters: 32, kernel: 4, stride: 2, padding: 1}\n")
    text = to_text(explain(report))
    assert "counted from its input" in text
    assert "output-based count (wrong) = 28 × 28 × 32 × (64 × 4 × 4) = 25,690,112" in text


def test_layer_option_and_unknown_layer() -> None:
    _, report = _analyse((ROOT / "specs" / "lenet5.yaml").read_text())
    (only,) = explain(report, "conv2")
    assert only.name == "conv2"
    from cnncalc.errors import CnnCalcError

    with pytest.raises(CnnCalcError) as info:
        explain(report, "conv9")
    assert info.value.hint == "did you mean 'conv1'?" or "did you mean" in (info.value.hint or "")


def test_every_kind_is_explained() -> None:
    # every kind states its formulas (element-wise kinds through their family class)
    missing = {c.kind for c in REGISTRY.values() if "formulas" in missing_facts(c)}
    assert not missing, f"kinds without formulas: {sorted(missing)}"


def test_cli_markdown_and_json(tmp_path: Any) -> None:
    spec = tmp_path / "n.yaml"
    spec.write_text("input: 28x28x192\nlayers:\n  - conv: {filters: 32, kernel: 5, padding: 2}\n  - relu\n")
    runner = CliRunner()
    md = runner.invoke(app, ["explain", str(spec), "-f", "markdown"])
    assert md.exit_code == 0
    assert "#### conv1 (conv): 28x28x192 → 28x28x32" in md.stdout
    assert "- `params = 32 × (5 × 5 × 192 + 1) = 153,632`" in md.stdout
    js = runner.invoke(app, ["explain", str(spec), "-f", "json", "--layer", "conv1"])
    data = json.loads(js.stdout)
    assert [x["value"] for x in data[0]["lines"] if "value" in x][-2:] == [153_632, 120_422_400]
    bad = runner.invoke(app, ["explain", str(spec), "--layer", "nope"])
    assert bad.exit_code == 2 and "no layer or block instance is named 'nope'" in bad.stderr


def test_explain_a_block_instance_by_the_name_summary_shows() -> None:
    text = ("input: 8x8x3\nblocks:\n  b:\n    layers: [{conv: {filters: 3, kernel: 1}}, relu]\n"
            "layers:\n  - b\n  - b\n")
    _, report = _analyse(text)
    # summary shows the instances as b1 and b2; the rows inside b2 are its conv and relu
    assert [r.group for r in report.rows][-1] == ("b2",)
    picked = explain(report, "b2")
    assert [e.kind for e in picked] == ["conv", "relu"] and all(r.group == ("b2",) for r in report.rows[2:])


def test_transposed_conv_at_stride_one_says_what_the_ratio_is() -> None:
    _, report = _analyse("input: 4x4x1\nlayers:\n  - deconv: {filters: 1, kernel: 3}\n")
    text = to_text(explain(report))
    # input-based 4·4·1·(1·3·3) = 144; output 6x6: output-based 6·6·1·(1·3·3) = 324 = 2.25 × 144
    assert "MACs = 4 × 4 × 1 × (1 × 3 × 3) = 144" in text and "= 324" in text
    assert "2.25 times the true count" in text and "fewer near the borders" in text
    assert "1·1-fold" not in text and "stride" not in text.split("2.25 times")[1]
