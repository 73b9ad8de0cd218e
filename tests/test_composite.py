"""Composite kinds (cnncalc/layers/composite.py): squeeze-excite in each of its forms, counted
like torchvision's SqueezeExcitation (built in PyTorch here, module for module)."""

from __future__ import annotations

from typing import Any

import pytest
from measured import TORCH_REASON, dims, torch_measure
from worked import run


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
