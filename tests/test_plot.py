"""cnncalc.render.plot and ``--plot``: the files it writes (their size, that they parse, the labels
in the SVG), the clear error without matplotlib, and nothing written over a spec."""

from __future__ import annotations

import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

pytest.importorskip("matplotlib", reason="--plot needs matplotlib (pip install 'cnncalc[plot]')")

SPECS = Path(__file__).parent.parent / "specs"
CLASSIC = ["alexnet", "vgg16", "googlenet", "resnet50", "mobilenet_v2"]
runner = CliRunner()
SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(path: Path) -> list[str]:
    """Every text of an SVG, parsed as XML (matplotlib writes text as <text> with svg.fonttype 'none')."""
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_compare_plot_svg_has_a_labelled_point_per_model(tmp_path: Path) -> None:
    out = tmp_path / "classic.svg"
    res = runner.invoke(app, ["compare", *(str(SPECS / f"{n}.yaml") for n in CLASSIC), "--plot", str(out)])
    assert res.exit_code == 0, res.output
    assert 10_000 < out.stat().st_size < 500_000
    texts = svg_texts(out)
    for name in CLASSIC:
        assert name in texts
    assert "MACs per image (torchvision convention)" in texts and "trainable parameters" in texts
    assert "1.0G" in texts and "10.0M" in texts  # log-scale ticks, humanised


def test_compare_plot_png(tmp_path: Path) -> None:
    out = tmp_path / "family.png"
    args = ["compare", str(SPECS / "efficientnet.yaml"), *(a for v in range(8) for a in ("--set", f"variant=b{v}"))]
    res = runner.invoke(app, [*args, "--plot", str(out)])
    assert res.exit_code == 0, res.output
    width, height = png_size(out)
    assert 600 < width < 1500 and 400 < height < 1000
    assert out.stat().st_size > 20_000


def test_summary_plot_names_the_blocks(tmp_path: Path) -> None:
    out = tmp_path / "r50.svg"
    res = runner.invoke(app, ["summary", str(SPECS / "resnet50.yaml"), "--plot", str(out)])
    assert res.exit_code == 0 and "layer1" in res.stdout  # the table is printed as ever
    texts = svg_texts(out)
    assert {"layer1", "layer2", "layer3", "layer4", "MACs per layer", "output memory (float32)"} <= set(texts)
    assert any(t.startswith("resnet50: 224x224x3 -> 1000") for t in texts)


def test_summary_plot_png_at_another_input(tmp_path: Path) -> None:
    out = tmp_path / "unet.PNG"
    res = runner.invoke(app, ["summary", str(SPECS / "unet_padded.yaml"), "-i", "128x128x3", "--plot", str(out)])
    assert res.exit_code == 0, res.output
    assert png_size(out)[0] > 600


def test_the_same_report_gives_the_same_svg(tmp_path: Path) -> None:
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (a, b):
        assert runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "--plot", str(out)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_without_matplotlib_the_error_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    out = tmp_path / "x.svg"
    res = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "--plot", str(out)])
    assert res.exit_code == 2 and "pip install 'cnncalc[plot]'" in res.stderr and "Traceback" not in res.output
    assert not out.exists()


@pytest.mark.parametrize(("target", "words"), [("x.pdf", "give a name ending in .svg or .png"),
                                               ("-", "give a name ending in .svg or .png")])
def test_plot_needs_an_svg_or_png_file(target: str, words: str) -> None:
    res = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "--plot", target])
    assert res.exit_code == 2 and words in res.output


def test_plot_never_writes_over_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "net.svg"  # a spec may have any name
    spec.write_text("input: 8x8x1\nlayers: [relu]\n")
    res = runner.invoke(app, ["summary", str(spec), "--plot", str(spec)])
    assert res.exit_code == 2 and "E401" in res.stderr and spec.read_text() == "input: 8x8x1\nlayers: [relu]\n"


def test_several_inputs_and_a_plot_are_refused() -> None:
    res = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "-i", "32x32x1", "-i", "64x64x1", "--plot",
                              "x.svg"])
    assert res.exit_code == 2 and "--plot draws one network" in res.stderr


def test_user_text_is_shown_literally_never_as_mathtext(tmp_path: Path) -> None:
    """matplotlib reads $...$ as math (and an odd '$' can break it): a name is shown as written."""
    spec = tmp_path / "net.yaml"
    spec.write_text('name: "cost $1^2$ \\e"\ninput: 8x8x1\nblocks:\n  b: {layers: [conv: {filters: 2, kernel: 1}]}\n'
                    'layers:\n  - b:\n    name: "blk$1"\n  - conv: {filters: 2, kernel: 1}\n')
    out = tmp_path / "x.svg"
    res = runner.invoke(app, ["summary", str(spec), "--plot", str(out)])
    assert res.exit_code == 0, res.output
    texts = svg_texts(out)
    assert any(t.startswith("cost $1^2$ \\x1b: 8x8x1 -> 8x8x2") for t in texts), texts
    assert "blk$1" in texts
    out2 = tmp_path / "y.svg"
    assert runner.invoke(app, ["compare", str(spec), str(spec), "--plot", str(out2)]).exit_code == 0
    assert "cost $1^2$ \\x1b #1" in svg_texts(out2)
