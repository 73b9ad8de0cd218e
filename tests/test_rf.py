"""Receptive fields: hand-worked values, a brute-force dependency-set oracle on
small networks, and PyTorch gradients as the oracle for the tap rules."""

from __future__ import annotations

import math
from fractions import Fraction
from functools import cache
from typing import Any

import pytest

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import Report
from cnncalc.analysis.rf import with_rf
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import INPUT, Graph
from cnncalc.layers.base import Layer
from cnncalc.spec.parse import parse_spec


def _rf(text: str) -> tuple[Graph, Report, list[str]]:
    graph = build_graph(parse_spec(text, "rf.yaml"))
    report, warnings = with_rf(analyze(graph))
    return graph, report, [str(w) for w in warnings]


def _sizes(text: str) -> list[int]:
    return [r.rf.h.size for r in _rf(text)[1].rows if r.rf is not None]


ALEXNET = """
input: 224x224x3
layers:
  - conv: {filters: 64, kernel: 11, stride: 4, padding: 2}
  - relu
  - maxpool: {kernel: 3, stride: 2}
  - conv: {filters: 192, kernel: 5, padding: 2}
  - maxpool: {kernel: 3, stride: 2}
  - conv: {filters: 384, kernel: 3, padding: 1}
  - conv: {filters: 256, kernel: 3, padding: 1}
  - conv: {filters: 256, kernel: 3, padding: 1}
  - maxpool: {kernel: 3, stride: 2}
"""


def test_alexnet_hand_worked() -> None:
    # r_out = r_in + (k − 1)·j_in, j_out = j_in·s:
    # 11 (j 4); +2·4 = 19 (j 8); +4·8 = 51; +2·8 = 67 (j 16); +2·16 = 99, 131, 163; +2·16 = 195 (j 32).
    # 195 is AlexNet's field in Araujo, Norris & Sim, "Computing Receptive Fields of CNNs", Distill 2019.
    assert _sizes(ALEXNET) == [11, 11, 19, 51, 67, 99, 131, 163, 195]
    last = _rf(ALEXNET)[1].rows[-1].rf
    assert last is not None and last.h.jump == 32 and last.w.jump == 32
    # centre of output 0: 11x11 window from −2: (−2 + 8) / 2 = 3; then 3 + 1·4 = 7, 7, 7 + 1·8 = 15, ..., 15 + 16 = 31
    assert last.h.centre == 31


def test_dilation_and_axes() -> None:
    text = "input: 32x32x1\nlayers:\n  - conv: {filters: 1, kernel: [3, 1], dilation: [2, 1]}\n" \
           "  - conv: {filters: 1, kernel: 3, dilation: 4, padding: 4}\n"
    rows = _rf(text)[1].rows
    # H: 1 + 2·2 = 5, then 5 + 4·2·1 = 13; W: 1 (1-wide kernel), then 1 + 8 = 9
    assert [(r.rf.h.size, r.rf.w.size) for r in rows if r.rf] == [(5, 1), (13, 9)]
    assert rows[1].rf is not None and rows[1].rf.h.centre == 2  # (0 + 4)/2 = 2; padding 4 shifts by −4, +4


def test_transposed_conv_and_upsampling_fractional_jump() -> None:
    text = "input: 16x16x4\nlayers:\n  - conv: {filters: 4, kernel: 3, stride: 2, padding: 1}\n" \
           "  - deconv: {filters: 4, kernel: 4, stride: 2, padding: 1}\n  - upsample: 2\n"
    rows = _rf(text)[1].rows
    assert [r.rf.h.jump for r in rows if r.rf] == [2, 1, Fraction(1, 2)]
    # deconv k4 s2: each output reads 2 conv outputs 2 apart: 3 + 2 = 5; nearest x2 reads 1 deconv output
    assert [r.rf.h.size for r in rows if r.rf] == [3, 5, 5]


def test_global_pool_covers_the_input_and_vectors_have_none() -> None:
    rows = _rf("input: 7x5x8\nlayers:\n  - conv: {filters: 4, kernel: 3}\n  - global_avgpool\n  - flatten\n")[1].rows
    assert rows[1].rf is not None and (rows[1].rf.h.size, rows[1].rf.w.size) == (7, 5)
    assert rows[1].rf.h.jump == 0
    assert all(r.rf is None for r in _rf("input: 10\nlayers:\n  - dense: 4\n")[1].rows)


