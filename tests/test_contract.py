"""Acceptance tests: the contracts of issues 2 and 3, one test per stated behaviour.

Each test names the sentence of the issue it checks.  Expected numbers come from
the counting formulas worked by hand in the comments, or from the same layer built
in PyTorch (parameters(), BatchNorm buffers, FlopCounterMode total / 2 = MACs).
Statements the other test files already pin (the seed cases, the per-kind cases
in tests/cases, the bundled specs' totals) are not repeated here.

Tests marked ``xfail(strict=True)`` record a discrepancy between the issue and the
current behaviour; they start passing (and must then lose the mark) once it is fixed.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app
from cnncalc.errors import CnnCalcError, flatten

ROOT = Path(__file__).parent.parent
runner = CliRunner()
TORCH_REASON = "PyTorch is not installed: the cross-check against it is skipped"


def run(text: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), "c.yaml")


def errors_of(text: str) -> list[CnnCalcError]:
    with pytest.raises(CnnCalcError) as info:
        run(text)
    return flatten(info.value)


def cli(tmp_path: Path, text: str, *args: str, command: str = "summary") -> Any:
    spec = tmp_path / "c.yaml"
    spec.write_text(textwrap.dedent(text))
    return runner.invoke(app, [command, str(spec), *args])


def dims(report: cnncalc.Report) -> tuple[tuple[int, ...], int, int, int]:
    """(output, trainable, non-trainable, MACs) of a whole report."""
    t = report.totals
    return report.output.dims, t.trainable, t.non_trainable, t.macs


def torch_measure(model: Any, chw: tuple[int, ...]) -> tuple[tuple[int, ...], int, int, int]:
    """The same four numbers measured in PyTorch, channels-last like cnncalc."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    from torch.utils.flop_counter import FlopCounterMode

    model.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        y = model(torch.zeros(1, *chw))
    shape = tuple(y.shape[1:])
    out = (shape[1], shape[2], shape[0]) if len(shape) == 3 else shape
    trainable = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return out, trainable, stats, counter.get_total_flops() // 2


# ======================================================================================
# Issue 2 -- the spec language
# ======================================================================================


def test_list_input_null_and_scalar_entry_forms_name_and_expect() -> None:
    """'input: 32x32x1 ... the list [32, 32, 1] works too'; 'A layer entry is a bare kind
    name or a one-key mapping kind: args whose value is a mapping, a scalar (the main
    argument) or null. Beside the kind key an entry may carry name: and expect:'."""
    r = run("""
        input: [32, 32, 1]
        layers:
          - conv: {filters: 6, kernel: 5}
          - tanh:
          - avgpool: {kernel: 2}
          - conv: {filters: 16, kernel: 5}
          - tanh
          - avgpool: 2
          - flatten: null
          - dense: {units: 120}
          - tanh
          - linear: 84
            name: fc2
            expect: {output: 84, params: 10164}
          - tanh
          - add: [fc2, []]
          - dense: 10
          - softmax
    """)
    assert r.input.dims == (32, 32, 1)
    # LeNet-5 by hand: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 params;
    # 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520 MACs (the add counts 0)
    assert (r.totals.params, r.totals.macs) == (61_706, 416_520)
    # avgpool {kernel: 2} and avgpool: 2 both halve: 28 -> 14, 10 -> 5; flatten 5*5*16 = 400
    assert [x.output.dims for x in r.rows if x.kind in ("avgpool", "flatten")] == [(14, 14, 6), (5, 5, 16), (400,)]
    # the name refers to the output of linear: 84 (120*84 + 84 = 10,164 params)
    add = next(x for x in r.rows if x.kind == "add")
    assert [s.dims for s in add.inputs] == [(84,), (84,)]
    assert [c.ok for c in r.rows[9].checks] == [True, True] and r.rows[9].name == "fc2"


# The defaults of the issue's table, written out explicitly, change nothing; the values
# on the right are the formulas by hand.
DEFAULTS = [
    # conv 7x7x2, 4 filters 3x3: 5x5x4; 4*(2*9 + 1) = 76; 5*5*4*18 = 1,800
    ("conv: {filters: 4, kernel: 3}",
     "conv: {filters: 4, kernel: 3, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true}",
     (5, 5, 4), 76, 1_800),
    # dwconv: 5x5x2; 2*(9 + 1) = 20; 5*5*2*9 = 450
    ("dwconv: 3", "dwconv: {kernel: 3, stride: 1, padding: 0, dilation: 1, multiplier: 1, bias: true}",
     (5, 5, 2), 20, 450),
    # sepconv (Keras): depthwise 2*9 (no bias) + pointwise 2*4 + 4 bias = 30; 5*5*(18 + 8) = 650
    ("sepconv: {filters: 4, kernel: 3}",
     "sepconv: {filters: 4, kernel: 3, stride: 1, padding: 0, dilation: 1, multiplier: 1, bias: true}",
     (5, 5, 4), 30, 650),
    # deconv: (7-1)*1 + 2 + 1 = 9; 2*4*9 + 4 = 76; 7*7*2*4*9 = 3,528
    ("deconv: {filters: 4, kernel: 3}",
     "deconv: {filters: 4, kernel: 3, stride: 1, padding: 0, output_padding: 0, dilation: 1, groups: 1, bias: true}",
     (9, 9, 4), 76, 3_528),
    # maxpool stride = kernel: floor((7-3)/3) + 1 = 2
    ("maxpool: 3", "maxpool: {kernel: 3, stride: 3, padding: 0, ceil_mode: false}", (2, 2, 2), 0, 0),
    # avgpool [2, 3]: h floor(5/2) + 1 = 3, w floor(4/3) + 1 = 2
    ("avgpool: [2, 3]", "avgpool: {kernel: [2, 3], stride: [2, 3], padding: 0, ceil_mode: false}", (3, 2, 2), 0, 0),
    ("upsample: 2", "upsample: {scale: 2, mode: nearest}", (14, 14, 2), 0, 0),
    # dense on 7x7x2 acts on the last axis: 2*3 + 3 = 9; 49 positions * 2 * 3 = 294
    ("dense: 3", "dense: {units: 3, bias: true}", (7, 7, 3), 9, 294),
    ("groupnorm: 2", "groupnorm: {groups: 2}", (7, 7, 2), 4, 0),
]


