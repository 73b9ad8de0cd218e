"""The four numbers a cross-check compares: output, trainable and non-trainable parameters, MACs.

``dims`` reads them from a cnncalc report; ``torch_measure`` measures the same model in PyTorch
(parameters(), BatchNorm running statistics, FlopCounterMode total / 2 = MACs), channels-last like
cnncalc.  Without PyTorch the calling test is skipped.
"""

from __future__ import annotations

from typing import Any

import pytest

import cnncalc

TORCH_REASON = "PyTorch is not installed: the cross-check against it is skipped"


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