def test_branch_union_and_warning() -> None:
    same = "input: 32x32x3\nlayers:\n  - concat: [[conv: {filters: 2, kernel: 3, padding: 1}]," \
           " [conv: {filters: 2, kernel: 5, padding: 2}]]\n"
    _, report, warnings = _rf(same)
    assert report.rows[-1].rf is not None and report.rows[-1].rf.h.size == 5  # max(3, 5), same centre
    assert warnings == []
    shifted = "input: 32x32x3\nlayers:\n  - concat: [[conv: {filters: 2, kernel: 3, padding: 1}]," \
              " [conv: {filters: 2, kernel: 3, padding: [0, 2, 1, 1]}]]\n"
    _, report, warnings = _rf(shifted)
    # centres 0 and 1 (window −1..1 vs 0..2): the union −1..2 spans 4
    assert report.rows[-1].rf is not None and report.rows[-1].rf.h.size == 4
    assert len(warnings) == 1 and "centre" in warnings[0] and warnings[0].startswith("warning: rf.yaml:3:5: concat1")


def test_jump_disagreement_warns() -> None:
    text = "input: 9x9x1\nlayers:\n  - concat: [[conv: {filters: 1, kernel: 3, stride: 3}]," \
           " [conv: {filters: 1, kernel: 7}]]\n"
    _, report, warnings = _rf(text)
    assert len(warnings) == 1 and "jump (1, 3)" in warnings[0]
    assert report.rows[-1].rf is not None and report.rows[-1].rf.h.size == 7  # the widest path


def test_se_gate_is_not_a_spatial_dependency() -> None:
    text = "input: 8x8x4\nlayers:\n  - {conv: {filters: 4, kernel: 3, padding: 1}, name: c}\n" \
           "  - multiply: [c, [global_avgpool, conv: {filters: 4, kernel: 1}, sigmoid]]\n"
    _, report, warnings = _rf(text)
    assert report.rows[-1].rf is not None and report.rows[-1].rf.h.size == 3 and warnings == []


# --- brute force: explicit dependency sets, one index at a time -------------------------

