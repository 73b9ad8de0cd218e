"""cnncalc.analysis.compare, cnncalc.render.compare and ``cnncalc compare``: models side by side,
their depth, the differences to the first, one spec under several ``--set``s, every format."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.analysis.compare import depth, labelled, model
from cnncalc.cli.app import app

SPECS = Path(__file__).parent.parent / "specs"
runner = CliRunner()
CLASSIC = ["alexnet", "vgg16", "googlenet", "resnet50", "mobilenet_v2"]


def spec(name: str) -> str:
    return str(SPECS / f"{name}.yaml")


# --- depth --------------------------------------------------------------------------------------

# MATLAB's table of pretrained networks ("Pretrained Deep Neural Networks", Deep Learning Toolbox,
# mathworks.com/help/deeplearning/ug/pretrained-convolutional-neural-networks.html), column "Depth":
# "the largest number of sequential convolutional or fully connected layers on a path from the input
# layer to the output layer"; and the depth in the names of ResNet-50/101/152, VGG-16, DenseNet-121.
DEPTHS = {"alexnet": 8, "vgg16": 16, "vgg19_bn": 19, "googlenet": 22, "inception_v3": 48, "resnet18": 18,
          "resnet50": 50, "resnet101": 101, "resnet152": 152, "densenet121": 121, "squeezenet1_0": 18,
          "mobilenet_v2": 53}


@pytest.mark.parametrize(("name", "expected"), DEPTHS.items())
def test_depth_is_the_published_depth(name: str, expected: int) -> None:
    assert depth(cnncalc.analyze_file(spec(name))) == expected


def test_depth_counts_a_squeeze_excite_once() -> None:
    """MATLAB gives EfficientNet-b0 a depth of 82, counting both 1x1 convs of each of its 16 SE blocks;
    cnncalc's se is one layer: 82 - 16 = 66.  By hand: the stem conv, the first block's depthwise,
    se and projection (3), 15 blocks of expansion, depthwise, se, projection (60), the head conv and
    the classifier: 1 + 3 + 60 + 1 + 1 = 66."""
    assert depth(cnncalc.analyze_file(spec("efficientnet_b0"))) == 66 == 82 - 16


def test_depth_takes_the_longest_path_and_leaves_aux_heads_out() -> None:
    r = cnncalc.analyze_text("""
        input: 8x8x4
        layers:
          - add: [[conv: {filters: 4, kernel: 1}, bn, relu, conv: {filters: 4, kernel: 1}], [conv: {filters: 4, kernel: 1}]]
          - aux: [conv: {filters: 4, kernel: 1}, conv: {filters: 4, kernel: 1}, conv: {filters: 4, kernel: 1}]
          - global_avgpool
          - flatten
          - dense: 10
    """)
    # the long path: two convs (bn and relu add nothing), then the classifier: 3; the aux head's 3 convs are not
    # on any path to the output, and the 1-conv shortcut is shorter
    assert depth(r) == 3
    assert depth(cnncalc.analyze_file(spec("googlenet_aux"))) == depth(cnncalc.analyze_file(spec("googlenet"))) == 22


# --- labels ---------------------------------------------------------------------------------------

def test_labels_tell_models_apart() -> None:
    r = cnncalc.analyze_file(spec("lenet5"))
    models = labelled([model(r, "a.yaml", (("w", "1"),)), model(r, "a.yaml", (("w", "2"),)), model(r, "b.yaml")])
    assert [m.label for m in models] == ["lenet5 w=1", "lenet5 w=2", "lenet5"]
    twice = labelled([model(r, "a.yaml"), model(r, "a.yaml")])
    assert [m.label for m in twice] == ["lenet5 #1", "lenet5 #2"]


# --- the command -----------------------------------------------------------------------------------

# torchvision's published figures (weights meta num_params and GFLOPS = MACs / 1e9, pytorch.org/vision/stable/models.html)
PUBLISHED = {"alexnet": (61_100_840, 0.714), "vgg16": (138_357_544, 15.47), "googlenet": (6_624_904, 1.498),
             "resnet50": (25_557_032, 4.089), "mobilenet_v2": (3_504_872, 0.301)}


def test_compare_json_has_one_model_each_with_its_differences_to_the_first() -> None:
    res = runner.invoke(app, ["compare", *map(spec, CLASSIC), "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [m["name"] for m in data] == CLASSIC
    for m in data:
        params, gflops = PUBLISHED[m["name"]]
        assert m["trainable_params"] == params and round(m["macs"] / 1e9, 3) == gflops
        assert m["params"] == m["trainable_params"] + m["non_trainable_params"]
        assert m["depth"] == DEPTHS[m["name"]]
        assert m["activation_bytes"] == 4 * m["activations"]
        # the difference, by the test's own subtraction
        for q in ("params", "trainable_params", "non_trainable_params", "macs", "activations", "depth"):
            assert m["difference"][q] == m[q] - data[0][q]
    assert data[1]["difference"]["trainable_params"] == 138_357_544 - 61_100_840


def test_compare_csv_carries_raw_integers() -> None:
    res = runner.invoke(app, ["compare", spec("alexnet"), spec("vgg16"), "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["name"] for r in rows] == ["alexnet", "vgg16"]
    assert rows[1]["trainable_params"] == "138357544" and rows[1]["d_trainable_params"] == str(138_357_544 - 61_100_840)
    assert rows[0]["d_macs"] == "0" and rows[0]["depth"] == "8"


def test_compare_table_and_markdown() -> None:
    res = runner.invoke(app, ["compare", *map(spec, CLASSIC)])
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert lines[0] == "5 models at 224x224x3, output 1000 (torchvision MACs; Δ: the difference to alexnet)"
    vgg = next(line for line in lines if line.lstrip().startswith("vgg16"))
    assert "138,357,544" in vgg and f"{138_357_544 - 61_100_840:+,}" in vgg and vgg.rstrip().endswith("16")
    md = runner.invoke(app, ["compare", *map(spec, CLASSIC), "-f", "markdown"]).stdout
    assert "| model | trainable | Δ | non-trainable | MACs | Δ | activations | Δ | depth |" in md
    assert "| vgg16 | 138,357,544 | +77,256,704 |" in md


def test_one_spec_under_several_sets_is_one_model_per_value() -> None:
    res = runner.invoke(app, ["compare", spec("efficientnet"), "--set", "variant=b0", "--set", "variant=b3", "-f",
                              "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [(m["name"], m["set"], m["input"]) for m in data] == [
        ("efficientnet_b0", {"variant": "b0"}, [224, 224, 3]), ("efficientnet_b3", {"variant": "b3"}, [300, 300, 3])]
    assert data[1]["trainable_params"] == 12_233_232  # torchvision's EfficientNet_B3 num_params


def test_sets_of_several_vars_give_every_combination_and_apply_where_declared() -> None:
    res = runner.invoke(app, ["compare", spec("mobilenet_v2"), spec("resnet50"), "--set", "width=0.5", "--set",
                              "width=1.0", "--set", "res=160", "--set", "res=224", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert [(m["name"], m["set"]) for m in data] == [
        ("mobilenet_v2", {"width": "0.5", "res": "160"}), ("mobilenet_v2", {"width": "0.5", "res": "224"}),
        ("mobilenet_v2", {"width": "1.0", "res": "160"}), ("mobilenet_v2", {"width": "1.0", "res": "224"}),
        ("resnet50", {})]  # resnet50.yaml declares neither var: analysed as written
    assert data[0]["label"] == "mobilenet_v2 width=0.5 res=160" and data[4]["label"] == "resnet50"
    assert data[3]["trainable_params"] == 3_504_872


def test_a_var_no_spec_declares_is_e141_with_a_suggestion() -> None:
    res = runner.invoke(app, ["compare", spec("mobilenet_v2"), "--set", "widht=0.5"])
    assert res.exit_code == 2 and "<--set 1>:1:1: error[E141]" in res.stderr and "did you mean 'width'?" in res.stderr


def test_every_model_at_another_input() -> None:
    res = runner.invoke(app, ["compare", spec("resnet50"), spec("mobilenet_v2"), "-i", "160x160x3", "-f", "json"])
    data = json.loads(res.stdout)
    assert [m["input"] for m in data] == [[160, 160, 3]] * 2
    assert [m["trainable_params"] for m in data] == [25_557_032, 3_504_872]  # the input changes no weight
    # ResNet-50's classifier sees 2048 values at any input: 2048 x 1000 MACs at 160 as at 224
    assert data[0]["macs"] < 4_089_184_256 and data[0]["output"] == [1000]


def test_too_many_models_is_refused_before_any_work() -> None:
    sets = [a for i in range(11) for a in ("--set", f"width={0.5 + i / 10}")]
    sets += [a for r in range(10) for a in ("--set", f"res={160 + 8 * r}")]
    res = runner.invoke(app, ["compare", spec("mobilenet_v2"), *sets])
    assert res.exit_code == 2 and "110 models to compare; at most 100" in res.stderr


def test_an_error_in_one_model_names_it() -> None:
    res = runner.invoke(app, ["compare", spec("efficientnet"), "--set", "variant=b0", "--set", "variant=b9"])
    assert res.exit_code == 2 and "note: with --set variant=b9" in res.stderr and "Traceback" not in res.output


def test_a_narrow_terminal_drops_the_differences_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from test_render import on_terminal, strip_sgr

    from cnncalc.render.layout import display_width

    on_terminal(monkeypatch, 80)
    args = ["compare", spec("efficientnet"), *(a for v in range(8) for a in ("--set", f"variant=b{v}"))]
    out = strip_sgr(runner.invoke(app, args).stdout).splitlines()
    table = out[:out.index("", 2)]
    assert max(display_width(line) for line in table) <= 80
    assert table[2].split() == ["model", "input", "trainable", "MACs", "activations", "depth"]


# --- the README's tables and charts ---------------------------------------------------------------

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TABLES = re.findall(r"<!-- the output of: (cnncalc compare [^>]*?) -->\n((?:\|.*\n)+)", README)


def test_the_readme_has_its_comparison_tables() -> None:
    assert [c.split()[2] for c, _ in TABLES] == ["specs/alexnet.yaml", "specs/efficientnet.yaml"]


@pytest.mark.parametrize(("command", "table"), TABLES, ids=[c[:40] for c, _ in TABLES])
def test_the_readme_tables_are_what_compare_prints(command: str, table: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    res = runner.invoke(app, shlex.split(command)[1:])
    assert res.exit_code == 0, res.output
    assert [line for line in res.stdout.splitlines() if line.startswith("|")] == table.splitlines()


@pytest.mark.parametrize(("image", "labels"), [
    ("classic.svg", CLASSIC), ("efficientnet.svg", [f"efficientnet_b{i}" for i in range(8)]),
    ("resnet50_layers.svg", ["layer1", "layer2", "layer3", "layer4"])])
def test_the_readme_charts_show_its_models(image: str, labels: list[str]) -> None:
    """The charts the README shows (drawn by --plot) are SVG that parses, naming every model of its tables."""
    import xml.etree.ElementTree as ET

    path = ROOT / "docs" / "img" / image
    assert f"docs/img/{image}" in README
    root = ET.parse(path).getroot()
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert set(labels) <= texts


def test_a_spec_on_standard_input_is_read_once() -> None:
    text = (SPECS / "lenet5.yaml").read_text()
    res = runner.invoke(app, ["compare", "-", spec("alexnet"), "-f", "json"], input=text)
    assert res.exit_code == 0, res.output
    assert [m["name"] for m in json.loads(res.stdout)] == ["lenet5", "alexnet"]
    res = runner.invoke(app, ["compare", "-", "-"], input=text)
    assert res.exit_code == 2 and "standard input ('-') can be read once" in res.stderr
