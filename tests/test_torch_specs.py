"""Every bundled spec, exported to PyTorch, matches cnncalc on every layer.

The specs are whatever is in specs/ when the tests run.  For each: the exported
model is built and run (batch 1, zeros, eval mode; heads in training mode) and
per-layer output shapes, trainable and non-trainable parameters and MACs are
compared with cnncalc's report, exactly (see tests/torch_oracle.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the cross-check against it is skipped")

from torch_oracle import cross_check

SPECS = sorted((Path(__file__).parent.parent / "specs").glob("*.yaml"))


@pytest.mark.torch
@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_spec_matches_pytorch(path: Path) -> None:
    skipped = cross_check(path.read_text(encoding="utf-8"), str(path))
    if skipped:
        pytest.skip("; ".join(skipped))


def test_specs_exist() -> None:
    assert len(SPECS) >= 1
