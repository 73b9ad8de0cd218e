"""deform_conv (cnncalc/layers/deform.py): the offset conv counted as torchvision counts it, the
bilinear sampling MACs reported apart from the convention total and stated in the docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from invoke import cli
from measured import TORCH_REASON, dims, torch_measure
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app

ROOT = Path(__file__).parent.parent
runner = CliRunner()

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
