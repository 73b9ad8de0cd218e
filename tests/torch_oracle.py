"""The PyTorch oracle of the cross-check tests.

``cross_check(spec_text)`` exports the spec with ``cnncalc.export.to_pytorch``,
builds the model in PyTorch and measures it independently of cnncalc:

- output shape of every layer: a forward hook on its module, batch 1, zeros, eval mode;
- trainable parameters: ``sum(p.numel() for p in module.parameters())`` per layer and
  for the whole model;
- non-trainable: the numel of BatchNorm's ``running_mean`` and ``running_var`` buffers;
- MACs: ``torch.utils.flop_counter.FlopCounterMode`` FLOPs // 2, per module and in total.

The model's return value (a tuple when the spec lists several ``outputs``) must have every
output's shape, in order.  Auxiliary heads do not run in eval mode; a second pass in training mode (with
BatchNorm kept in eval so that batch 1 works) measures them: its total MACs must
be ``macs + aux_macs``.  Every number must equal cnncalc's exactly; a mismatch
fails with the spec text, so the case can be replayed with ``cnncalc summary``.

Import only after ``pytest.importorskip("torch", ...)``.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from cnncalc.analysis.analyze import analyze
from cnncalc.analysis.report import Report
from cnncalc.export.pytorch import to_pytorch
from cnncalc.graph.build import build_graph
from cnncalc.graph.nodes import Graph
from cnncalc.layers.deform import DeformConv
from cnncalc.spec.parse import parse_spec

STATS = ("running_mean", "running_var")


def load(code: str) -> types.ModuleType:
    """Execute generated source as a fresh module."""
    mod = types.ModuleType("exported_model")
    exec(compile(code, "<exported model>", "exec"), mod.__dict__)  # noqa: S102  (the code under test)
    return mod


def hwc(t: torch.Tensor) -> tuple[int, ...]:
    """A batch-1 tensor's per-sample shape in cnncalc's order: (H, W, C) or (N,)."""
    assert t.shape[0] == 1, t.shape
    d = tuple(int(x) for x in t.shape[1:])
    return (d[1], d[2], d[0]) if len(d) == 3 else d


def stats_numel(m: nn.Module) -> int:
    return sum(b.numel() for name, b in m.named_buffers() if name.rsplit(".", 1)[-1] in STATS)


@dataclass
class Measured:
    shapes: dict[str, tuple[int, ...]] = field(default_factory=dict)
    macs: dict[str, int] = field(default_factory=dict)
    total_macs: int = 0
    returned: list[tuple[int, ...]] = field(default_factory=list)  # the shape of each tensor forward returns


def run(model: nn.Module, mod: types.ModuleType, train: bool) -> Measured:
    """One forward pass at batch 1 on zeros, recording per-layer shapes and MACs."""
    model.train(train)
    if train:  # heads run only in training; BatchNorm statistics need batch > 1 there
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
    out = Measured()
    hooks = []
    for attr in mod.LAYERS:
        def record(_m: nn.Module, _i: object, y: torch.Tensor | tuple[torch.Tensor, ...], attr: str = attr) -> None:
            out.shapes[attr] = hwc(y[0] if isinstance(y, tuple) else y)  # a max pool may return (out, indices)

        hooks.append(getattr(model, attr).register_forward_hook(record))
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter:
            y = model(torch.zeros(mod.INPUT_SHAPE))
        out.returned = [hwc(t) for t in (y if isinstance(y, tuple) else (y,))]
    finally:
        for h in hooks:
            h.remove()
    flops = counter.get_flop_counts()
    prefix = type(model).__name__
    for attr in mod.LAYERS:
        f = sum(flops.get(f"{prefix}.{attr}", {}).values())
        assert f % 2 == 0, (attr, f)
        out.macs[attr] = f // 2
    total = counter.get_total_flops()
    assert total % 2 == 0, total
    out.total_macs = total // 2
    return out


def analyzed(text: str, file: str) -> tuple[Graph, Report]:
    graph = build_graph(parse_spec(text, file))
    return graph, analyze(graph)


def cross_check(text: str, file: str = "<spec>") -> list[str]:
    """Compare cnncalc with PyTorch on ``text``; returns what could not be run (deform_conv
    needs torchvision); raises AssertionError listing every mismatch."""
    graph, report = analyzed(text, file)
    code = to_pytorch(graph, file)
    mod = load(code)
    model = mod.build_model()
    attrs = list(mod.LAYERS)
    problems: list[str] = []

    def differ(what: str, ours: object, torchs: object) -> None:
        if ours != torchs:
            problems.append(f"{what}: cnncalc {ours}, PyTorch {torchs}")

    assert len(attrs) == len(report.rows) and [mod.LAYERS[a] for a in attrs] == [r.name for r in report.rows]
    for attr, row in zip(attrs, report.rows):
        m = getattr(model, attr)
        differ(f"{row.name} ({row.kind}) trainable_params", row.cost.trainable, sum(p.numel() for p in m.parameters()))
        differ(f"{row.name} ({row.kind}) non_trainable_params", row.cost.non_trainable, stats_numel(m))
    differ("total trainable_params", report.totals.trainable, sum(p.numel() for p in model.parameters()))
    differ("total non_trainable_params", report.totals.non_trainable, stats_numel(model))
    skipped = []
    if any(isinstance(n.layer, DeformConv) for n in graph.nodes):
        skipped.append("forward pass (deform_conv needs torchvision): shapes and MACs not compared")
    else:
        passes = [run(model, mod, train=False)]
        has_aux = any(r.aux for r in report.rows)
        if has_aux:
            passes.append(run(model, mod, train=True))
        for attr, row in zip(attrs, report.rows):
            got = passes[-1] if row.aux else passes[0]
            if attr not in got.shapes:
                problems.append(f"{row.name} ({row.kind}) did not run in {'training' if row.aux else 'eval'} mode")
                continue
            differ(f"{row.name} ({row.kind}) output", row.output.dims, got.shapes[attr])
            differ(f"{row.name} ({row.kind}) macs", row.cost.macs, got.macs[attr])
        differ("total macs (eval)", report.totals.macs, passes[0].total_macs)
        if has_aux:
            differ("macs + aux_macs (training)", report.totals.macs + report.totals.aux_macs, passes[1].total_macs)
        differ("model output", report.output.dims, passes[0].shapes.get(attrs[graph.output]) if graph.output >= 0
               else report.input.dims)
        differ("shapes forward returns (eval)", [s.dims for s in report.output_shapes], passes[0].returned)
    if problems:
        raise AssertionError(
            "cnncalc and PyTorch disagree:\n  " + "\n  ".join(problems)
            + f"\n--- spec ({file}) ---\n{text}"
        )
    return skipped
