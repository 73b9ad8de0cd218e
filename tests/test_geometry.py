"""Window geometry (cnncalc/layers/geometry.py): kernel, stride and dilation as an int or [h, w];
padding as an int, [ph, pw], [top, bottom, left, right], valid or same; Keras/TensorFlow 'same'
at stride 2 with the odd pixel bottom/right; PyTorch's ceil_mode rule for the last window; a
kernel that does not fit is an error at the layer.

Expected numbers are worked by hand in the comments, or measured on the same layer in PyTorch
(tests/measured.py).
"""

from __future__ import annotations

import itertools
import json
import re
import warnings
from typing import Any

import pytest
from failing import at, only
from measured import TORCH_REASON, dims, torch_measure
from worked import run

import cnncalc


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


def test_shape_error_points_at_the_layer() -> None:
    # 4 + 0 + 0 < 5: the kernel does not fit
    err = only("input: 4x4x3\nlayers:\n  - relu\n  - conv: {filters: 3, kernel: 5}\n")
    assert err.code == "E302" and at(err) == (4, 5) and err.trace == ()