@pytest.mark.parametrize(("short", "explicit", "out", "params", "macs"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_table_defaults(short: str, explicit: str, out: tuple[int, ...], params: int, macs: int) -> None:
    """The '(defaults)' column of the issue's layer table."""
    for body in (short, explicit):
        r = run(f"input: 7x7x2\nlayers:\n  - {body}\n")
        assert (r.output.dims, r.totals.params, r.totals.macs) == (out, params, macs), body


def _pair_models() -> list[tuple[str, str, Any, tuple[int, ...]]]:
    nn = pytest.importorskip("torch", reason=TORCH_REASON).nn

    class Deform(nn.Module):  # type: ignore[misc]
        """deform_conv counted as torchvision: the main conv plus its offset conv (2*kh*kw channels)."""

        def __init__(self) -> None:
            super().__init__()
            self.main = nn.Conv2d(4, 2, (3, 1), (2, 1), dilation=(1, 2))
            self.offset = nn.Conv2d(4, 2 * 3 * 1, (3, 1), (2, 1), dilation=(1, 2))

        def forward(self, x: Any) -> Any:
            self.offset(x)
            return self.main(x)

    return [
        ("11x9x4", "conv: {filters: 6, kernel: [3, 1], stride: [2, 1], dilation: [1, 2]}",
         nn.Conv2d(4, 6, (3, 1), (2, 1), dilation=(1, 2)), (4, 11, 9)),
        ("11x9x4", "dwconv: {kernel: [1, 3], stride: [1, 2], dilation: [2, 1], multiplier: 2}",
         nn.Conv2d(4, 8, (1, 3), (1, 2), dilation=(2, 1), groups=4), (4, 11, 9)),
        ("11x9x4", "sepconv: {filters: 5, kernel: [3, 1], stride: [1, 2], dilation: [2, 1]}",
         nn.Sequential(nn.Conv2d(4, 4, (3, 1), (1, 2), dilation=(2, 1), groups=4, bias=False), nn.Conv2d(4, 5, 1)),
         (4, 11, 9)),
        ("5x4x4", "deconv: {filters: 2, kernel: [2, 3], stride: [2, 1], dilation: [1, 2]}",
         nn.ConvTranspose2d(4, 2, (2, 3), (2, 1), dilation=(1, 2)), (4, 5, 4)),
        ("11x9x4", "deform_conv: {filters: 2, kernel: [3, 1], stride: [2, 1], dilation: [1, 2]}", Deform(), (4, 11, 9)),
        ("11x9x4", "maxpool: {kernel: [3, 2], stride: [2, 1]}", nn.MaxPool2d((3, 2), (2, 1)), (4, 11, 9)),
        ("11x9x4", "avgpool: [3, 2]", nn.AvgPool2d((3, 2)), (4, 11, 9)),
    ]


@pytest.mark.torch
def test_kernel_stride_dilation_take_h_w_pairs_everywhere() -> None:
    """'kernel, stride and dilation take an int or [h, w] everywhere'."""
    for shape, body, model, chw in _pair_models():
        assert dims(run(f"input: {shape}\nlayers:\n  - {body}\n")) == torch_measure(model, chw), body


@pytest.mark.torch
def test_padding_forms_match_pytorch() -> None:
    """padding: int, [ph, pw], [top, bottom, left, right], valid or same (conv, pools, zeropad)."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    nn, F = torch.nn, torch.nn.functional

    class Padded(nn.Module):  # type: ignore[misc]
        def __init__(self, pads: tuple[int, int, int, int], inner: Any) -> None:
            super().__init__()
            self.pads, self.inner = pads, inner  # F.pad order: left, right, top, bottom

        def forward(self, x: Any) -> Any:
            return self.inner(F.pad(x, self.pads))

    cases = [
        ("conv: {filters: 2, kernel: 3, padding: 1}", nn.Conv2d(3, 2, 3, padding=1)),
        ("conv: {filters: 2, kernel: 3, padding: [1, 2]}", nn.Conv2d(3, 2, 3, padding=(1, 2))),
        ("conv: {filters: 2, kernel: 3, padding: [0, 2, 1, 0]}", Padded((1, 0, 0, 2), nn.Conv2d(3, 2, 3))),
        ("conv: {filters: 2, kernel: 3, padding: valid}", nn.Conv2d(3, 2, 3)),
        ("conv: {filters: 2, kernel: 3, padding: same}", nn.Conv2d(3, 2, 3, padding="same")),
        ("maxpool: {kernel: 3, stride: 1, padding: [1, 0]}", nn.MaxPool2d(3, 1, (1, 0))),
        ("avgpool: {kernel: 2, padding: [0, 1, 1, 0]}", Padded((1, 0, 0, 1), nn.AvgPool2d(2))),
        ("maxpool: {kernel: 3, stride: 1, padding: same}", nn.MaxPool2d(3, 1, 1)),
        ("avgpool: {kernel: 2, padding: valid}", nn.AvgPool2d(2)),
        ("zeropad: 1", nn.ZeroPad2d(1)),
        ("zeropad: [1, 2]", nn.ZeroPad2d((2, 2, 1, 1))),
        ("zeropad: [0, 1, 2, 3]", nn.ZeroPad2d((2, 3, 0, 1))),
        ("zeropad: valid", nn.ZeroPad2d(0)),
    ]
    for body, model in cases:
        assert dims(run(f"input: 7x6x3\nlayers:\n  - {body}\n")) == torch_measure(model, (3, 7, 6)), body


@pytest.mark.torch
@pytest.mark.parametrize(("shape", "kernel", "dilation"), [("7x6x2", "[2, 4]", 1), ("5x5x2", "4", 2), ("9x8x2", "5", 2)])
def test_same_at_stride_1_is_pytorch_same(shape: str, kernel: str, dilation: int) -> None:
    """'padding: same ... (identical to PyTorch's same at stride 1)', even kernels and dilation too."""
    nn = pytest.importorskip("torch", reason=TORCH_REASON).nn
    h, w, c = (int(v) for v in shape.split("x"))
    k = json.loads(kernel)
    model = nn.Conv2d(c, 3, tuple(k) if isinstance(k, list) else k, padding="same", dilation=dilation)
    r = run(f"input: {shape}\nlayers:\n  - conv: {{filters: 3, kernel: {kernel}, dilation: {dilation}, padding: same}}\n")
    with warnings.catch_warnings():  # PyTorch warns that even kernels need a padded copy: irrelevant here
        warnings.simplefilter("ignore")
        assert dims(r) == torch_measure(model, (c, h, w))


def _same_note(report: cnncalc.Report) -> tuple[int, ...]:
    note = next(n for n in report.rows[-1].notes if n.startswith("same padding"))
    m = re.search(r"top (\d+), bottom (\d+), left (\d+), right (\d+)", note)
    assert m is not None, note
    return tuple(int(g) for g in m.groups())


def test_same_at_stride_2_is_ceil_with_odd_pixel_bottom_right() -> None:
    """'padding: same follows Keras/TensorFlow: out = ceil(in / stride), the total padding split
    with the odd pixel at the bottom/right'."""
    r = run("input: 8x7x1\nlayers:\n  - conv: {filters: 1, kernel: 3, stride: 2, padding: same, bias: false}\n")
    # h: ceil(8/2) = 4, total (4-1)*2 + 3 - 8 = 1 -> top 0, bottom 1
    # w: ceil(7/2) = 4, total (4-1)*2 + 3 - 7 = 2 -> left 1, right 1
    assert r.output.dims == (4, 4, 1)
    assert _same_note(r) == (0, 1, 1, 1)
    # the same rule for a pool, 'same included': h ceil(8/3) = 3, total (3-1)*3 + 4 - 8 = 2 -> 1, 1;
    # w ceil(7/3) = 3, total 6 + 4 - 7 = 3 -> left 1, right 2 (the odd pixel on the right)
    p = run("input: 8x7x1\nlayers:\n  - maxpool: {kernel: 4, stride: 3, padding: same}\n")
    assert p.output.dims == (3, 3, 1)
    assert _same_note(p) == (1, 1, 1, 2)


def _ceil_rule_configs() -> list[tuple[int, int, int, int]]:
    """Every (in, k, s, p) in a small range where PyTorch's rule drops the last window:
    out = ceil((in + 2p - k)/s) + 1, and (out - 1)*s >= in + p (it would start in the right padding)."""
    found = []
    for size, k, s, p in itertools.product(range(1, 12), range(1, 5), range(1, 5), range(3)):
        if p > k // 2 or size + 2 * p < k:
            continue
        out = (size + 2 * p - k + s - 1) // s + 1
        if (out - 1) * s >= size + p:
            found.append((size, k, s, p))
    return found


@pytest.mark.torch
def test_ceil_mode_last_window_rule_matches_pytorch() -> None:
    """'ceil_mode exactly as PyTorch, including its rule that the last window may not start in
    the right padding' -- every configuration of a small range where the rule fires."""
    nn = pytest.importorskip("torch", reason=TORCH_REASON).nn
    configs = _ceil_rule_configs()
    assert len(configs) > 50  # the rule does fire in this range
    for (size, k, s, p), kind in itertools.product(configs, ("maxpool", "avgpool")):
        model = (nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d)(k, s, p, ceil_mode=True)
        r = run(f"input: {size}x{size}x1\nlayers:\n  - {kind}: {{kernel: {k}, stride: {s}, padding: {p}, ceil_mode: true}}\n")
        naive = (size + 2 * p - k + s - 1) // s + 1
        assert r.output.dims == torch_measure(model, (1, size, size))[0] == (naive - 1, naive - 1, 1), (kind, size, k, s, p)


ISSUE_TABLE = {
    # issue 2's table, then issue 3's kinds: kind -> argument names it lists
    "conv": ["filters", "kernel", "stride", "padding", "dilation", "groups", "bias"],
    "dwconv": ["kernel", "stride", "padding", "dilation", "multiplier", "bias"],
    "sepconv": ["filters", "kernel"],
    "deconv": ["filters", "kernel", "stride", "padding", "output_padding", "dilation", "groups", "bias"],
    "maxpool": ["kernel", "stride", "padding", "ceil_mode"],
    "avgpool": ["kernel", "stride", "padding", "ceil_mode"],
    "global_avgpool": [], "global_maxpool": [],
    "adaptive_avgpool": ["output"], "adaptive_maxpool": ["output"],
    "upsample": ["scale", "size", "mode"],
    "zeropad": ["padding"],
    "flatten": [],
    "dense": ["units", "bias"],
    "bn": [], "layernorm": [], "groupnorm": ["groups"],
    "relu": [], "relu6": [], "leaky_relu": [], "elu": [], "gelu": [], "silu": [], "hardswish": [],
    "sigmoid": [], "hardsigmoid": [], "tanh": [], "softmax": [], "dropout": ["rate"], "lrn": ["size"],
    "concat": [], "add": [], "multiply": [], "crop": ["to"], "channel_shuffle": ["groups"],
    "se": ["reduction", "squeeze", "activation", "gate"],
    "deform_conv": ["filters", "kernel", "stride", "padding", "dilation", "groups", "bias"],
}
ALIASES = {"dense": "linear", "bn": "batchnorm", "silu": "swish"}


def test_kinds_lists_every_kind_and_argument_of_the_issues() -> None:
    """Every kind of the issues' tables, with the arguments they name and the aliases
    'dense (alias linear)', 'bn (batchnorm)', 'silu (swish)'."""
    res = runner.invoke(app, ["kinds"])
    assert res.exit_code == 0
    listed: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in res.stdout.splitlines():
        if line and not line.startswith(" "):
            current = line.split(":")[0].split(" (")[0]
            listed[current] = (line.split(":")[0], [])
        elif line.strip():
            listed[current][1].append(line.split()[0].rstrip(":"))
    for kind, args in ISSUE_TABLE.items():
        assert kind in listed, kind
        assert set(args) <= set(listed[kind][1]), (kind, listed[kind][1])
    for kind, alias in ALIASES.items():
        assert alias in listed[kind][0], (kind, listed[kind][0])


@pytest.mark.torch
def test_counting_conventions_on_a_mixed_network_match_pytorch() -> None:
    """Parameters as parameters(), BatchNorm running statistics non-trainable, MACs as
    FlopCounterMode / 2: conv (Keras same at stride 2, grouped, depthwise), transposed conv
    (input-based), dense on the last axis, squeeze-excite; bias, norms, activations, pooling
    (ceil_mode), up-sampling and merges count 0."""
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    nn, F = torch.nn, torch.nn.functional

    class SE(nn.Module):  # type: ignore[misc]
        # torchvision.ops.misc.SqueezeExcitation: avgpool, fc1 1x1, ReLU, fc2 1x1, Sigmoid, scale * input
        def __init__(self, c: int, s: int) -> None:
            super().__init__()
            self.fc1, self.fc2 = nn.Conv2d(c, s, 1), nn.Conv2d(s, c, 1)

        def forward(self, x: Any) -> Any:
            return torch.sigmoid(self.fc2(torch.relu(self.fc1(F.adaptive_avg_pool2d(x, 1))))) * x

    class Net(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.c1, self.bn = nn.Conv2d(3, 8, 3, 2), nn.BatchNorm2d(8)
            self.dw, self.pw = nn.Conv2d(8, 8, 3, padding=1, groups=8), nn.Conv2d(8, 8, 1, groups=2, bias=False)
            self.c2, self.se = nn.Conv2d(8, 4, 1), SE(12, 3)
            self.up_conv = nn.ConvTranspose2d(12, 6, 4, 2, 1)
            self.fc1, self.ln, self.fc2 = nn.Linear(6, 5), nn.LayerNorm(5), nn.Linear(5, 10)

        def forward(self, x: Any) -> Any:
            a = torch.relu(self.bn(self.c1(F.pad(x, (0, 1, 0, 1)))))  # Keras same, stride 2: 16 -> 8
            y = self.pw(self.dw(a)) + a
            y = self.se(torch.cat([a, self.c2(y)], 1))
            y = F.max_pool2d(self.up_conv(y), 3, 2, 1, ceil_mode=True)  # 16 -> 9
            y = F.avg_pool2d(F.interpolate(y, scale_factor=2), 2)  # 18 -> 9
            y = self.ln(self.fc1(y.permute(0, 2, 3, 1)))  # dense and layernorm on the last axis
            return torch.softmax(self.fc2(y.mean((1, 2))), -1)

    r = run("""
        input: 16x16x3
        layers:
          - conv: {filters: 8, kernel: 3, stride: 2, padding: same}
          - bn
          - relu:
            name: a
          - add:
              - [dwconv: {kernel: 3, padding: 1}, conv: {filters: 8, kernel: 1, groups: 2, bias: false}]
              - []
          - concat: [a, [conv: {filters: 4, kernel: 1}]]
          - se: {reduction: 4}
          - deconv: {filters: 6, kernel: 4, stride: 2, padding: 1}
          - maxpool: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}
          - upsample: 2
          - avgpool: 2
          - dense: 5
          - layernorm
          - global_avgpool
          - flatten
          - dense: 10
          - softmax
    """)
    assert dims(r) == torch_measure(Net(), (3, 16, 16))
    # FLOPs = 2 x MACs, always
    assert r.totals.flops == 2 * r.totals.macs


# ======================================================================================
# Issue 2 -- `cnncalc summary` and `cnncalc check`
# ======================================================================================

BOTTLENECK = """
    input: 28x28x192
    layers:
      - conv: {filters: 16, kernel: 1}
      - conv: {filters: 32, kernel: 5, padding: same}
      - bn
"""


def test_table_columns_share_thousands_and_short_forms(tmp_path: Path) -> None:
    """'Table: name, kind, input, output, params, MACs, share of total MACs; totals: params
    (trainable / non-trainable), MACs, FLOPs. Numbers with thousands separators plus a short
    form (120.4M). Plain text when piped.'"""
    res = cli(tmp_path, BOTTLENECK)
    assert res.exit_code == 0 and "\x1b[" not in res.stdout
    lines = res.stdout.splitlines()
    header = next(ln for ln in lines if ln.split()[:1] == ["name"])
    # the BN running statistics (non-trainable) are in the params column: its header says so (*)
    assert header.split() == ["name", "kind", "input", "output", "params*", "MACs", "MACs", "%"]
    conv1 = next(ln for ln in lines if ln.split()[:1] == ["conv1"])
    conv2 = next(ln for ln in lines if ln.split()[:1] == ["conv2"])
    # 28*28*16*192 = 2,408,448 and 28*28*32*25*16 = 10,035,200 MACs; total 12,443,648;
    # shares 2,408,448 / 12,443,648 = 19.35 % and 80.65 %
    assert "2,408,448 (2.4M)" in conv1 and conv1.split()[-1] == "19.4"
    assert "10,035,200 (10.0M)" in conv2 and conv2.split()[-1] == "80.6"
    # params: 16*193 = 3,088 + 32*(400 + 1) = 12,832 + BN 2*32 trainable = 15,984; 2*32 running stats
    text = " ".join(res.stdout.split())
    assert "params: 16,048 (16.0K) (trainable 15,984, non-trainable 64)" in text
    assert "* params include 64 non-trainable running statistics" in text
    assert "MACs: 12,443,648 (12.4M)" in text and "FLOPs (2 x MACs): 24,887,296 (24.9M)" in text


def test_json_contract_generated_names_and_vectors(tmp_path: Path) -> None:
    """JSON keys; 'Shapes are [H, W, C] lists, vectors [N]. Unnamed layers get readable
    generated names (conv1, relu3)'."""
    res = cli(tmp_path, """
        input: 6x6x2
        layers: [conv: {filters: 2, kernel: 3}, relu, relu, flatten, relu, linear: 3, dense: 2]
    """, "--format", "json")
    data = json.loads(res.stdout)
    assert {"name", "input", "output", "layers", "totals"} <= set(data)
    assert set(data["totals"]) >= {"params", "trainable_params", "non_trainable_params", "macs", "flops"}
    for layer in data["layers"]:
        assert {"name", "kind", "input", "output", "params", "trainable_params", "macs"} <= set(layer)
    # numbered per kind, aliases under their kind's name
    assert [x["name"] for x in data["layers"]] == ["conv1", "relu1", "relu2", "flatten1", "relu3", "dense1", "dense2"]
    assert data["input"] == [6, 6, 2] and data["layers"][0]["output"] == [4, 4, 2]
    assert data["layers"][3]["output"] == [32] and data["output"] == [2]  # 4*4*2 = 32
    # conv 2*(2*9+1) = 38, 4*4*2*18 = 576; dense 32*3+3 = 99, 96; dense 3*2+2 = 8, 6
    assert (data["totals"]["params"], data["totals"]["macs"]) == (38 + 99 + 8, 576 + 96 + 6)


def test_generated_names_never_repeat_a_user_name() -> None:
    """'name: (unique; refers to its output later)' / readable generated names: a report in
    which two rows are called conv2 cannot be read by name."""
    r = run("""
        input: 8x8x4
        layers:
          - conv: {filters: 4, kernel: 1}
            name: conv2
          - conv: {filters: 4, kernel: 1}
          - conv: {filters: 4, kernel: 1}
    """)
    names = [x.name for x in r.rows]
    assert len(set(names)) == len(names), names


# dense: N units on the vector [1] costs 1*N = N MACs, so any count can be claimed against.
SHORT_FORMS = [
    (120_350_000, "120.4M", True),  # 120.35M rounds (half up) to 120.4M
    (120_449_999, "120.4M", True),
    (120_450_000, "120.4M", False),  # rounds to 120.5M
    (120_349_999, "120.4M", False),  # rounds to 120.3M
    (120_422_400, "120.42M", True),
    (120_422_400, "120.40M", False),  # two decimals: 120.395M .. 120.405M
    (120_422_400, "120M", True),  # no decimals: 119.5M .. 120.5M
    (1_249_999_999, "1.2G", True),
    (1_250_000_000, "1.2G", False),
    (416_520, "416.5K", True),
    (120_422_400, "120,422,400", True),  # written in full: exact
    (120_422_401, "120422400", False),
]


@pytest.mark.parametrize(("actual", "claim", "ok"), SHORT_FORMS, ids=[f"{a}~{c}" for a, c, _ in SHORT_FORMS])
def test_short_forms_match_at_their_written_precision(tmp_path: Path, actual: int, claim: str, ok: bool) -> None:
    """'Short forms (120.4M, 1.2G) match at the precision they are written with.'"""
    res = cli(tmp_path, f"input: [1]\nlayers: [dense: {actual}]\nexpect: {{macs: '{claim}'}}\n", command="check")
    assert res.exit_code == (0 if ok else 1), res.output


CLAIMS = """
    input: 7x7x3
    layers:
      - conv: {filters: 3, kernel: 3}
        expect: {output: 5x5x3, params: 84, macs: 1875}
      - bn:
        expect: {trainable_params: 6, non_trainable_params: 6, params: 12, flops: 0}
    expect: {params: 96, trainable_params: 90, non_trainable_params: 6, macs: 2025, flops: 4050, output: 5x5x3,
             aux_macs: 0}
"""


def test_summary_marks_claims_and_check_lists_only_them(tmp_path: Path) -> None:
    """'summary marks each expectation pass/fail; cnncalc check prints the expectations only
    and exits 1 if any fails' -- every claim key, on a layer and on the totals."""
    # conv 3 filters 3x3x3: (7-3)+1 = 5 -> 5x5x3; 3*(27+1) = 84 params; 5*5*3*27 = 2,025 MACs
    # (the issue's example claims 1,875, which fails); BN 2*3 trainable + 2*3 running stats
    summary = cli(tmp_path, CLAIMS)
    assert summary.exit_code == 0
    conv1 = next(ln for ln in summary.stdout.splitlines() if ln.split()[:1] == ["conv1"])
    bn1 = next(ln for ln in summary.stdout.splitlines() if ln.split()[:1] == ["bn1"])
    assert conv1.rstrip().endswith("✓✓✗") and bn1.rstrip().endswith("✓✓✓✓")
    assert "FAIL conv1 macs: expected 1875, computed 2,025" in summary.stdout
    check = cli(tmp_path, CLAIMS, command="check")
    assert check.exit_code == 1
    lines = check.stdout.strip().splitlines()
    assert lines[-1] == "13 passed, 1 failed"
    assert all(ln.split()[0] in ("PASS", "FAIL") for ln in lines[:-1]) and len(lines) == 15
    assert "MACs %" not in check.stdout  # the expectations only, no table
    assert [ln.split()[:3] for ln in lines if ln.startswith("FAIL")] == [["FAIL", "conv1", "macs"]]


# ======================================================================================
# Issue 2 -- errors
# ======================================================================================

IMPOSSIBLE = [
    # (layer on a 4x4x6 input, name, words the message must hold: the rule that failed)
    ("conv: {filters: 1, kernel: 5}", "big", ["kernel", "5", "larger"]),  # 5 > 4 + 0 + 0
    ("deconv: {filters: 1, kernel: 1, padding: 3}", "shrink", ["padding"]),  # (4-1) - 6 + 1 = -2
    ("maxpool: 5", "pool", ["5x5"]),  # floor((4-5)/5) + 1 = 0
    ("conv: {filters: 8, kernel: 1, groups: 4}", "grouped", ["groups=4", "6"]),  # 4 does not divide 6
    ("crop: 2", "cut", ["2+2"]),  # 4 - 2 - 2 = 0 rows left
]


@pytest.mark.parametrize(("body", "name", "words"), IMPOSSIBLE, ids=[i[1] for i in IMPOSSIBLE])
def test_impossible_shapes_name_layer_input_and_rule(tmp_path: Path, body: str, name: str, words: list[str]) -> None:
    """'exit 2, file:line:col: message, the source line with a caret, no traceback; impossible
    shapes (kernel larger than the padded input, zero or negative output, groups not dividing
    channels) name the layer, its input shape and the rule that failed'."""
    res = cli(tmp_path, f"input: 4x4x6\nlayers:\n  - relu\n  - {body}\n    name: {name}\n")
    assert res.exit_code == 2 and res.stdout == "" and "Traceback" not in res.stderr
    first, source, caret = res.stderr.splitlines()[:3]
    assert first.startswith(f"{tmp_path / 'c.yaml'}:4:5: error[")
    assert source == f"   4 |   - {body}" and caret == "     |     ^"
    for word in [name, "4x4x6", *words]:
        assert word in first, (word, first)


def test_all_spec_errors_of_a_file_in_one_run() -> None:
    """'all spec errors of a file in one run': a top-level mistake and layer mistakes together."""
    errs = errors_of("""
        nmae: net
        input: 32x32
        layers:
          - reul
          - conv: {filters: 4, kernal: 3}
    """)
    assert {"E106", "E112", "E120", "E121"} <= {e.code for e in errs}


def test_errors_in_an_unused_block_are_reported() -> None:
    """'all spec errors of a file in one run' -- an unknown kind in a block nobody uses yet."""
    errs = errors_of("""
        input: 8x8x4
        blocks:
          spare: {layers: [reul]}
        layers: [relu]
    """)
    assert [e.code for e in errs] == ["E120"]


DID_YOU_MEAN = [
    ("top-level key", "nmae: n\ninput: 8x8x4\nlayers: [relu]\n", "name"),
    ("expect key", "input: 8x8x4\nlayers: [relu]\nexpect: {parms: 0}\n", "params"),
    ("block key", "input: 8x8x4\nblocks:\n  b: {args: {n: 1}, layres: [relu]}\nlayers: [b]\n", "layers"),
    ("block argument", "input: 8x8x4\nblocks:\n  b: {args: {filters: 1}, layers: [relu]}\nlayers:\n  - b: {filtres: 2}\n",
     "filters"),
    ("block name as kind", "input: 8x8x4\nblocks:\n  basic: {layers: [relu]}\nlayers: [basci]\n", "basic"),
    ("padding word", "input: 8x8x4\nlayers:\n  - conv: {filters: 1, kernel: 3, padding: smae}\n", "same"),
    ("mode word", "input: 8x8x4\nlayers:\n  - upsample: {scale: 2, mode: bilinaer}\n", "bilinear"),
]


@pytest.mark.parametrize(("what", "text", "meant"), DID_YOU_MEAN, ids=[d[0] for d in DID_YOU_MEAN])
def test_unknown_keys_and_words_get_did_you_mean(what: str, text: str, meant: str) -> None:
    """'unknown kinds and keys get a did-you-mean' (kinds and layer arguments: tests/test_graph.py)."""
    hints = [e.hint for e in errors_of(text)]
    assert f"did you mean '{meant}'?" in hints, hints


@pytest.mark.parametrize("key", ["nmae", "expcet", "repaet"])
def test_misspelt_key_beside_the_kind_gets_did_you_mean(key: str) -> None:
    """'Beside the kind key an entry may carry name: and expect:' + 'unknown ... keys get a
    did-you-mean' -- and the caret should point at the key."""
    [err] = errors_of(f"input: 8x8x4\nlayers:\n  - relu:\n    {key}: 2\n")
    assert err.hint is not None and "did you mean" in err.hint
    assert err.pos is not None and (err.pos.line, err.pos.col) == (4, 5)


def test_misspelt_name_at_the_start_of_a_path_gets_did_you_mean() -> None:
    """'A path may begin with a name' + did-you-mean: [enc44, crop: ...] should suggest enc4."""
    [err] = errors_of("""
        input: 16x16x4
        layers:
          - conv: {filters: 4, kernel: 3}
            name: enc4
          - conv: {filters: 4, kernel: 3}
            name: up4
          - concat: [[enc44, crop: {to: up4}], []]
    """)
    assert err.hint == "did you mean 'enc4'?"


# ======================================================================================
# Issue 3 -- merges, paths, crop, channel_shuffle, se, deform_conv, aux
# ======================================================================================


def test_issue3_merge_snippet_verbatim() -> None:
    """The issue's snippet: a ResNet basic block as add of a path and [], relu, then the U-Net
    skip concat: [d4, []] (the output named d4, then the current tensor)."""
    r = run("""
        input: 56x56x64
        layers:
          - conv: {filters: 64, kernel: 1}
            name: d4
          - add:                       # ResNet basic block
              - [conv: {filters: 64, kernel: 3, padding: 1, bias: false}, bn, relu,
                 conv: {filters: 64, kernel: 3, padding: 1, bias: false}, bn]
              - []
          - relu
          - concat: [d4, []]           # U-Net skip: the output named d4, then the current tensor
    """)
    add = next(x for x in r.rows if x.kind == "add")
    d4 = next(x for x in r.rows if x.name == "d4")
    assert add.inputs == (add.inputs[0], d4.output) and add.output.dims == (56, 56, 64)
    concat = r.rows[-1]
    assert concat.inputs[0] == d4.output and concat.output.dims == (56, 56, 128)  # 64 + 64
    # d4: 64*64 + 64 = 4,160; two 3x3 convs 64*64*9 = 36,864 each; two BNs 2*64 each way
    assert r.totals.trainable == 4_160 + 2 * 36_864 + 2 * 128
    assert r.totals.non_trainable == 2 * 128
    # MACs: 56*56*64*64 = 12,845,056 + 2 * 56*56*64*576 = 2 * 115,605,504
    assert r.totals.macs == 12_845_056 + 2 * 115_605_504


def test_multiply_broadcasts_a_gate_in_either_position() -> None:
    """'multiply broadcasts 1x1xC against HxWxC' -- the gate may come first or second; a gate
    with another C is refused, naming both shapes."""
    r = run("input: 5x3x4\nlayers:\n  - multiply: [[], [global_avgpool, sigmoid]]\n")
    assert r.output.dims == (5, 3, 4) and r.totals.macs == 0
    [err] = errors_of("input: 5x3x4\nlayers:\n  - multiply: [[global_avgpool, conv: {filters: 2, kernel: 1}], []]\n")
    assert err.code == "E310" and "1x1x2" in err.message and "5x3x4" in err.message


def test_crop_to_a_name_and_explicit_amounts() -> None:
    """'crop: {to: NAME} centre-crops the current tensor to the spatial size of a named output
    (or explicit amounts)' -- amounts in the padding forms."""
    # x is 9x8x2; t: 9-4+1 = 6, 8-4+1 = 5; x centre-cropped to 6x5 (odd differences: 3 rows, 3 columns)
    r = run("""
        input: 9x8x2
        layers:
          - relu:
            name: x
          - conv: {filters: 3, kernel: 4}
            name: t
          - concat: [[x, crop: {to: t}], []]
          - crop: 1
          - crop: [1, 0]
          - crop: {amount: [0, 1, 1, 0]}
    """)
    # crop to t: 6x5x2, joined with t: 6x5x5; then 6x5 -> 4x3 -> 2x3 -> 1x2
    assert [x.output.dims for x in r.rows if x.kind in ("crop", "concat")] == [
        (6, 5, 2), (6, 5, 5), (4, 3, 5), (2, 3, 5), (1, 2, 5)]
    assert sum(x.cost.params for x in r.rows if x.kind == "crop") == 0


class _SqueezeExcitation:
    """torchvision.ops.misc.SqueezeExcitation (torchvision is not installed; same modules)."""

    @staticmethod
    def build(c: int, s: int, act: str, gate: str) -> Any:
        torch = pytest.importorskip("torch", reason=TORCH_REASON)
        nn = torch.nn

        class SE(nn.Module):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.avgpool = nn.AdaptiveAvgPool2d(1)
                self.fc1, self.fc2 = nn.Conv2d(c, s, 1), nn.Conv2d(s, c, 1)
                self.activation = nn.SiLU() if act == "silu" else nn.ReLU()
                self.scale_activation = nn.Hardsigmoid() if gate == "hardsigmoid" else nn.Sigmoid()

            def forward(self, x: Any) -> Any:
                scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
                return scale * x

        return SE()


SE_FORMS = [
    (64, "se: {reduction: 4}", 16, "relu", "sigmoid"),  # S = 64 // 4
    (40, "se: {squeeze: 8}", 8, "relu", "sigmoid"),
    (96, "se: {squeeze: 24, activation: silu, gate: hardsigmoid}", 24, "silu", "hardsigmoid"),
    (32, "se: {reduction: 4, activation: silu}", 8, "silu", "sigmoid"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("c", "body", "s", "act", "gate"), SE_FORMS, ids=[f[1] for f in SE_FORMS])
def test_se_forms_counted_like_torchvision(c: int, body: str, s: int, act: str, gate: str) -> None:
    """'se: {reduction: 4} or se: {squeeze: 8} with selectable activation (relu, silu) and gate
    (sigmoid, hardsigmoid) ... counted like torchvision's SqueezeExcitation'."""
    r = run(f"input: 7x5x{c}\nlayers:\n  - {body}\n")
    assert dims(r) == torch_measure(_SqueezeExcitation.build(c, s, act, gate), (c, 7, 5))


DEFORM = "input: 8x8x4\nlayers:\n  - deform_conv: {filters: 6, kernel: 3, stride: 2, padding: 1, groups: 2}\n"


@pytest.mark.torch
def test_deform_conv_counts_its_offset_conv_and_keeps_sampling_apart(tmp_path: Path) -> None:
    """'deform_conv (conv arguments; the offset conv with 2*kh*kw channels is counted; the MAC
    formula, including bilinear sampling, ... reported apart from the convention total)'."""
    nn = pytest.importorskip("torch", reason=TORCH_REASON).nn

    class Deform(nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.main = nn.Conv2d(4, 6, 3, 2, 1, groups=2)
            self.offset = nn.Conv2d(4, 2 * 3 * 3, 3, 2, 1)

        def forward(self, x: Any) -> Any:
            self.offset(x)
            return self.main(x)

    r = cnncalc.analyze_text(DEFORM)
    # main 6*(2*9 + 1) = 114 + offset 18*(4*9 + 1) = 666 -> 780; MACs 4*4*6*18 + 4*4*18*36 = 12,096
    assert dims(r) == torch_measure(Deform(), (4, 8, 8)) == ((4, 4, 6), 780, 0, 12_096)
    # bilinear sampling, 4 MACs per sampled value: H_out*W_out*C_in*kh*kw*4 = 4*4*4*9*4 = 2,304
    data = json.loads(cli(tmp_path, DEFORM, "--format", "json").stdout)
    assert data["totals"]["macs"] == 12_096
    assert any("2,304" in note for note in data["layers"][0]["notes"])


def test_deform_conv_sampling_macs_shown_in_the_summary_table(tmp_path: Path) -> None:
    """'... reported apart from the convention total': the default report shows them."""
    res = cli(tmp_path, DEFORM)
    assert res.exit_code == 0 and "2,304" in res.stdout  # 4*4*4*9*4, as above


def test_deform_conv_mac_formula_stated_in_its_docs() -> None:
    """'the MAC formula, including bilinear sampling, stated in its docs': the user-facing docs
    (docs/spec-language.md or `cnncalc kinds`) give the sampling formula H_out·W_out·C_in·kh·kw·4."""
    docs = (ROOT / "docs" / "spec-language.md").read_text()
    rows = [ln for ln in docs.splitlines() if "deform_conv" in ln]
    kinds = runner.invoke(app, ["kinds"]).stdout
    rows += [ln for ln in kinds.split("\ndense")[0].split("deform_conv", 1)[-1].splitlines()]
    text = " ".join(rows).replace(" ", "")
    assert "sampling" in text and "H_out·W_out·C_in·kh·kw" in text


def test_aux_head_params_in_totals_macs_shown_apart(tmp_path: Path) -> None:
    """'aux: [layers...] hangs a train-only head off the current tensor and the main flow goes on
    unchanged; its parameters count in the totals, its MACs are shown apart'."""
    res = cli(tmp_path, """
        input: 16x16x8
        layers:
          - conv: {filters: 8, kernel: 3, padding: 1}
          - aux: [global_avgpool, flatten, dense: 10]
          - maxpool: 2
          - flatten
          - dense: 3
    """)
    # main: conv 8*(72+1) = 584, 16*16*8*72 = 147,456 MACs; dense 512*3+3 = 1,539, 1,536 MACs
    # aux: dense 8*10 + 10 = 90 params, 80 MACs
    text = " ".join(res.stdout.split())
    assert "params: 2,213 (2.2K)" in text  # 584 + 1,539 + 90
    assert "MACs: 148,992 (149.0K)" in text  # 147,456 + 1,536
    assert "aux-head MACs (training only, not in the total): 80" in text
    dense1 = next(ln for ln in res.stdout.splitlines() if ln.split()[:1] == ["dense1"])
    assert dense1.split()[-1] == "aux"  # no share of the inference total
    maxpool = next(ln for ln in res.stdout.splitlines() if ln.split()[:1] == ["maxpool1"])
    assert "16x16x8" in maxpool  # the main flow goes on from the conv, not from the head


def test_a_false_claim_beside_an_aux_head_does_not_pass(tmp_path: Path) -> None:
    """'Any layer ... may carry expect:' / check 'exits 1 if any fails': a claim written beside
    `aux:` must be judged (on the head) or refused -- never silently dropped."""
    # the head: dense on the vector 4*4*2 = 32: 32*3 + 3 = 99 params, so 999 is false
    res = cli(tmp_path, """
        input: 4x4x2
        layers:
          - aux: [flatten, dense: 3]
            expect: {params: 999}
          - relu
    """, command="check")
    assert res.exit_code in (1, 2), res.output


def test_main_flow_cannot_silently_depend_on_an_aux_head() -> None:
    """'the main flow goes on unchanged ... its MACs are shown apart (it does not run at
    inference)': if the main flow uses a layer of the head, that layer does run at inference.
    Either refuse the reference or count its MACs in the inference total."""
    try:
        r = run("""
            input: 8x8x3
            layers:
              - aux: [{conv: {filters: 3, kernel: 1}, name: h}]
              - add: [h, []]
        """)
    except CnnCalcError:
        return
    assert r.totals.macs == 8 * 8 * 3 * 3  # the 1x1 conv 3 -> 3 the add needs: 576


def test_mismatch_names_both_inputs_shapes_and_the_rounding_layer() -> None:
    """'Mismatch errors name both inputs, their shapes, and the earlier layer whose rounding
    caused it' -- here a strided conv rounding 15 up to 8."""
    [err] = errors_of("""
        input: 15x15x3
        layers:
          - conv: {filters: 4, kernel: 3, padding: 1}
            name: skip
          - conv: {filters: 4, kernel: 3, stride: 2, padding: 1}
            name: down
          - upsample: 2
            name: up
          - concat: [skip, up]
    """)
    # down: floor((15 + 2 - 3)/2) + 1 = 8; up: 16; skip stays 15
    assert err.code == "E310"
    for word in ("skip", "up", "15x15x4", "16x16x4"):
        assert word in err.message, (word, err.message)
    assert err.hint is not None and "down" in err.hint and "15 to 8" in err.hint


# ======================================================================================
# Issue 3 -- blocks
# ======================================================================================


def test_block_arguments_stand_for_any_value() -> None:
    """'$arg and ${expression} ... may stand for any value': a list, a word, a boolean, a whole
    argument mapping, a layer kind."""
    r = run("""
        input: 8x8x4
        blocks:
          unit:
            args: {k: [3, 1], pad: same, b: false, conf: {filters: 8, kernel: 1}, act: hardswish}
            layers:
              - conv: {filters: 6, kernel: $k, padding: $pad, bias: $b}
              - conv: $conf
              - $act
        layers:
          - unit
          - unit: {act: {leaky_relu: 0.2}, b: true}
    """)
    assert [x.kind for x in r.rows] == ["conv", "conv", "hardswish", "conv", "conv", "leaky_relu"]
    # [3, 1] same keeps 8x8: 6*4*3 = 72 (no bias); 1x1 6 -> 8: 8*(6 + 1) = 56;
    # second use on 8 channels with bias: 6*8*3 + 6 = 150; 1x1 again 56
    assert [x.cost.params for x in r.rows if x.kind == "conv"] == [72, 56, 150, 56]
    assert r.output.dims == (8, 8, 8)


EXPRESSIONS = [
    # with n = 7, m = 3; Python integer semantics (// floors, % takes the divisor's sign)
    ("n + m", 10), ("n - m", 4), ("n * m", 21), ("n // m", 2), ("n % m", 1),
    ("n + m * 2", 13), ("(n + m) * 2", 20), ("-(m - n)", 4), ("- m + 10", 7),
    ("min(n, m, 5)", 3), ("max(n, m, 5)", 7), ("max(min(n, 4), m) * 2", 8),
    ("(0 - n) // 2 + 10", 6), ("(0 - n) % m + 1", 3),
]


@pytest.mark.parametrize(("expr", "value"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_expressions_integer_arithmetic(expr: str, value: int) -> None:
    """'${expression} (integers, + - * // %, parentheses, min, max)', also inside a flow mapping."""
    r = run(f"""
        input: 2x2x1
        blocks:
          b:
            args: {{n: 7, m: 3}}
            layers: [conv: {{filters: ${{{expr}}}, kernel: 1}}]
        layers: [b]
    """)
    assert r.output.dims == (2, 2, value)


@pytest.mark.parametrize("expr", ["n if n", "__import__('os').getcwd()", "n.bit_length()", "sorted(n)", "1 / 2", "[n][0]"])
def test_expressions_are_not_eval(expr: str) -> None:
    """'evaluated by a small safe evaluator, never eval': anything beyond the grammar is a
    positioned spec error."""
    [err] = errors_of(f"""
        input: 2x2x1
        blocks:
          b:
            args: {{n: 7}}
            layers:
              - conv:
                  filters: ${{{expr}}}
                  kernel: 1
        layers: [b]
    """)
    assert isinstance(err, cnncalc.SpecError) and err.pos is not None and err.pos.line == 8


NESTED = """
    input: 8x8x4
    blocks:
      inner:
        layers: [conv: {filters: 4, kernel: 1}, relu]
      outer:
        layers: [inner, inner, bn]
    layers: [outer, outer]
"""


def test_depth_collapses_nested_instances_with_subtotals(tmp_path: Path) -> None:
    """'Reports group block instances (a --depth option collapses or expands them) with subtotals.'"""
    # inner: 1x1 conv 4 -> 4 with bias, 4*(4 + 1) = 20 params, 8*8*4*4 = 1,024 MACs
    # outer: 2 inner + BN(4) 2*4 + 2*4 = 56 params, 2,048 MACs

    def rows(*args: str) -> dict[str, list[str]]:
        """Displayed rows of the plain table by name: their cells split on blanks."""
        res = cli(tmp_path, NESTED, *args)
        assert res.exit_code == 0, res.output
        lines = res.stdout.split("\n\n")[1].splitlines()[2:]  # the table body, below its rule
        cells = [ln.split()[1:] if ln.split()[0] == "▸" else ln.split() for ln in lines]
        return {c[0]: c for c in cells}

    full = rows()
    assert {"outer1", "outer1.inner1", "conv1", "relu1", "conv4", "relu4", "bn2"} <= set(full)
    one = rows("--depth", "1")
    assert set(one) == {"outer1", "outer1.inner1", "outer1.inner2", "bn1", "outer2", "outer2.inner3",
                        "outer2.inner4", "bn2"}
    assert one["outer1.inner1"][-4:] == ["20", "1,024", "(1.0K)", "25.0"]  # 1,024 / 4,096
    assert one["bn1"][-3:] == ["16", "0", "0.0"]
    zero = rows("--depth", "0")
    assert set(zero) == {"outer1", "outer2"}
    assert zero["outer1"][-4:] == ["56", "2,048", "(2.0K)", "50.0"]


def test_negative_depth_is_refused_or_shows_layers(tmp_path: Path) -> None:
    res = cli(tmp_path, "input: 4x4x1\nlayers: [relu]\n", "--depth", "-1")
    assert res.exit_code == 2 or "relu1" in res.stdout


# ======================================================================================
# Issue 3 -- specs/ ; issue 2 -- package
# ======================================================================================

TORCHVISION_BUILDERS = [
    "alexnet", "vgg16", "vgg16_bn", "resnet18", "resnet34", "resnet50", "resnet101", "resnext50_32x4d",
    "googlenet", "inception_v3", "densenet121", "squeezenet1_0", "mobilenet_v2", "mobilenet_v3_large",
    "shufflenet_v2_x1_0", "efficientnet_b0",
]


def test_specs_are_named_after_torchvision_builders_and_stay_short() -> None:
    """'specs/: classic networks, file name = torchvision builder name'; 'ResNet-50 in at most
    60 lines of YAML, DenseNet-121 in at most 80'; plus lenet5 and the others named there."""
    names = {p.stem for p in (ROOT / "specs").glob("*.yaml")}
    assert set(TORCHVISION_BUILDERS) <= names, set(TORCHVISION_BUILDERS) - names
    assert {"lenet5", "unet", "unet_padded", "dcgan_generator", "autoencoder", "googlenet_aux"} <= names
    assert len((ROOT / "specs" / "resnet50.yaml").read_text().splitlines()) <= 60
    assert len((ROOT / "specs" / "densenet121.yaml").read_text().splitlines()) <= 80


def test_package_readme_ci_and_benchmark() -> None:
    """'Runtime dependencies: typer, rich, pyyaml. Console script cnncalc. Python >= 3.10.'
    'README opens with the two commands ...; .ci/run runs exactly that test command (after
    installing torch 2.13.0)'; 'a benchmark script in benchmarks/ ... on a 1,000-layer spec'."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {re.split(r"[<>=!~ \[]", d)[0].lower() for d in project["dependencies"]}
    assert deps == {"typer", "rich", "pyyaml"}
    assert project["scripts"]["cnncalc"] and project["requires-python"] == ">=3.10"
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    commands = [ln.split("#")[0].strip() for ln in first_block.splitlines()[1:] if ln.strip()]
    assert len(commands) == 2
    spec = re.search(r"cnncalc summary (\S+)", commands[0])
    assert spec is not None and (ROOT / spec.group(1)).exists()
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines() and "torch==2.13.0" in ci
    bench = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert bench is not None and bench.loader is not None
    assert "benchmarks/run.py" in ci  # CI prints the performance report
    import sys
    import tempfile

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        module = importlib.util.module_from_spec(bench)
        bench.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    with tempfile.TemporaryDirectory() as d:
        assert len(cnncalc.analyze_file(module.layers_spec(1000, Path(d))).rows) == 1000


@pytest.mark.parametrize(("written", "hint"), [
    ("[1, 3, 224, 224]", "the batch size is not part of the input: 224x224x3 (H x W x C) per sample"),  # NCHW
    ("[8, 224, 224, 3]", "the batch size is not part of the input: 224x224x3 (H x W x C) per sample"),  # NHWC
    ("[28, 28]", "an image needs its channels too: 28x28x1 for one channel"),
    ("(224, 224, 3)", "write it as 224x224x3"),  # a Python tuple
    ("224*224*3", "write it as 224x224x3"),
])
def test_an_input_shape_written_another_way_gets_the_spec_form(written: str, hint: str) -> None:
    errs = errors_of(f"input: {written}\nlayers: [relu]\n")
    assert [(e.code, e.hint) for e in errs] == [("E112", hint)]