def _taps(layer: Layer, x: tuple[int, ...], out: tuple[int, ...], axis: int, o: int) -> list[int] | None:
    """Input indices output ``o`` reads along ``axis``, by direct enumeration (None: same index)."""
    kind = layer.kind
    n, m = x[axis], out[axis]
    if kind in ("conv", "dwconv", "sepconv", "maxpool", "avgpool"):
        pads = layer.pads(_shape(x))  # type: ignore[attr-defined]
        k = layer.kernel[axis]  # type: ignore[attr-defined]
        s = (layer.step if kind.endswith("pool") else layer.stride)[axis]  # type: ignore[attr-defined]
        d = 1 if kind.endswith("pool") else layer.dilation[axis]  # type: ignore[attr-defined]
        return [o * s - pads[2 * axis] + t * d for t in range(k)]
    if kind == "deconv":
        k, s, d = layer.kernel[axis], layer.stride[axis], layer.dilation[axis]  # type: ignore[attr-defined]
        p = layer.padding[2 * axis]  # type: ignore[attr-defined]
        return [i for i in range((o + p - k * d) // s - 1, (o + p) // s + 2) for t in range(k)
                if i * s - p + t * d == o]
    if kind == "upsample":
        mode = layer.mode  # type: ignore[attr-defined]
        if mode == "nearest":
            return [math.floor(Fraction(o * n, m))]
        src = (o + Fraction(1, 2)) * Fraction(n, m) - Fraction(1, 2)
        base = math.floor(src)
        if src == base:
            return [base]
        return [base, base + 1] if mode == "bilinear" else [base - 1, base, base + 1, base + 2]
    if kind in ("adaptive_avgpool", "adaptive_maxpool"):
        return list(range(o * n // m, -(-(o + 1) * n // m)))
    if kind == "zeropad":
        return [o - layer.padding[2 * axis]]  # type: ignore[attr-defined]
    return None


def _shape(dims: tuple[int, ...]) -> Any:
    from cnncalc.shapes import Shape

    return Shape(dims)


def _brute(graph: Graph, report: Report, axis: int) -> Any:
    @cache
    def deps(index: int, o: int) -> frozenset[int]:
        if index == INPUT:
            return frozenset([o])
        node, row = graph.nodes[index], report.rows[index]
        if node.layer.arity == 0:
            keep = [i for i, s in zip(node.inputs, row.inputs) if not (s.numel == s.c and row.output.numel > s.c)]
            return frozenset().union(*(deps(i, o) for i in keep))
        taps = _taps(node.layer, row.inputs[0].dims, row.output.dims, axis, o)
        if taps is None:
            return deps(node.inputs[0], o)
        return frozenset().union(*(deps(node.inputs[0], i) for i in taps))

    return deps


BRUTE = [
    ALEXNET,
    ("input: 40x40x1\nlayers:\n  - conv: {filters: 1, kernel: 3, dilation: 2, padding: same}\n"
    "  - maxpool: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}\n  - conv: {filters: 1, kernel: [2, 4], stride: [1, 3]}\n"),
    ("input: 20x20x1\nlayers:\n  - deconv: {filters: 1, kernel: 3, stride: 2, padding: 1, output_padding: 1}\n"
    "  - conv: {filters: 1, kernel: 3, stride: 2}\n  - deconv: {filters: 1, kernel: 5, stride: 3, dilation: 2}\n"),
    # periods: x3 is 3, 34 -> 51 is 3 more (9 in all), 51 -> 34 is 2; W: 34 -> 17 is 1, 17 -> 68 is 4
    ("input: 12x12x1\nlayers:\n  - upsample: {scale: 3, mode: bilinear}\n  - conv: {filters: 1, kernel: 3}\n"
    "  - upsample: {size: [51, 17], mode: bicubic}\n  - upsample: {size: [34, 68]}\n"),
    # 29 + 1 + 2 = 32 rows -> 6 (period 3, overlapping windows); 29 + 3 = 32 columns -> 8
    "input: 29x29x1\nlayers:\n  - zeropad: [1, 2, 0, 3]\n  - adaptive_avgpool: [6, 8]\n  - conv: {filters: 1, kernel: 3}\n",
    ("input: 32x32x3\nlayers:\n  - {conv: {filters: 4, kernel: 3, stride: 2, padding: 1}, name: a}\n"
    "  - add: [[conv: {filters: 4, kernel: 3, padding: 1}], [conv: {filters: 4, kernel: 5, padding: 2}], null]\n"
    "  - deconv: {filters: 2, kernel: 2, stride: 2}\n  - concat: [null, [upsample: 2, avgpool: 2]]\n"),
]


@pytest.mark.parametrize("text", BRUTE)
def test_against_brute_force(text: str) -> None:
    graph, report, _ = _rf(text)
    period = 72  # a multiple of every period in these networks (products of 2, 3, 4, 8, 9)
    for axis in (0, 1):
        deps = _brute(graph, report, axis)
        for index, row in enumerate(report.rows):
            assert row.rf is not None
            ours = (row.rf.h, row.rf.w)[axis]
            sets = [deps(index, o) for o in range(2 * period)]
            size = max(max(s) - min(s) + 1 for s in sets)
            centre = [Fraction(max(s) + min(s), 2) for s in sets]
            assert ours.size == size, (row.name, axis)
            assert ours.centre == centre[0], (row.name, axis)
            if row.output.is_image:
                assert ours.jump == (centre[period] - centre[0]) / period, (row.name, axis)


@pytest.mark.torch
def test_tap_rules_against_pytorch_gradients() -> None:
    """Gradient support of an interior output = its dependency set (weights 1, positive input)."""
    torch = pytest.importorskip("torch", reason="PyTorch checks the tap rules")
    nn = torch.nn
    text = ("input: 64x64x1\nlayers:\n  - conv: {filters: 1, kernel: 3, dilation: 2, padding: 1}\n"
            "  - avgpool: {kernel: 3, stride: 2}\n  - deconv: {filters: 1, kernel: 3, stride: 2, padding: 1}\n"
            "  - upsample: {scale: 2, mode: bilinear}\n  - conv: {filters: 1, kernel: 2, stride: 3}\n")
    net = nn.Sequential(nn.Conv2d(1, 1, 3, dilation=2, padding=1), nn.AvgPool2d(3, 2),
                        nn.ConvTranspose2d(1, 1, 3, stride=2, padding=1),
                        nn.Upsample(scale_factor=2, mode="bilinear"), nn.Conv2d(1, 1, 2, stride=3))
    for mod in net:
        if hasattr(mod, "weight"):
            nn.init.ones_(mod.weight)
    graph, report, _ = _rf(text)
    deps = _brute(graph, report, 0)
    x = torch.ones(1, 1, 64, 64, requires_grad=True)
    y = net(x)
    assert tuple(y.shape[2:]) == report.rows[-1].output.dims[:2]
    for o in range(3, 7):
        (grad,) = torch.autograd.grad(y[0, 0, o, 10], x, retain_graph=True)
        rows = {int(i) for i in torch.nonzero(grad[0, 0].sum(dim=1)).flatten()}
        assert rows == set(deps(len(report.rows) - 1, o)), o


def test_summary_rf_in_json_and_table(tmp_path: Any) -> None:
    import json

    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    spec = tmp_path / "a.yaml"
    spec.write_text(ALEXNET)
    runner = CliRunner()
    data = json.loads(runner.invoke(app, ["summary", str(spec), "--rf", "-f", "json"]).stdout)
    assert data["layers"][-1]["rf"] == {"h": {"size": 195, "jump": 32, "centre": 31},
                                         "w": {"size": 195, "jump": 32, "centre": 31}}
    assert "rf" not in json.loads(runner.invoke(app, ["summary", str(spec), "-f", "json"]).stdout)["layers"][0]
    table = runner.invoke(app, ["summary", str(spec), "--rf"]).stdout
    assert " RF " in table and " jump " in table and " centre" in table
    csv = runner.invoke(app, ["summary", str(spec), "--rf", "-f", "csv"]).stdout
    assert csv.splitlines()[0].endswith("rf_h,rf_w,jump_h,jump_w,centre_h,centre_w")


SPECS = __import__("pathlib").Path(__file__).parent.parent / "specs"


@pytest.mark.parametrize(("spec", "kind", "size"), [
    # Araujo, Norris & Sim, Distill 2019, table of receptive fields: Inception v3 1311
    ("inception_v3.yaml", "concat", 1311),
    # torchvision ResNet-50 (stride on the 3x3 conv), hand-worked: 7 (j 2), pool +4 = 11 (j 4);
    # layer1 3·(2·4) = 35; layer2 +2·4 = 43 (j 8), 3·(2·8) = 91; layer3 +16 = 107 (j 16),
    # 5·32 = 267; layer4 +32 = 299 (j 32), 2·64 = 427
    ("resnet50.yaml", "add", 427),
])
def test_published_and_hand_worked_networks(spec: str, kind: str, size: int) -> None:
    path = SPECS / spec
    if not path.exists():
        pytest.skip(f"specs/{spec} not written")
    rows = [r for r in _rf(path.read_text())[1].rows if r.kind == kind and not r.aux]
    assert rows[-1].rf is not None and rows[-1].rf.h.size == size and rows[-1].rf.w.size == size


def test_decimal_upsampling_keeps_the_jump_exact_past_the_period_cap() -> None:
    # PyTorch maps each output back by 1/1.37 = 100/137 input pixels: three in a row give a jump
    # of (100/137)³ = 1,000,000/2,571,353 ≈ 0.389 (it was reported as 0 once periods were cut).
    _, report, warnings = _rf("input: 40x40x1\nlayers: [upsample: 1.37, upsample: 1.37, upsample: 1.37]\n")
    last = report.rows[-1].rf
    assert last is not None and last.h.jump == Fraction(100, 137) ** 3
    # 137 outputs per period, then 137² = 18,769 > 4,096: size and centre are not guessed
    assert report.rows[0].rf is not None and report.rows[0].rf.h.size == 1
    assert last.h.size is None and last.h.centre is None
    assert [w for w in warnings if "[W202]" in w] and len([w for w in warnings if "[W202]" in w]) == 1


def test_many_decimal_upsamplings_cost_linear_time() -> None:
    from growth import ratio

    def make(n: int) -> Any:
        text = "input: 8x8x1\nlayers:\n" + "  - upsample: {size: 8}\n  - upsample: 1.0001\n" * (n // 2)
        return lambda: _rf(text)

    # 1,000 of them took 33 s and 2.5 GB: each composed a 10,000-output period
    assert ratio(make, 250) < 5


def test_a_tiny_scale_does_not_divide_by_zero() -> None:
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    res = CliRunner().invoke(app, ["calc", "50000x50000x1", "upsample: 0.00002", "--rf", "-f", "json"])
    assert res.exit_code == 0, res.output
    import json

    rf = json.loads(res.stdout)["layers"][0]["rf"]["h"]
    # floor(50000 · 0.00002) = 1 output, which reads input floor(0 · 50000) = 0: one pixel, jump 50,000
    assert rf == {"size": 1, "jump": 50_000, "centre": 0}
