"""MAC convention presets: hand-worked counts per kind, the docs table in sync with
the code, ResNet-50 under fvcore, and (when fvcore / ptflops are installed) the
presets checked against the real tools on one PyTorch module per kind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import cnncalc
from cnncalc.analysis import conventions as cv
from cnncalc.analysis.analyze import analyze
from cnncalc.graph.build import build_graph
from cnncalc.layers import REGISTRY
from cnncalc.layers.base import missing_facts
from cnncalc.spec.parse import parse_spec

ROOT = Path(__file__).parent.parent


def _last(inp: str, *layers: Any) -> dict[str, int]:
    """MACs of the last layer of a tiny spec under every preset."""
    shape: str | int = int(inp) if inp.isdigit() else inp
    text = yaml.safe_dump({"input": shape, "layers": list(layers)}, sort_keys=False)
    graph = build_graph(parse_spec(text, "case.yaml"))
    return cv.per_layer(analyze(graph))[-1]


def test_conv_bias_counted_by_ptflops_and_all() -> None:
    m = _last("8x8x3", {"conv": {"filters": 8, "kernel": 3, "padding": 1}})
    assert m["torchvision"] == 8 * 8 * 8 * 27  # H·W·C_out·C_in·k² = 13,824
    assert m["fvcore"] == 13_824
    assert m["ptflops"] == 13_824 + 8 * 8 * 8  # + one bias add per output element = 14,336
    assert m["all"] == 14_336


def test_conv_without_bias_adds_nothing() -> None:
    m = _last("8x8x3", {"conv": {"filters": 8, "kernel": 3, "padding": 1, "bias": False}})
    assert m["ptflops"] == m["all"] == 13_824


def test_batchnorm_two_per_element_in_eval() -> None:
    m = _last("5x5x8", {"bn": None})
    assert m["torchvision"] == 0
    assert m["fvcore"] == m["ptflops"] == m["all"] == 2 * 200  # 5·5·8 = 200 elements
    m = _last("5x5x8", {"bn": {"affine": False}})
    assert m["fvcore"] == m["ptflops"] == 200  # normalise only: 1 per element
    assert m["all"] == 400


def test_norms() -> None:
    ln = _last("6x6x8", {"layernorm": None})
    assert ln["fvcore"] == ln["all"] == 5 * 288 and ln["ptflops"] == 288  # 6·6·8 = 288
    gn = _last("6x6x8", {"groupnorm": 2})
    assert gn["fvcore"] == 5 * 288 and gn["ptflops"] == 2 * 288


def test_pools() -> None:
    m = _last("6x6x8", {"maxpool": 2})
    assert m["fvcore"] == 0 and m["ptflops"] == 288  # ptflops: input elements 6·6·8
    assert m["all"] == 4 * 72  # 2·2 comparisons per output element, 3·3·8 = 72 outputs
    g = _last("7x7x2048", "global_avgpool")
    assert g["fvcore"] == g["ptflops"] == g["all"] == 100_352  # 7·7·2048
    a = _last("5x5x1", {"adaptive_avgpool": 3})
    # windows per axis [0,2) [1,4) [3,5): lengths 2+3+2 = 7; 7·7 = 49 taps
    assert a["all"] == 49 and a["fvcore"] == 25


def test_upsample_modes() -> None:
    near = _last("4x4x2", {"upsample": 2})
    bil = _last("4x4x2", {"upsample": {"scale": 2, "mode": "bilinear"}})
    cub = _last("4x4x2", {"upsample": {"scale": 2, "mode": "bicubic"}})
    out = 8 * 8 * 2
    assert (near["fvcore"], bil["fvcore"], cub["fvcore"]) == (out, 4 * out, 0)
    assert near["ptflops"] == bil["ptflops"] == cub["ptflops"] == out
    assert cub["all"] == 16 * out


def test_activations() -> None:
    relu = _last("4x4x2", "relu")
    silu = _last("4x4x2", "silu")
    assert (relu["fvcore"], relu["ptflops"], relu["all"]) == (0, 32, 32)
    assert (silu["fvcore"], silu["ptflops"], silu["all"]) == (0, 0, 32)


def test_deconv_input_based_plus_bias() -> None:
    m = _last("5x5x8", {"deconv": {"filters": 4, "kernel": 4, "stride": 2, "padding": 1}})
    # input-based 5·5·8·4·4·4 = 12,800; output 10x10x4 = 400 bias adds
    assert m["torchvision"] == m["fvcore"] == 12_800
    assert m["ptflops"] == 13_200


def test_se_counts() -> None:
    m = _last("7x7x64", {"se": 16})
    # S = 64 // 16 = 4; convs 2·64·4 = 512; pool input 7·7·64 = 3,136
    assert m["torchvision"] == 512
    assert m["fvcore"] == 512 + 3_136
    assert m["ptflops"] == 512 + 3_136 + 4 + 64 + 4  # + biases S + C + ReLU on S
    assert m["all"] == 512 + 4 + 64 + 3_136 + 4 + 64 + 3_136  # + activation, gate, multiply


def test_merges_under_all() -> None:
    text = "input: 4x4x3\nlayers:\n  - add: [[relu], [sigmoid], [tanh]]\n"
    graph = build_graph(parse_spec(text, "m.yaml"))
    assert cv.per_layer(analyze(graph))[-1]["all"] == 2 * 48  # two adds per element, 4·4·3


def test_under_replaces_macs_and_keeps_params() -> None:
    text = (ROOT / "specs" / "lenet5.yaml").read_text()
    graph = build_graph(parse_spec(text, "lenet5.yaml"))
    report = analyze(graph)
    fv = cv.under(report, "ptflops")
    assert fv.totals.params == report.totals.params
    # biases of two convs and three dense layers: 28·28·6 + 10·10·16 + 120 + 84 + 10 = 6,518;
    # pools read their inputs: 28·28·6 + 10·10·16 = 6,304
    assert fv.totals.macs == report.totals.macs + 6_518 + 6_304


def test_every_kind_has_a_rule() -> None:
    # the rule is stated on each kind's class (or its family's), never left to a default
    missing = sorted(cls.kind for cls in REGISTRY.values() if "conventions" in missing_facts(cls))
    assert not missing, f"kinds without a convention rule: {missing}"


def test_docs_table_matches_code() -> None:
    doc = (ROOT / "docs" / "conventions.md").read_text()
    assert cv.markdown_table() in doc, "regenerate the table: python -m cnncalc.analysis.conventions > table"


RESNET50 = ROOT / "specs" / "resnet50.yaml"


@pytest.mark.skipif(not RESNET50.exists(), reason="specs/resnet50.yaml not written yet")
def test_resnet50_fvcore() -> None:
    graph = build_graph(parse_spec(RESNET50.read_text(), "resnet50.yaml"))
    report = analyze(graph)
    # fvcore 0.1.5 FlopCountAnalysis(torchvision.models.resnet50(), 1x3x224x224).total(), as the issue states
    assert cv.under(report, "fvcore").totals.macs == 4_111_512_576


# --- the real tools, when installed: one PyTorch module per kind ---------------------------

def _torch_cases() -> list[tuple[str, list[Any], Any]]:
    torch = pytest.importorskip("torch", reason="torch builds the modules the tools measure")
    nn = torch.nn

    class SE(nn.Module):  # torchvision.ops.SqueezeExcitation, as in its source
        def __init__(self, c: int, s: int) -> None:
            super().__init__()
            self.avgpool = nn.AdaptiveAvgPool2d(1)
            self.fc1, self.fc2 = nn.Conv2d(c, s, 1), nn.Conv2d(s, c, 1)
            self.activation, self.scale_activation = nn.ReLU(), nn.Sigmoid()

        def forward(self, x: Any) -> Any:
            s = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
            return s * x

    class Sep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dw, self.pw = nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False), nn.Conv2d(4, 6, 1)

        def forward(self, x: Any) -> Any:
            return self.pw(self.dw(x))

    return [
        ("8x8x3", [{"conv": {"filters": 8, "kernel": 3, "stride": 2, "padding": 1, "groups": 1}}],
         nn.Conv2d(3, 8, 3, 2, 1)),
        ("8x8x4", [{"conv": {"filters": 8, "kernel": 3, "groups": 2, "bias": False}}],
         nn.Conv2d(4, 8, 3, groups=2, bias=False)),
        ("8x8x4", [{"dwconv": {"kernel": 3, "padding": 1}}], nn.Conv2d(4, 4, 3, padding=1, groups=4)),
        ("8x8x4", [{"sepconv": {"filters": 6, "kernel": 3, "padding": 1}}], Sep()),
        ("5x5x8", [{"deconv": {"filters": 4, "kernel": 3, "stride": 2, "padding": 1}}],
         nn.ConvTranspose2d(8, 4, 3, 2, 1)),
        ("12", [{"dense": 5}], nn.Linear(12, 5)),
        ("5x5x8", ["bn"], nn.BatchNorm2d(8)),
        ("5x5x8", [{"bn": {"affine": False}}], nn.BatchNorm2d(8, affine=False)),
        ("5x5x8", [{"groupnorm": 2}], nn.GroupNorm(2, 8)),
        ("6x6x4", [{"maxpool": {"kernel": 3, "stride": 2, "ceil_mode": True}}], nn.MaxPool2d(3, 2, ceil_mode=True)),
        ("6x6x4", [{"avgpool": 2}], nn.AvgPool2d(2)),
        ("6x6x4", ["global_avgpool"], nn.AdaptiveAvgPool2d(1)),
        ("6x6x4", ["global_maxpool"], nn.AdaptiveMaxPool2d(1)),
        ("7x7x4", [{"adaptive_avgpool": 3}], nn.AdaptiveAvgPool2d(3)),
        ("7x7x4", [{"adaptive_maxpool": 3}], nn.AdaptiveMaxPool2d(3)),
        ("4x4x2", [{"upsample": 2}], nn.Upsample(scale_factor=2)),
        ("4x4x2", [{"upsample": {"scale": 2, "mode": "bilinear"}}], nn.Upsample(scale_factor=2, mode="bilinear")),
        ("4x4x2", [{"upsample": {"scale": 2, "mode": "bicubic"}}], nn.Upsample(scale_factor=2, mode="bicubic")),
        ("4x4x2", ["relu"], nn.ReLU()),
        ("4x4x2", ["relu6"], nn.ReLU6()),
        ("4x4x2", ["elu"], nn.ELU()),
        ("4x4x2", ["leaky_relu"], nn.LeakyReLU()),
        ("4x4x2", ["gelu"], nn.GELU()),
        ("4x4x2", ["silu"], nn.SiLU()),
        ("4x4x2", ["hardswish"], nn.Hardswish()),
        ("4x4x2", ["sigmoid"], nn.Sigmoid()),
        ("4x4x2", ["hardsigmoid"], nn.Hardsigmoid()),
        ("4x4x2", ["tanh"], nn.Tanh()),
        ("4x4x2", ["dropout"], nn.Dropout()),
        ("4x4x6", ["softmax"], nn.Softmax(dim=1)),
        ("4x4x6", [{"lrn": 3}], nn.LocalResponseNorm(3)),
        ("4x4x2", [{"zeropad": 1}], nn.ZeroPad2d(1)),
        ("4x4x4", [{"channel_shuffle": 2}], nn.ChannelShuffle(2)),
        ("7x7x16", [{"se": 4}], SE(16, 4)),
    ]


def _measure(tool: str, module: Any, inp: tuple[int, ...]) -> int:
    import torch

    module = module.eval()
    x = torch.randn(1, *(inp[-1:] + inp[:-1]) if len(inp) == 3 else inp)
    if tool == "fvcore":
        from fvcore.nn import FlopCountAnalysis

        fca = FlopCountAnalysis(module, x)
        fca.unsupported_ops_warnings(False)
        fca.uncalled_modules_warnings(False)
        return int(fca.total())
    from ptflops import get_model_complexity_info
    from ptflops.flops_counter import FLOPS_BACKEND

    macs, _ = get_model_complexity_info(
        module, tuple(x.shape[1:]), as_strings=False, print_per_layer_stat=False, verbose=False,
        backend=FLOPS_BACKEND.PYTORCH, backend_specific_config={"count_functional": False},
    )
    return int(macs)


@pytest.mark.torch
@pytest.mark.parametrize("tool", ["fvcore", "ptflops"])
def test_presets_match_the_tools(tool: str) -> None:
    pytest.importorskip(tool, reason=f"{tool} is not installed (pip install {tool} to run this cross-check)")
    wrong = []
    for inp, layers, module in _torch_cases():
        ours = _last(inp, *layers)[tool]
        shape = tuple(int(d) for d in inp.split("x"))
        theirs = _measure(tool, module, shape)
        if ours != theirs:
            wrong.append(f"{layers}: ours {ours}, {tool} {theirs}")
    assert not wrong, "\n".join(wrong)


def test_unknown_preset_is_a_bug() -> None:
    with pytest.raises(AssertionError):
        REGISTRY["relu"].conventions.count("thop", REGISTRY["relu"](), (cnncalc.Shape((1, 1, 1)),),
                                           cnncalc.Shape((1, 1, 1)), 0)


def test_cli_convention_conventions_and_flops(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    spec = tmp_path / "n.yaml"
    spec.write_text("input: 8x8x3\nlayers:\n  - conv: {filters: 8, kernel: 3, padding: 1, bias: false}\n  - bn\n  - relu\n")
    runner = CliRunner()
    # conv 8·8·8·27 = 13,824; bn 2 per element of 8·8·8 = 512 → 1,024; relu 512
    res = runner.invoke(app, ["summary", str(spec), "--convention", "fvcore", "-f", "json"])
    assert res.exit_code == 0 and '"macs": 14848' in res.stdout  # 13,824 + 1,024
    res = runner.invoke(app, ["summary", str(spec), "--conventions", "-f", "csv"])
    assert res.stdout.splitlines()[0] == "name,kind,output,torchvision MACs,fvcore,ptflops,all"
    assert res.stdout.splitlines()[-1] == "TOTAL,,8x8x8,13824,14848,15360,15360"  # ptflops/all: + relu 512
    res = runner.invoke(app, ["summary", str(spec), "--conventions", "--flops"])
    assert "torchvision FLOPs" in res.stdout and "27,648" in res.stdout  # 2 × 13,824
    res = runner.invoke(app, ["summary", str(spec), "--flops", "-f", "markdown"])
    assert "| FLOPs |" in res.stdout and "| 27,648 |" in res.stdout
    res = runner.invoke(app, ["summary", str(spec), "--convention", "thop"])
    assert res.exit_code == 2
