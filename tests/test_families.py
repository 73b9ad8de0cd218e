"""The family specs (one spec, many models through ``--set``) against torchvision itself.

Every member is built by torchvision's own builder (``weights=None``), on the meta device (no
memory, no compute), in eval mode, and measured as tests/torch_oracle.py measures: trainable
parameters ``sum(p.numel() for p in parameters())``, non-trainable the BatchNorm running
statistics, MACs ``FlopCounterMode`` total // 2 at batch 1, and the output shape.  cnncalc's
analysis of the family spec with that member's ``--set`` must equal all four exactly.  The
published figures (torchvision's weights meta) are checked by the specs' own ``expect:``
(tests/test_specs.py runs ``check`` on every member) and below, cited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cnncalc

SPECS = Path(__file__).parent.parent / "specs"

EFFICIENTNET = {  # variant -> the resolution the spec uses (torchvision's weights' crop size)
    "b0": 224, "b1": 240, "b2": 288, "b3": 300, "b4": 380, "b5": 456, "b6": 528, "b7": 600}
RESNETS = ["resnet50", "resnet101", "resnet152", "wide_resnet50_2", "wide_resnet101_2", "resnext50_32x4d",
           "resnext101_32x8d", "resnext101_64x4d"]
MOBILENET_WIDTHS = ["0.5", "0.75", "1.0", "1.4"]

# (spec, --set values, torchvision builder, its keyword arguments, the input side)
MEMBERS: list[tuple[str, dict[str, str], str, dict[str, Any], int]] = [
    *(("efficientnet", {"variant": v}, f"efficientnet_{v}", {}, side) for v, side in EFFICIENTNET.items()),
    # the paper's B2 resolution (torchvision's weights use 288): the same model at 260
    ("efficientnet", {"variant": "b2", "res": "260"}, "efficientnet_b2", {}, 260),
    *(("resnet_bottleneck", {"variant": v}, v, {}, 224) for v in RESNETS),
    *(("mobilenet_v2", {"width": w}, "mobilenet_v2", {"width_mult": float(w)}, 224) for w in MOBILENET_WIDTHS),
]


def torchvision_models() -> Any:
    """torchvision.models, imported as the project does on the CPU torch (register_fake made a
    no-op while it imports: torchvision 0.28's compiled ops are not in the CPU wheel)."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torchvision check is skipped")
    orig = torch.library.register_fake
    torch.library.register_fake = lambda *a, **k: (lambda f: f)
    try:
        tv = pytest.importorskip("torchvision", reason="torchvision is not installed (pip install --no-deps"
                                 " torchvision==0.28.0 pillow): the torchvision check is skipped")
    finally:
        torch.library.register_fake = orig
    return tv.models


def measure(builder: str, kwargs: dict[str, Any], side: int) -> tuple[int, int, int, tuple[int, ...]]:
    """(trainable, non-trainable, MACs, output shape) of the torchvision model, eval, batch 1."""
    models = torchvision_models()  # first: it skips the test when torch is not installed
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = getattr(models, builder)(weights=None, **kwargs)
        x = torch.zeros(1, 3, side, side)
    model.eval()
    trainable = sum(p.numel() for p in model.parameters())
    stats = sum(b.numel() for n, b in model.named_buffers() if n.rsplit(".", 1)[-1] in ("running_mean", "running_var"))
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        out = model(x)
    flops = counter.get_total_flops()
    assert flops % 2 == 0
    return trainable, stats, flops // 2, tuple(int(d) for d in out.shape[1:])


@pytest.mark.torch
@pytest.mark.parametrize(("spec", "sets", "builder", "kwargs", "side"), MEMBERS,
                         ids=[f"{m[0]}[{','.join(f'{k}={v}' for k, v in m[1].items())}]" for m in MEMBERS])
def test_family_member_equals_torchvision(spec: str, sets: dict[str, str], builder: str, kwargs: dict[str, Any],
                                          side: int) -> None:
    trainable, stats, macs, out = measure(builder, kwargs, side)
    r = cnncalc.analyze_file(SPECS / f"{spec}.yaml", overrides=sets)
    assert r.input.dims == (side, side, 3)
    assert (r.totals.trainable, r.totals.non_trainable, r.totals.macs) == (trainable, stats, macs)
    assert r.output.dims == out


# torchvision's published figures (each weights enum's meta, IMAGENET1K_V1: "num_params" and "_ops",
# the GFLOPS of the documentation's table, https://pytorch.org/vision/stable/models.html), at the
# weights' crop size (transforms' crop_size: 224, 240, 288, 300, 380, 456, 528, 600).
PUBLISHED = {
    ("efficientnet", "b0"): (5_288_548, 0.386), ("efficientnet", "b1"): (7_794_184, 0.687),
    ("efficientnet", "b2"): (9_109_994, 1.088), ("efficientnet", "b3"): (12_233_232, 1.827),
    ("efficientnet", "b4"): (19_341_616, 4.394), ("efficientnet", "b5"): (30_389_784, 10.266),
    ("efficientnet", "b6"): (43_040_704, 19.068), ("efficientnet", "b7"): (66_347_960, 37.746),
    ("resnet_bottleneck", "resnet50"): (25_557_032, 4.089), ("resnet_bottleneck", "resnet101"): (44_549_160, 7.801),
    ("resnet_bottleneck", "resnet152"): (60_192_808, 11.514),
    ("resnet_bottleneck", "wide_resnet50_2"): (68_883_240, 11.398),
    ("resnet_bottleneck", "wide_resnet101_2"): (126_886_696, 22.753),
    ("resnet_bottleneck", "resnext50_32x4d"): (25_028_904, 4.23),
    ("resnet_bottleneck", "resnext101_32x8d"): (88_791_336, 16.414),
    ("resnet_bottleneck", "resnext101_64x4d"): (83_455_272, 15.46),
}


@pytest.mark.parametrize(("key", "figures"), PUBLISHED.items(), ids=[f"{s}[{v}]" for s, v in PUBLISHED])
def test_family_member_matches_the_published_figures(key: tuple[str, str], figures: tuple[int, float]) -> None:
    spec, variant = key
    r = cnncalc.analyze_file(SPECS / f"{spec}.yaml", overrides={"variant": variant})
    assert r.name == variant if spec == "resnet_bottleneck" else r.name == f"efficientnet_{variant}"
    assert (r.totals.trainable, round(r.totals.macs / 1e9, 3)) == figures


def test_mobilenet_v2_at_width_1_is_the_published_model() -> None:
    # MobileNet_V2_Weights.IMAGENET1K_V1 meta: num_params 3,504,872, GFLOPS 0.301 (only width 1.0 is published)
    r = cnncalc.analyze_file(SPECS / "mobilenet_v2.yaml")
    assert (r.totals.trainable, round(r.totals.macs / 1e9, 3)) == (3_504_872, 0.301)


@pytest.mark.parametrize(("spec", "sets"), [("efficientnet", {"width": "1.3"}), ("efficientnet", {"res": "256"}),
                                             ("resnet_bottleneck", {"depths": "[3, 4, 5, 3]"}),
                                             ("resnet_bottleneck", {"planes": "[64, 128, 256, 256]"}),
                                             ("mobilenet_v2", {"width": "0.75"})])
def test_the_published_claims_are_not_made_for_a_model_of_your_own(spec: str, sets: dict[str, str]) -> None:
    """A family spec claims torchvision's figures only for torchvision's members: set a var to a
    value of your own and its expect: is empty, not a failing claim about another model."""
    stock = cnncalc.analyze_file(SPECS / f"{spec}.yaml")
    own = cnncalc.analyze_file(SPECS / f"{spec}.yaml", overrides=sets)
    totals = [c for c in stock.checks if c.scope == "totals"]
    assert {c.field for c in totals} == {"trainable_params", "macs"} and all(c.ok for c in totals)
    assert not [c for c in own.checks if c.scope == "totals"]


@pytest.mark.parametrize("args", [["efficientnet.yaml", "--set", "variant=b7"],
                                  ["resnet_bottleneck.yaml", "--set", "variant=resnext101_64x4d"],
                                  ["mobilenet_v2.yaml", "--set", "width=1.4"]], ids=lambda a: a[-1])
def test_a_family_member_keeps_the_share_column_at_80_columns(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from test_render import on_terminal, strip_sgr
    from typer.testing import CliRunner

    from cnncalc.cli.app import app
    from cnncalc.render.layout import display_width

    on_terminal(monkeypatch, 80)
    res = CliRunner().invoke(app, ["summary", str(SPECS / args[0]), *args[1:]])
    out = strip_sgr(res.stdout).splitlines()
    table = out[:out.index("", 2)]  # title, blank, header, rule, rows
    assert max(display_width(line) for line in table) <= 80
    assert "MACs %" in table[2]


@pytest.mark.torch
@pytest.mark.parametrize(("spec", "var", "value"), [("efficientnet", "variant", "b1"),
                                                     ("mobilenet_v2", "width", "0.75"),
                                                     ("resnet_bottleneck", "variant", "resnext50_32x4d")])
def test_a_members_export_matches_pytorch_layer_by_layer(spec: str, var: str, value: str) -> None:
    """tests/test_torch_specs.py cross-checks each bundled spec's export at its defaults; here a member other
    than the default, its var written into the text (spec.scaling.rewrite) and exported, layer by layer."""
    pytest.importorskip("torch", reason="PyTorch is not installed: the cross-check against it is skipped")
    from torch_oracle import cross_check

    from cnncalc.spec.scaling import rewrite

    text = rewrite((SPECS / f"{spec}.yaml").read_text(encoding="utf-8"), {var: value})
    assert f"  {var}: {value}" in text
    assert not cross_check(text, f"{spec}.yaml")
