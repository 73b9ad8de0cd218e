"""MAC counting conventions: why two tools give two numbers for the same network.

The core counts MACs as torchvision publishes them ("torchvision": convolutions
and dense layers only, bias adds excluded).  Other tools count more:

* ``fvcore`` — facebookresearch/fvcore 0.1.5 ``FlopCountAnalysis`` (one fused
  multiply-add = one flop): convs and linears as torchvision, plus eval-mode
  BatchNorm (2 per element, 1 without affine), Group/LayerNorm (5 per element,
  4 without affine), adaptive average pooling (1 per input element),
  nearest / bilinear up-sampling (1 / 4 per output element).
* ``ptflops`` — ptflops 0.7.5, ``backend=FLOPS_BACKEND.PYTORCH`` with
  ``count_functional=False``: its per-module hooks, bias adds included, pooling
  1 per input element, ReLU-family 1 per element.
* ``all`` — every arithmetic operation at inference, bias included (defined
  here, see docs/conventions.md).

Every layer kind has one explicit :class:`Rule`; :func:`markdown_table`
renders them, and docs/conventions.md holds that table verbatim (a test keeps
them in sync).  Only integer arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from cnncalc.analysis.report import LayerReport, Report
from cnncalc.graph.nodes import Graph
from cnncalc.layers.base import REGISTRY, Layer
from cnncalc.layers.composite import ChannelShuffle, ChannelSplit, Crop, DeformConv, SqueezeExcite
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv
from cnncalc.layers.deconv import Deconv
from cnncalc.layers.dense import Dense
from cnncalc.layers.merge import Add, Concat, Multiply
from cnncalc.layers.norm import BatchNorm, GroupNorm, InstanceNorm, LayerNorm
from cnncalc.layers.pool import AdaptiveAvgPool, AdaptiveMaxPool, AvgPool, GlobalAvgPool, GlobalMaxPool, MaxPool
from cnncalc.layers.reshape import Flatten, PixelShuffle, PixelUnshuffle, Upsample, ZeroPad
from cnncalc.shapes import Shape

PRESETS = ("torchvision", "fvcore", "ptflops", "all")
Count = Callable[[Any, tuple[Shape, ...], Shape, int], int]  # (layer, inputs, output, core MACs)


@dataclass(frozen=True, slots=True)
class Term:
    """One counting rule and the words that document it."""

    count: Count
    doc: str

    def __add__(self, other: Term) -> Term:
        a, b = self.count, other.count
        return Term(lambda L, ins, out, m: a(L, ins, out, m) + b(L, ins, out, m), f"{self.doc} + {other.doc}")


@dataclass(frozen=True, slots=True)
class Rule:
    fvcore: Term
    ptflops: Term
    all: Term


def per_in(n: int, what: str = "") -> Term:
    return Term(lambda L, ins, out, m: n * ins[0].numel, f"{n} per input element{what}")


def per_out(n: int, what: str = "") -> Term:
    return Term(lambda L, ins, out, m: n * out.numel, f"{n} per output element{what}")


CORE = Term(lambda L, ins, out, m: m, "as torchvision")
ZERO = Term(lambda L, ins, out, m: 0, "0")
BIAS = Term(lambda L, ins, out, m: L.bias * out.numel, "bias: 1 per output element")
ACT = per_out(1)
AFFINE_2_1 = Term(lambda L, ins, out, m: (2 if L.affine else 1) * out.numel, "2 per element (1 without affine)")
AFFINE_5_4 = Term(lambda L, ins, out, m: (5 if L.affine else 4) * out.numel, "5 per element (4 without affine)")


def _offset_macs(L: DeformConv, ins: tuple[Shape, ...], out: Shape) -> int:
    off = L.offset_conv()
    return off.cost(ins, off.infer(ins)).macs


def _deform_ptflops(L: DeformConv, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    # DeformConv2d hook: kh·kw·(C_in·C_out/g + 24) per output position, + bias;
    # the offset conv is an ordinary Conv2d (its bias included).
    off = L.offset_conv()
    off_out = off.infer(ins)
    main = out.h * out.w * L.kernel[0] * L.kernel[1] * (ins[0].c * (L.filters // L.groups) + 24)
    return main + L.bias * out.numel + _offset_macs(L, ins, out) + off.bias * off_out.numel


def _deform_all(L: DeformConv, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    off_out = L.offset_conv().infer(ins)
    return m + L.bias * out.numel + L.offset_bias * off_out.numel + L.sampling_macs(ins, out)


def _pool_windows(L: MaxPool, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    return L.kernel[0] * L.kernel[1] * out.numel


def _adaptive_windows(size: int, n: int) -> int:
    """Sum of PyTorch's adaptive window lengths: [floor(i·size/n), ceil((i+1)·size/n))."""
    return sum(-(-(i + 1) * size // n) - i * size // n for i in range(n))


def _adaptive_all(L: AdaptiveAvgPool, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    x = ins[0]
    return _adaptive_windows(x.h, out.h) * _adaptive_windows(x.w, out.w) * x.c


UPSAMPLE_TAPS = {"nearest": 1, "bilinear": 4, "bicubic": 16}
FVCORE_UPSAMPLE = {"nearest": 1, "bilinear": 4, "bicubic": 0}  # aten::upsample_bicubic2d has no handle


def _se_squeeze(L: SqueezeExcite, ins: tuple[Shape, ...]) -> int:
    return L.squeezed(ins[0].c)


def _se_ptflops(L: SqueezeExcite, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    # torchvision SqueezeExcitation: AdaptiveAvgPool2d (input elements), two biased
    # 1x1 Conv2d, the activation module (ReLU hooked; SiLU not), the gate (not hooked).
    c, s = ins[0].c, _se_squeeze(L, ins)
    return ins[0].numel + m + s + c + (s if L.activation == "relu" else 0)


def _se_all(L: SqueezeExcite, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    c, s = ins[0].c, _se_squeeze(L, ins)
    return m + s + c + ins[0].numel + s + c + out.numel  # convs, biases, pool, activation, gate, multiply


def _merge_all(L: Add, ins: tuple[Shape, ...], out: Shape, m: int) -> int:
    return (len(ins) - 1) * out.numel


def _act(kind: str) -> type[Layer]:
    return REGISTRY[kind]


def _rules() -> dict[type[Layer], Rule]:
    conv_like = Rule(CORE, CORE + BIAS, CORE + BIAS)
    pool = Rule(ZERO, per_in(1), Term(_pool_windows, "kh·kw per output element"))
    upsample_fv = Term(lambda L, ins, out, m: FVCORE_UPSAMPLE[L.mode] * out.numel,
                       "nearest 1, bilinear 4, bicubic 0 per output element")
    upsample_all = Term(lambda L, ins, out, m: UPSAMPLE_TAPS[L.mode] * out.numel,
                        "nearest 1, bilinear 4, bicubic 16 per output element")
    ptflops_act = Rule(ZERO, ACT, ACT)
    unhooked_act = Rule(ZERO, ZERO, ACT)
    nothing = Rule(ZERO, ZERO, ZERO)
    rules: dict[type[Layer], Rule] = {
        Conv: conv_like,
        DepthwiseConv: conv_like,
        SeparableConv: conv_like,
        Deconv: Rule(CORE, CORE + BIAS, CORE + BIAS),
        DeformConv: Rule(
            Term(lambda L, ins, out, m: _offset_macs(L, ins, out), "offset conv only (deform_conv2d has no handle)"),
            Term(_deform_ptflops, "kh·kw·(C_in·C_out/g + 24) per output position + bias + offset conv with bias"),
            Term(_deform_all, "as torchvision + biases + bilinear sampling (4 per sampled value)"),
        ),
        Dense: conv_like,
        BatchNorm: Rule(AFFINE_2_1, AFFINE_2_1, per_out(2)),
        LayerNorm: Rule(AFFINE_5_4, per_out(1, " (ptflops looks for `affine`, LayerNorm has none)"), AFFINE_5_4),
        GroupNorm: Rule(AFFINE_5_4, AFFINE_2_1, AFFINE_5_4),
        InstanceNorm: Rule(AFFINE_5_4, AFFINE_2_1, AFFINE_5_4),
        MaxPool: pool,
        AvgPool: pool,
        GlobalAvgPool: Rule(per_in(1), per_in(1), per_in(1)),
        GlobalMaxPool: Rule(ZERO, per_in(1), per_in(1)),
        AdaptiveAvgPool: Rule(per_in(1), per_in(1), Term(_adaptive_all, "sum of window sizes")),
        AdaptiveMaxPool: Rule(ZERO, per_in(1), Term(_adaptive_all, "sum of window sizes")),
        Upsample: Rule(upsample_fv, per_out(1), upsample_all),
        SqueezeExcite: Rule(
            CORE + per_in(1, " (adaptive pool)"),
            Term(_se_ptflops, "as torchvision + biases + pool input elements + ReLU (if relu)"),
            Term(_se_all, "as torchvision + biases + pool + activation + gate + multiply"),
        ),
        Add: Rule(ZERO, ZERO, Term(_merge_all, "(inputs − 1) per output element")),
        Multiply: Rule(ZERO, ZERO, Term(_merge_all, "(inputs − 1) per output element")),
        _act("lrn"): Rule(ZERO, ZERO, Term(lambda L, ins, out, m: (L.size + 2) * out.numel,
                                           "size + 2 per element")),
    }
    for kind in ("relu", "relu6", "elu", "leaky_relu", "gelu", "prelu"):
        rules[_act(kind)] = ptflops_act
    for kind in ("silu", "hardswish", "sigmoid", "hardsigmoid", "tanh", "softmax", "mish", "softplus"):
        rules[_act(kind)] = unhooked_act
    for cls in (Concat, Flatten, ZeroPad, Crop, ChannelShuffle, ChannelSplit, PixelShuffle, PixelUnshuffle,
                _act("dropout"), _act("identity")):
        rules[cls] = nothing
    return rules


RULES = _rules()


def rule_for(layer: Layer) -> Rule | None:
    """The explicit rule for this layer's class (exact class: no inheritance guesses)."""
    return RULES.get(type(layer))


def macs_under(preset: str, layer: Layer, inputs: tuple[Shape, ...], out: Shape, core: int) -> int:
    """MACs of one layer in ``preset``; ``core`` is the torchvision count."""
    assert preset in PRESETS, preset
    rule = rule_for(layer)
    if preset == "torchvision" or rule is None:
        return core
    term: Term = getattr(rule, preset)
    return term.count(layer, inputs, out, core)


def per_layer(graph: Graph, report: Report) -> list[dict[str, int]]:
    """For each report row, its MACs under every preset."""
    assert len(graph.nodes) == len(report.rows)
    return [
        {p: macs_under(p, n.layer, r.inputs, r.output, r.cost.macs) for p in PRESETS}
        for n, r in zip(graph.nodes, report.rows)
    ]


def under(graph: Graph, report: Report, preset: str) -> Report:
    """The report with every row's MACs counted in ``preset`` (checks unchanged)."""
    if preset == "torchvision":
        return report
    rows: list[LayerReport] = []
    for node, r in zip(graph.nodes, report.rows):
        macs = macs_under(preset, node.layer, r.inputs, r.output, r.cost.macs)
        rows.append(replace(r, cost=replace(r.cost, macs=macs)))
    return Report(report.name, report.input, report.output, tuple(rows), report.checks)


def markdown_table() -> str:
    """The per-kind table of docs/conventions.md, generated from :data:`RULES`."""
    out = ["| kind | torchvision (core) | fvcore | ptflops | all |", "|---|---|---|---|---|"]
    for kind, cls in sorted(REGISTRY.items()):
        if kind != cls.kind:
            continue
        rule = RULES.get(cls)
        cells = ("not specified: as torchvision",) * 3 if rule is None else (
            rule.fvcore.doc, rule.ptflops.doc, rule.all.doc)
        core = _core_doc(cls)
        out.append(f"| {kind} | {core} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _core_doc(cls: type[Layer]) -> str:
    probes = {Conv: "H_out·W_out·C_out·(C_in/g)·kh·kw", DepthwiseConv: "H_out·W_out·C_out·kh·kw",
              SeparableConv: "H_out·W_out·(C_in·m·kh·kw + C_in·m·filters)",
              Deconv: "H_in·W_in·C_in·(C_out/g)·kh·kw (input-based)", DeformConv: "both convs, as conv",
              Dense: "positions·C_in·units", SqueezeExcite: "2·C·S"}
    return probes.get(cls, "0")


__all__ = ["PRESETS", "RULES", "Rule", "Term", "macs_under", "markdown_table", "per_layer", "under"]


if __name__ == "__main__":  # regenerate the table of docs/conventions.md
    print(markdown_table(), end="")
