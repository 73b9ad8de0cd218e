"""Several outputs (cnncalc/graph/outputs.py): ``outputs: [a, b]`` resolved, reported in every
format, claimed with ``expect: {outputs: [...]}``, and returned as a tuple by the export."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.analysis.lint import lint
from cnncalc.cli.app import app
from cnncalc.errors import CnnCalcError, flatten
from cnncalc.render.machine import to_csv, to_dict
from cnncalc.render.report import footer, plain_table, to_markdown

runner = CliRunner()

# Two heads, YOLO-style: one at 8x8, one from an earlier 16x16 map.
TWO_HEADS = """\
input: 32x32x3
layers:
  - conv: {filters: 8, kernel: 3, padding: 1}       # 32x32x8: 8·(27 + 1) = 224 params
  - maxpool: 2                                      # 16x16x8
  - conv: {filters: 8, kernel: 1}                   # 16x16x8: 8·(8 + 1) = 72
    name: route
  - maxpool: 2                                      # 8x8x8
  - conv: {filters: 6, kernel: 1}                   # 8x8x6: 6·(8 + 1) = 54
    name: big
  - [route, conv: {filters: 5, kernel: 1}]          # 16x16x5: 5·(8 + 1) = 45
  - identity:
    name: small
outputs: [big, small]
"""


def run(text: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), "o.yaml")


def errors_of(text: str) -> list[CnnCalcError]:
    with pytest.raises(CnnCalcError) as info:
        run(text)
    return flatten(info.value)


def test_outputs_in_the_order_written_and_totals_over_every_layer() -> None:
    r = run(TWO_HEADS)
    assert [(o.name, o.shape.dims) for o in r.outputs] == [("big", (8, 8, 6)), ("small", (16, 16, 5))]
    assert r.output.dims == (8, 8, 6) and r.several
    assert r.totals.params == 224 + 72 + 54 + 45  # by hand above: every layer counts, whichever output
    # MACs: 32·32·8·27 + 16·16·8·8 + 8·8·6·8 + 16·16·5·8 = 221,184 + 16,384 + 3,072 + 10,240
    assert r.totals.macs == 250_880


SPEC = TWO_HEADS


def test_one_output_specs_keep_their_report() -> None:
    r = run("input: 8x8x3\nlayers: [relu, {conv: {filters: 2, kernel: 1}}]\n")
    assert len(r.outputs) == 1 and not r.several and r.outputs[0].name == "conv1"
    d = to_dict(r)
    assert d["output"] == [8, 8, 2] and d["outputs"] == [[8, 8, 2]] and d["output_names"] == ["conv1"]


def test_json_has_every_output_and_no_single_output() -> None:
    d = to_dict(run(SPEC))
    assert d["output"] is None
    assert d["outputs"] == [[8, 8, 6], [16, 16, 5]] and d["output_names"] == ["big", "small"]


def test_text_markdown_and_csv_mark_the_outputs() -> None:
    r = run(SPEC)
    table = plain_table(r)
    assert table.splitlines()[0] == "o: 32x32x3 -> 8x8x6, 16x16x5"
    assert "big [output 1]" in table and "small [output 2]" in table
    assert "outputs: 1. big 8x8x6, 2. small 16x16x5" in footer(r)
    md = to_markdown(r)
    assert md.startswith("### o: 32x32x3 → 8x8x6, 16x16x5") and "**outputs** 1. big 8x8x6, 2. small 16x16x5" in md
    assert to_csv(r).splitlines()[-1].startswith('TOTAL,,32x32x3,"8x8x6, 16x16x5",395,')


def test_outputs_claim_passes_and_fails_in_check(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(SPEC + "expect: {outputs: [8x8x6, 16x16x5]}\n")
    assert runner.invoke(app, ["check", str(good)]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(SPEC + "expect: {outputs: [16x16x5, 8x8x6]}\n")  # the order matters
    result = runner.invoke(app, ["check", str(bad), "-f", "json"])
    assert result.exit_code == 1
    (claim,) = json.loads(result.stdout)["expect"]
    assert claim["field"] == "outputs" and claim["actual"] == "8x8x6, 16x16x5" and not claim["ok"]


def test_output_claim_on_several_outputs_is_e133() -> None:
    errs = errors_of(SPEC + "expect: {output: 8x8x6}\n")
    assert [(e.code, e.pos.line if e.pos else 0) for e in errs] == [("E133", 14)]


@pytest.mark.parametrize(("outputs", "code", "hint"), [
    ("[big, smal]", "E201", "did you mean 'small'?"),
    ("[big, big]", "E213", None),
    ("big", "E105", None),
    ("[]", "E105", None),
    ("[big, {a: 1}]", "E110", None),
])
def test_bad_outputs_are_positioned(outputs: str, code: str, hint: str | None) -> None:
    errs = errors_of(SPEC.replace("outputs: [big, small]", f"outputs: {outputs}"))
    assert [e.code for e in errs] == [code]
    assert errs[0].pos is not None and errs[0].pos.line == 13
    if hint:
        assert errs[0].hint == hint


def test_an_aux_head_layer_cannot_be_an_output() -> None:
    errs = errors_of("""
        input: 8x8x3
        layers:
          - {conv: {filters: 2, kernel: 1}, name: c}
          - aux: [{global_avgpool: null, name: side}]
        outputs: [c, side]
    """)
    assert [e.code for e in errs] == ["E201"]
    assert errs[0].hint is not None and "runs only in training" in errs[0].hint


def test_the_input_can_be_an_output() -> None:
    r = run("input: 8x8x3\nlayers: [{conv: {filters: 2, kernel: 1}, name: c}]\noutputs: [c, input]\n")
    assert [(o.name, o.row, o.shape.dims) for o in r.outputs] == [("c", 0, (8, 8, 2)), ("input", -1, (8, 8, 3))]


def test_a_layer_whose_output_goes_nowhere_is_w106() -> None:
    r = run(SPEC.replace("outputs: [big, small]", "outputs: [small]"))
    assert [(w.code, w.layer) for w in lint(r)] == [("W106", "big")]
    assert lint(run(SPEC)) == []  # both ends are outputs


def test_a_generated_name_is_not_an_output_and_says_so() -> None:
    errs = errors_of("input: 8x8x3\nlayers: [{conv: {filters: 2, kernel: 1}}]\noutputs: [conv1]\n")
    assert [e.code for e in errs] == ["E201"]
    assert errs[0].hint == "'conv1' is a generated name: write 'name: conv1' beside the layer to refer to it"


@pytest.mark.torch
def test_export_returns_the_outputs_as_a_tuple_in_order() -> None:
    pytest.importorskip("torch", reason="PyTorch is not installed")
    from torch_oracle import cross_check  # compares the shapes forward returns with the report's outputs

    assert cross_check(SPEC, "o.yaml") == []
    assert cross_check(SPEC.replace("[big, small]", "[small, input, big]"), "o.yaml") == []


def test_many_outputs_cost_linear_time() -> None:
    """n heads, each a path entry from the input, all listed in outputs: building, analysing,
    rendering, warnings and the export make about 4x the calls at 4x the heads (16x if quadratic)."""
    from growth import ratio

    from cnncalc.export.pytorch import to_pytorch
    from cnncalc.graph.build import build_graph

    def make(n: int):  # type: ignore[no-untyped-def]
        text = ("input: 4x4x2\nlayers:\n" + "".join(f"  - [input, {{relu: null, name: h{i}}}]\n" for i in range(n))
                + "outputs: [" + ", ".join(f"h{i}" for i in range(n)) + "]\n")

        def run() -> None:
            r = cnncalc.analyze_text(text, "o.yaml")
            plain_table(r), to_csv(r), to_dict(r), lint(r)
            to_pytorch(build_graph(cnncalc.parse_spec(text, "o.yaml")))

        return run

    assert ratio(make, 100) < 5
