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


@pytest.mark.torch
@pytest.mark.parametrize("side", [160, 320])
def test_input_override_matches_pytorch_at_that_size(side: int) -> None:
    """`summary --input` against PyTorch: resnet18 exported at its own 224x224x3, then run in
    PyTorch at side x side (its adaptive average pool takes any size) and measured there."""
    import json

    from torch_oracle import load, run
    from typer.testing import CliRunner

    from cnncalc.cli.app import app
    from cnncalc.export.pytorch import to_pytorch
    from cnncalc.graph.build import build_graph
    from cnncalc.spec.parse import parse_spec

    path = next(p for p in SPECS if p.stem == "resnet18")
    mod = load(to_pytorch(build_graph(parse_spec(path.read_text(encoding="utf-8"), str(path))), str(path)))
    mod.INPUT_SHAPE = (1, 3, side, side)
    model = mod.build_model()
    measured = run(model, mod, train=False)
    res = CliRunner().invoke(app, ["summary", str(path), "--input", f"{side}x{side}x3", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["totals"]["macs"] == measured.total_macs
    assert data["totals"]["trainable_params"] == sum(p.numel() for p in model.parameters())
    assert [tuple(layer["output"]) for layer in data["layers"]] == [measured.shapes[a] for a in mod.LAYERS]
