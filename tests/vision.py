"""torchvision for the tests that compare a spec with torchvision's own model.

torchvision 0.28.0 (installed with --no-deps beside the CPU torch 2.13.0) registers fake kernels
at import that this torch refuses; the import runs with ``torch.library.register_fake`` made a
no-op, which changes nothing the models need (they are built without weights and run on CPU or
the meta device).  A test without torch or torchvision is skipped with the reason.
"""

from __future__ import annotations

import sys
from types import ModuleType

import pytest


def torchvision() -> ModuleType:
    """The torchvision module, or skip the calling test."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    if "torchvision" in sys.modules:
        return sys.modules["torchvision"]
    orig = torch.library.register_fake
    torch.library.register_fake = lambda *a, **k: (lambda f: f)
    try:
        import torchvision as tv
    except ImportError:
        pytest.skip("torchvision is not installed (pip install --no-deps torchvision==0.28.0 pillow)")
    finally:
        torch.library.register_fake = orig
    return tv


def measure(model: object, shape: tuple[int, ...]) -> tuple[int, int, int, list[tuple[int, ...]]]:
    """Trainable parameters, BatchNorm running statistics, MACs (FlopCounterMode // 2) and the
    (C, H, W) shape of every tensor ``model`` returns (a tensor, a tuple, or a dict's values) for
    one input of ``shape`` (C, H, W), in eval mode on the meta device."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        m = model() if callable(model) and not isinstance(model, torch.nn.Module) else model
        x = torch.zeros(1, *shape)
    m.eval()
    trainable = sum(p.numel() for p in m.parameters())
    stats = sum(b.numel() for n, b in m.named_buffers() if n.rsplit(".", 1)[-1] in ("running_mean", "running_var"))
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        y = m(x)
    outs = list(y.values()) if isinstance(y, dict) else list(y) if isinstance(y, (tuple, list)) else [y]
    flops = fc.get_total_flops()
    assert flops % 2 == 0, flops
    return trainable, stats, flops // 2, [tuple(t.shape[1:]) for t in outs]


def per_module(model: object, shape: tuple[int, ...], names: list[str]) -> dict[str, tuple[int, int]]:
    """(trainable parameters, MACs) of each named submodule (``features.1``), measured as above."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        m = model() if callable(model) and not isinstance(model, torch.nn.Module) else model
        x = torch.zeros(1, *shape)
    m.eval()
    with torch.no_grad(), FlopCounterMode(display=False) as fc:
        m(x)
    counts = fc.get_flop_counts()
    prefix = type(m).__name__
    out = {}
    for name in names:
        sub = m.get_submodule(name)
        out[name] = (sum(p.numel() for p in sub.parameters()), sum(counts.get(f"{prefix}.{name}", {}).values()) // 2)
    return out
