"""cnncalc.analysis.analyze: one pass over the graph; claims judged once; messages bounded; the
counting conventions of a mixed network exactly as PyTorch measures them; sizes that multiply
past sanity refused (E307)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from failing import at, cli, only
from growth import ratio
from measured import TORCH_REASON, dims, torch_measure
from worked import run

import cnncalc
from cnncalc.analysis.review import review
from cnncalc.errors import CnnCalcError


def _claims_on_block_uses(n: int) -> Any:
    # n uses of a one-conv block, each with a claim: 3·(3·1·1 + 1) = 12 parameters per use.
    lines = ["input: 8x8x3", "blocks:", "  b:", "    layers: [{conv: {filters: 3, kernel: 1}}]", "layers:"]
    lines += [f"  - {{b: null, name: u{i}, expect: {{params: 12}}}}" for i in range(n)]
    text = "\n".join(lines) + "\n"
    return lambda: review(cnncalc.analyze_text(text, "g.yaml"))


def test_every_group_claim_is_judged_once_and_holds() -> None:
    report = _claims_on_block_uses(50)().report
    checks = [c for _, c in report.all_checks()]
    assert len(checks) == 50 and all(c.ok for c in checks)


def test_judging_group_claims_grows_linearly() -> None:
    # 8,000 claims took 37.9 s when every group's members were found by scanning every row.
    assert ratio(_claims_on_block_uses, 200) < 5  # linear: about 4 at 4x the claims


def test_failed_group_claims_get_hints_in_linear_time() -> None:
    def make(n: int) -> Any:
        lines = ["input: 8x8x3", "blocks:", "  b:", "    layers: [{conv: {filters: 3, kernel: 1}}]", "layers:"]
        lines += [f"  - {{b: null, name: u{i}, expect: {{params: 9}}}}" for i in range(n)]  # 9 = no bias
        text = "\n".join(lines) + "\n"
        return lambda: review(cnncalc.analyze_text(text, "g.yaml"))

    checks = [c for _, c in make(3)().report.all_checks()]
    assert all(not c.ok and c.hint and "no bias counted anywhere" in c.hint for c in checks)
    assert ratio(make, 100) < 5


def _mismatched_add(n: int) -> str:
    # n paths: a conv keeping 8x8 and n − 1 pools halving to 4x4; add needs equal shapes.
    paths = ["[conv: {filters: 3, kernel: 1}]"] + ["[maxpool: 2]"] * (n - 1)
    return f"input: 8x8x3\nlayers:\n  - add: [{', '.join(paths)}]\n"


def test_a_merge_of_thousands_of_mismatched_paths_gets_a_bounded_message() -> None:
    with pytest.raises(CnnCalcError) as small:
        cnncalc.analyze_text(_mismatched_add(5), "m.yaml")
    with pytest.raises(CnnCalcError) as big:
        cnncalc.analyze_text(_mismatched_add(4000), "m.yaml")
    assert big.value.code == "E310" and "4x4x3" in big.value.message and "more" in big.value.message
    # the message names a few inputs and counts the rest: it does not grow with the paths (67 KB before)
    assert len(big.value.message) < 2 * len(small.value.message) + 100
    assert len(big.value.hint or "") < 500


def test_channels_first_input_is_named_in_the_error_hint() -> None:
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text("input: 3x32x32\nlayers:\n  - conv: {filters: 8, kernel: 5}\n", "c.yaml")
    assert info.value.hint is not None and "did you mean 32x32x3" in info.value.hint


# --- totals as PyTorch counts them; sizes that multiply past sanity -----------------------


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


def test_regression_sizes_multiplying_past_sanity_are_refused(tmp_path: Path) -> None:
    # 8 * 10**12 per step: without the bound, 500 steps make a 6000-digit size that
    # cannot even be printed (ValueError from int -> str)
    text = "input: 8x8x3\nlayers:\n  - upsample: 1000000000000\n    repeat: 500\n"
    err = only(text)
    assert err.code == "E307" and at(err) == (3, 5)
    code, stderr = cli(tmp_path, text)
    assert code == 2 and "error[E307]" in stderr


@pytest.mark.parametrize("name", ["resnet50", "googlenet", "unet_padded", "yolov3_tiny"])
def test_analyses_sharing_a_memo_equal_analyses_without_one(name: str) -> None:
    """``summary -i`` analyses one graph at many sizes with one memo of rows per (stretch between
    cut nodes, shape entering it); every report must equal the one analysed alone, row by row."""
    from cnncalc.analysis.analyze import Memo, analyze, at_input
    from cnncalc.graph.build import build_graph
    from cnncalc.shapes import Shape
    from cnncalc.spec.parse import parse_spec

    path = Path(__file__).parent.parent / "specs" / f"{name}.yaml"
    bare = at_input(build_graph(parse_spec(path.read_text(encoding="utf-8"), str(path))), Shape((1, 1, 1)))
    c = build_graph(parse_spec(path.read_text(encoding="utf-8"), str(path))).input.c
    memo = Memo(bare)
    sizes = range(192, 448, 32) if name in ("unet_padded", "yolov3_tiny") else range(192, 320, 8)
    for n in sizes:  # strides make many of these sizes share shapes deeper in
        g = at_input(bare, Shape((n, n, c)))
        alone, shared = analyze(g), analyze(g, memo)
        assert shared.rows == alone.rows and shared.totals == alone.totals and shared.outputs == alone.outputs
    if name in ("resnet50", "googlenet"):  # past the global pool every size shares its rows
        assert sum(len(rows) for rows in memo.rows.values()) < len(sizes) * len(bare.nodes)
