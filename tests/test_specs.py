"""The bundled specs: every file checks, the classic networks match torchvision's
published figures, and the other networks match facts from outside their own
``expect:`` (the paper, a hand count, or the same model built in PyTorch).  Files are named
after torchvision's builders and stay short."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app

ROOT = Path(__file__).parent.parent
SPECS = ROOT / "specs"
ALL_SPECS = sorted(SPECS.glob("*.yaml"))
runner = CliRunner()


def analyze(name: str) -> cnncalc.Report:
    path = SPECS / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"specs/{name}.yaml does not exist yet")
    return cnncalc.analyze_file(path)


# -- (a) every spec parses, carries top-level expectations, and they all hold ------


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.stem)
def test_spec_parses_and_has_top_level_expect(spec: Path) -> None:
    parsed = cnncalc.parse_spec(cnncalc.read_source(spec), str(spec))
    assert parsed.expect is not None and parsed.expect.pairs, f"{spec.name} has no top-level expect:"
    assert spec.read_text().lstrip().startswith("#"), f"{spec.name} should open with a comment citing its source"


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.stem)
def test_cnncalc_check_passes(spec: Path) -> None:
    res = runner.invoke(app, ["check", str(spec)])
    assert res.exit_code == 0, res.output
    m = re.search(r"(\d+) passed, 0 failed", res.stdout)
    assert m is not None and int(m.group(1)) >= 1, res.stdout


# -- (b) classic networks against torchvision's published figures -----------------
# Source: torchvision documentation, "Table of all available classification weights"
# (pytorch.org/vision/stable/models.html), i.e. each weights enum's meta in
# torchvision/models/*.py: "num_params" and "_ops" (GFLOPS) of IMAGENET1K_V1, e.g.
# ResNet50_Weights.IMAGENET1K_V1 = {"num_params": 25557032, ..., "_ops": 4.089}.
# num_params = sum(p.numel() for p in model.parameters()) = our trainable params;
# "_ops" counts one multiply-add as one op, i.e. our MACs / 1e9, rounded to 3 decimals
# (at 224x224; inception_v3 at 299x299).

TORCHVISION = [
    # spec, num_params, GFLOPS
    ("alexnet", 61_100_840, 0.714),
    ("vgg16", 138_357_544, 15.47),
    ("vgg16_bn", 138_365_992, 15.47),
    ("resnet18", 11_689_512, 1.814),
    ("resnet34", 21_797_672, 3.664),
    ("resnet50", 25_557_032, 4.089),
    ("resnet101", 44_549_160, 7.801),
    ("resnext50_32x4d", 25_028_904, 4.23),
    ("googlenet", 6_624_904, 1.498),
    ("inception_v3", 27_161_264, 5.713),
    ("densenet121", 7_978_856, 2.834),
    ("squeezenet1_0", 1_248_424, 0.819),
    ("mobilenet_v2", 3_504_872, 0.301),
    ("mobilenet_v3_large", 5_483_032, 0.217),
    ("shufflenet_v2_x1_0", 2_278_604, 0.145),
    ("efficientnet_b0", 5_288_548, 0.386),
    ("resnet152", 60_192_808, 11.514),
    ("wide_resnet50_2", 68_883_240, 11.398),
    ("resnext101_32x8d", 88_791_336, 16.414),
    ("vgg11", 132_863_336, 7.609),
    ("vgg19_bn", 143_678_248, 19.632),
    ("densenet169", 14_149_480, 3.36),
    ("squeezenet1_1", 1_235_496, 0.349),
    ("mobilenet_v3_small", 2_542_856, 0.057),
    ("mnasnet1_0", 4_383_312, 0.314),
    ("regnet_y_400mf", 4_344_144, 0.402),
    ("shufflenet_v2_x0_5", 1_366_792, 0.04),
    ("convnext_tiny", 28_589_128, 4.456),
]


@pytest.mark.parametrize(("name", "num_params", "gflops"), TORCHVISION, ids=[t[0] for t in TORCHVISION])
def test_classic_network_matches_torchvision(name: str, num_params: int, gflops: float) -> None:
    r = analyze(name)
    assert r.totals.trainable == num_params
    assert round(r.totals.macs / 1e9, 3) == gflops
    assert r.output.dims in ((1000,), (1, 1, 1000))
    size = 299 if name == "inception_v3" else 224
    assert r.input.dims == (size, size, 3)


# -- (c) the other networks: facts from outside their own expect: ----------------------


def test_unet_matches_the_paper() -> None:
    r = analyze("unet")
    # Ronneberger et al. 2015, Fig. 1: 572x572 input tile, 388x388 output segmentation map, 2 classes
    assert r.input.dims == (572, 572, 1)
    assert r.output.dims == (388, 388, 2)
    # Per level, convs (C_in·9 + 1)·C_out: encoder 1-64-64, 64-128-128, ..., 512-1024-1024
    enc = sum((a * 9 + 1) * b + (b * 9 + 1) * b for a, b in [(1, 64), (64, 128), (128, 256), (256, 512), (512, 1024)])
    # decoder: up-conv 2x2 C -> C/2 (C·(C/2)·4 + C/2), then convs C -> C/2 -> C/2
    dec = sum(
        c * (c // 2) * 4 + c // 2 + (c * 9 + 1) * (c // 2) + ((c // 2) * 9 + 1) * (c // 2)
        for c in (1024, 512, 256, 128)
    )
    assert enc + dec + (64 * 2 + 2) == 31_030_658  # the well-known figure for the paper's U-Net
    assert r.totals.trainable == 31_030_658 and r.totals.non_trainable == 0
    # the four skips are centre-cropped: 64 -> 56, 136 -> 104, 280 -> 200, 568 -> 392
    crops = [(x.inputs[0].h, x.output.h) for x in r.rows if x.kind == "crop"]
    assert sorted(crops) == [(64, 56), (136, 104), (280, 200), (568, 392)]


def test_unet_padded_keeps_the_size_and_needs_no_crop() -> None:
    r = analyze("unet_padded")
    h, w, _ = r.input.dims
    assert r.output.dims[:2] == (h, w)
    assert not [x for x in r.rows if x.kind == "crop"]
    assert sorted({x.output.h for x in r.rows if x.kind == "concat"}) == [h // 8, h // 4, h // 2, h]


def test_dcgan_generator_output_and_hand_count() -> None:
    r = analyze("dcgan_generator")
    # PyTorch DCGAN tutorial: z is nz = 100 values (1x1), the image 64x64 with nc = 3
    assert r.input.dims == (1, 1, 100)
    assert r.output.dims == (64, 64, 3)
    # ConvTranspose2d weights C_in·C_out·4·4 (no bias), BatchNorm 2·C each way
    chans = [100, 512, 256, 128, 64, 3]
    weights = sum(a * b * 16 for a, b in itertools.pairwise(chans))
    bn = sum(2 * c for c in chans[1:-1])
    assert weights + bn == 3_576_704
    assert r.totals.trainable == weights + bn
    assert r.totals.non_trainable == bn
    assert [x.output.h for x in r.rows if x.kind == "deconv"] == [4, 8, 16, 32, 64]


def test_autoencoder_code_and_shapes() -> None:
    r = analyze("autoencoder")
    # Keras blog: "at this point the representation is (4, 4, 8) i.e. 128-dimensional"
    assert r.input.dims == (28, 28, 1) and r.output.dims == (28, 28, 1)
    smallest = min((x.output for x in r.rows), key=lambda s: s.numel)
    assert smallest.dims == (4, 4, 8)
    # Conv2D(3x3) params (9·C_in + 1)·C_out for 1-16-8-8 | 8-8-8-16-1
    pairs = [(1, 16), (16, 8), (8, 8), (8, 8), (8, 8), (8, 16), (16, 1)]
    assert r.totals.params == sum((9 * a + 1) * b for a, b in pairs) == 4_385


def test_googlenet_aux_adds_the_two_heads_to_the_published_googlenet() -> None:
    r = analyze("googlenet_aux")

    # InceptionAux(C): BasicConv2d 1x1 C -> 128 (no bias; BN 2·128), fc 2048 -> 1024, fc 1024 -> 1000
    def head(c: int) -> int:
        return c * 128 + 2 * 128 + (2048 * 1024 + 1024) + (1024 * 1000 + 1000)

    assert (head(512), head(528)) == (3_188_968, 3_191_016)
    # torchvision googlenet num_params (no aux heads) 6,624,904 + both heads
    assert r.totals.trainable == 6_624_904 + head(512) + head(528)
    # inference MACs unchanged: torchvision's googlenet "_ops" 1.498 GFLOPS
    assert round(r.totals.macs / 1e9, 3) == 1.498
    # head MACs: 4·4·128·C (1x1 conv on the 4x4 pool) + 2048·1024 + 1024·1000
    assert r.totals.aux_macs == sum(16 * 128 * c + 2048 * 1024 + 1024 * 1000 for c in (512, 528))
    assert r.output.dims == (1000,)
    aux_rows = [x for x in r.rows if x.aux]
    assert {x.inputs[0].dims for x in aux_rows if x.kind == "adaptive_avgpool"} == {(14, 14, 512), (14, 14, 528)}


def test_googlenet_aux_body_is_googlenet() -> None:
    base, withaux = analyze("googlenet"), analyze("googlenet_aux")
    assert withaux.totals.macs == base.totals.macs
    main = [(x.kind, x.output) for x in withaux.rows if not x.aux]
    assert main == [(x.kind, x.output) for x in base.rows]


# -- PyTorch cross-checks: the same models built in plain PyTorch (meta device: no memory, no
# compute), parameters() and FlopCounterMode total / 2 = MACs.


def _torch_measure(model, shape):  # type: ignore[no-untyped-def]
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        m = model()
        x = torch.zeros(1, *shape)
    m.eval()
    trainable = sum(p.numel() for p in m.parameters())
    stats = sum(b.numel() for n, b in m.named_buffers() if not n.endswith("num_batches_tracked"))
    with FlopCounterMode(display=False) as fc:
        out = m(x)
    return trainable, stats, fc.get_total_flops() // 2, tuple(out.shape[1:])


def _unet(cin: int, pad: int, bn: bool):  # type: ignore[no-untyped-def]
    """The paper's U-Net (pad=0: crop the skips) or the padded, BatchNorm variant."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    def double(i: int, o: int) -> nn.Sequential:
        layers: list[nn.Module] = []
        for a, b in ((i, o), (o, o)):
            layers += [nn.Conv2d(a, b, 3, padding=pad), *([nn.BatchNorm2d(b)] if bn else []), nn.ReLU()]
        return nn.Sequential(*layers)

    ch = [64, 128, 256, 512, 1024]

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = nn.ModuleList([double(cin, 64)] + [double(ch[i], ch[i + 1]) for i in range(4)])
            self.ups = nn.ModuleList([nn.ConvTranspose2d(ch[i + 1], ch[i], 2, 2) for i in reversed(range(4))])
            self.convs = nn.ModuleList([double(ch[i + 1], ch[i]) for i in reversed(range(4))])
            self.out = nn.Conv2d(64, 2, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            skips = []
            for i, d in enumerate(self.down):
                x = d(F.max_pool2d(x, 2) if i else x)
                skips.append(x)
            for up, conv, s in zip(self.ups, self.convs, reversed(skips[:-1])):
                x = up(x)
                dh, dw = s.shape[2] - x.shape[2], s.shape[3] - x.shape[3]
                s = s[:, :, dh // 2 : s.shape[2] - (dh - dh // 2), dw // 2 : s.shape[3] - (dw - dw // 2)]
                x = conv(torch.cat([s, x], 1))
            return self.out(x)

    return UNet


def _check_against_torch(name: str, model, shape) -> None:  # type: ignore[no-untyped-def]
    r = analyze(name)
    trainable, stats, macs, out = _torch_measure(model, shape)
    assert r.totals.trainable == trainable
    assert r.totals.non_trainable == stats
    assert r.totals.macs == macs
    c, h, w = out
    assert r.output.dims == (h, w, c)


@pytest.mark.torch
def test_unet_against_torch() -> None:
    pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    _check_against_torch("unet", _unet(1, 0, False), (1, 572, 572))


@pytest.mark.torch
def test_unet_padded_against_torch() -> None:
    pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    r = analyze("unet_padded")
    h, w, c = r.input.dims
    _check_against_torch("unet_padded", _unet(c, 1, True), (c, h, w))


@pytest.mark.torch
def test_dcgan_generator_against_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    nn = torch.nn
    nz, ngf, nc = 100, 64, 3

    def generator() -> nn.Module:
        # verbatim from the PyTorch DCGAN tutorial's Generator
        return nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 8), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh(),
        )  # fmt: skip

    _check_against_torch("dcgan_generator", generator, (nz, 1, 1))


@pytest.mark.torch
def test_super_resolution_against_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    nn = torch.nn
    r = 3  # upscale_factor

    def net() -> nn.Module:
        # the layers of pytorch/examples super_resolution/model.py, Net(upscale_factor=3)
        return nn.Sequential(
            nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2)), nn.ReLU(),
            nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1)), nn.ReLU(),
            nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1)), nn.ReLU(),
            nn.Conv2d(32, r ** 2, (3, 3), (1, 1), (1, 1)), nn.PixelShuffle(r),
        )  # fmt: skip

    _check_against_torch("super_resolution", net, (1, 85, 85))


@pytest.mark.torch
def test_autoencoder_against_torch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    nn = torch.nn

    def autoencoder() -> nn.Module:
        # Keras 'same' max pooling = PyTorch ceil_mode (7 -> 4); the 16-filter decoder conv is unpadded
        def conv(i: int, o: int, p: int = 1) -> nn.Module:
            return nn.Conv2d(i, o, 3, padding=p)

        def pool() -> nn.Module:
            return nn.MaxPool2d(2, ceil_mode=True)

        up = nn.Upsample(scale_factor=2)
        return nn.Sequential(
            conv(1, 16), nn.ReLU(), pool(), conv(16, 8), nn.ReLU(), pool(), conv(8, 8), nn.ReLU(), pool(),
            conv(8, 8), nn.ReLU(), up, conv(8, 8), nn.ReLU(), up, conv(8, 16, 0), nn.ReLU(), up,
            conv(16, 1), nn.Sigmoid(),
        )  # fmt: skip

    _check_against_torch("autoencoder", autoencoder, (1, 28, 28))


# -- the bundled seed specs pass `cnncalc check` ----------------------------------------

SEED_SPECS = sorted(SPECS.glob("seed*.yaml"))


def test_every_seed_case_has_a_spec() -> None:
    numbers = sorted(int(m.group(1)) for p in SEED_SPECS if (m := re.match(r"seed(\d+)_", p.name)))
    assert numbers == list(range(1, 9))


@pytest.mark.parametrize("spec", [*SEED_SPECS, SPECS / "lenet5.yaml"], ids=lambda p: p.stem)
def test_cnncalc_check_passes_on_seed_spec(spec: Path) -> None:
    res = runner.invoke(app, ["check", str(spec)])
    assert res.exit_code == 0, res.output
    m = re.search(r"(\d+) passed, (\d+) failed", res.stdout)
    assert m is not None, res.stdout
    # the spec does claim something: per-layer checks as well as totals
    assert int(m.group(1)) >= 3 and m.group(2) == "0"
    assert "totals" in res.stdout


def test_seed4_spec_shows_both_paddings_and_the_bottleneck() -> None:
    res = runner.invoke(app, ["check", str(SPECS / "seed4_bottleneck.yaml")])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()

    def claimed(name: str, field: str) -> str:
        hits = [ln for ln in lines if ln.split()[1:3] == [name, field]]
        assert len(hits) == 1, (name, field, res.stdout)
        return hits[0]

    assert "computed 28x28x32" in claimed("conv5x5_same", "output")
    assert "computed 120,422,400" in claimed("conv5x5_same", "macs")
    assert "computed 24x24x32" in claimed("conv5x5_valid", "output")
    assert "computed 88,473,600" in claimed("conv5x5_valid", "macs")
    assert "computed 12,443,648" in claimed("with_bottleneck", "macs")


def test_seed_spec_check_fails_when_a_claim_is_wrong(tmp_path: Path) -> None:
    # guard against a check that cannot fail: seed 3 with its first output claimed wrong
    text = (SPECS / "seed3_two_convs.yaml").read_text().replace("output: 7x7x4", "output: 8x8x4", 1)
    bad = tmp_path / "seed3_wrong.yaml"
    bad.write_text(text)
    res = runner.invoke(app, ["check", str(bad)])
    assert res.exit_code == 1
    assert "FAIL" in res.stdout and "8x8x4" in res.stdout


# --- file names and lengths ----------------------------------------------------------------------


TORCHVISION_BUILDERS = [
    "alexnet", "vgg16", "vgg16_bn", "resnet18", "resnet34", "resnet50", "resnet101", "resnext50_32x4d",
    "googlenet", "inception_v3", "densenet121", "squeezenet1_0", "mobilenet_v2", "mobilenet_v3_large",
    "shufflenet_v2_x1_0", "efficientnet_b0",
]


def test_specs_are_named_after_torchvision_builders_and_stay_short() -> None:
    """'specs/: classic networks, file name = torchvision builder name'; 'ResNet-50 in at most
    60 lines of YAML, DenseNet-121 in at most 80'; plus lenet5 and the others named there."""
    names = {p.stem for p in (ROOT / "specs").glob("*.yaml")}
    assert set(TORCHVISION_BUILDERS) <= names, set(TORCHVISION_BUILDERS) - names
    assert {"lenet5", "unet", "unet_padded", "dcgan_generator", "autoencoder", "googlenet_aux"} <= names
    assert len((ROOT / "specs" / "resnet50.yaml").read_text().splitlines()) <= 60
    assert len((ROOT / "specs" / "densenet121.yaml").read_text().splitlines()) <= 80


# -- networks with several outputs, layer scale, unpooling: against their sources ---------------

@pytest.mark.torch
def test_convnext_tiny_equals_torchvisions_model_stage_by_stage() -> None:
    """torchvision.models.convnext_tiny(weights=None), measured in PyTorch: parameters and MACs
    (FlopCounterMode // 2) of the whole model and of each of its modules, exactly."""
    import vision

    tv = vision.torchvision()
    r = analyze("convnext_tiny")
    trainable, stats, macs, outs = vision.measure(lambda: tv.models.convnext_tiny(weights=None), (3, 224, 224))
    assert (r.totals.trainable, r.totals.non_trainable, r.totals.macs) == (trainable, stats, macs)
    assert [r.output.dims] == outs == [(1000,)]
    # torchvision's features.1 .. features.7 are cnncalc's stage1, downsample1, ..., stage4
    ours = {"features.1": "stage1", "features.2": "downsample1", "features.3": "stage2", "features.4": "downsample2",
            "features.5": "stage3", "features.6": "downsample3", "features.7": "stage4"}
    theirs = vision.per_module(lambda: tv.models.convnext_tiny(weights=None), (3, 224, 224), list(ours))
    for module, group in ours.items():
        rows = [row for row in r.rows if group in row.group]
        assert (sum(x.cost.params for x in rows), sum(x.cost.macs for x in rows)) == theirs[module], module


# Darknet's log for cfg/yolov3-tiny.cfg at 416x416 (pjreddie/darknet): every [convolutional] as
# (filters n, size, input channels c, output side), in cfg order; 1x1 convs are layers 13, 15, 18, 22.
YOLOV3_TINY_CONVS = [(16, 3, 3, 416), (32, 3, 16, 208), (64, 3, 32, 104), (128, 3, 64, 52), (256, 3, 128, 26),
                     (512, 3, 256, 13), (1024, 3, 512, 13), (256, 1, 1024, 13), (512, 3, 256, 13),
                     (255, 1, 512, 13), (128, 1, 256, 13), (256, 3, 384, 26), (255, 1, 256, 26)]


def test_yolov3_tiny_is_darknets_5_56_bflops() -> None:
    """Darknet's site gives Tiny YOLOv3 5.56 Bn FLOPS at 416.  Darknet counts, per conv layer
    (src/convolutional_layer.c), 2·n·size²·c/groups·out_h·out_w, and nothing for bias, BN, pooling,
    up-sampling or the [yolo] layers: that is cnncalc's FLOPs (2 × MACs), exactly."""
    r = analyze("yolov3_tiny")
    darknet = sum(2 * n * k * k * c * side * side for n, k, c, side in YOLOV3_TINY_CONVS)
    assert darknet == 5_564_961_792 and round(darknet / 1e9, 2) == 5.56
    assert r.totals.flops == darknet
    # parameters: n·size²·c weights per conv; the two linear heads (255 filters) have a bias, the
    # others batch_normalize=1: 2·n trainable (scale, bias) and 2·n running statistics
    weights = sum(n * k * k * c for n, k, c, _ in YOLOV3_TINY_CONVS)
    bn = sum(n for n, *_ in YOLOV3_TINY_CONVS if n != 255)
    assert r.totals.trainable == weights + 2 * 255 + 2 * bn == 8_852_366
    assert r.totals.non_trainable == 2 * bn == 6_368
    assert [o.shape.dims for o in r.outputs] == [(13, 13, 255), (26, 26, 255)]


def _yolov3_tiny():  # type: ignore[no-untyped-def]
    """YOLOv3-tiny written in PyTorch from cfg/yolov3-tiny.cfg (Ultralytics' port has these layers)."""
    import torch
    from torch import nn

    def cbl(i: int, o: int, k: int = 3) -> nn.Sequential:
        return nn.Sequential(nn.Conv2d(i, o, k, 1, k // 2, bias=False), nn.BatchNorm2d(o), nn.LeakyReLU(0.1))

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            mp = nn.MaxPool2d(2, 2)
            self.to8 = nn.Sequential(cbl(3, 16), mp, cbl(16, 32), mp, cbl(32, 64), mp, cbl(64, 128), mp, cbl(128, 256))
            self.to13 = nn.Sequential(mp, cbl(256, 512), nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2, 1),
                                      cbl(512, 1024), cbl(1024, 256, 1))
            self.head1 = nn.Sequential(cbl(256, 512), nn.Conv2d(512, 255, 1))
            self.up = nn.Sequential(cbl(256, 128, 1), nn.Upsample(scale_factor=2))
            self.head2 = nn.Sequential(cbl(384, 256), nn.Conv2d(256, 255, 1))

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            l8 = self.to8(x)
            l13 = self.to13(l8)
            return self.head1(l13), self.head2(torch.cat([self.up(l13), l8], 1))

    return Tiny


@pytest.mark.torch
def test_yolov3_tiny_against_torch() -> None:
    import vision

    pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    r = analyze("yolov3_tiny")
    trainable, stats, macs, outs = vision.measure(_yolov3_tiny(), (3, 416, 416))
    assert (r.totals.trainable, r.totals.non_trainable, r.totals.macs) == (trainable, stats, macs)
    assert outs == [(255, 13, 13), (255, 26, 26)]


def _segnet_basic():  # type: ignore[no-untyped-def]
    """SegNet-Basic in PyTorch: MaxPool2d(2, 2, return_indices=True) and MaxUnpool2d(2, 2) back to
    each pool's input size (output_size), 7x7 convs of 64 features, 1x1 classifier to 11 classes."""
    import torch
    from torch import nn

    class SegNetBasic(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = nn.ModuleList([nn.Sequential(nn.Conv2d(c, 64, 7, padding=3), nn.BatchNorm2d(64), nn.ReLU())
                                      for c in (3, 64, 64, 64)])
            self.dec = nn.ModuleList([nn.Sequential(nn.Conv2d(64, 64, 7, padding=3), nn.BatchNorm2d(64))
                                      for _ in range(4)])
            self.pool, self.unpool = nn.MaxPool2d(2, 2, return_indices=True), nn.MaxUnpool2d(2, 2)
            self.classifier = nn.Conv2d(64, 11, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            kept = []
            for enc in self.enc:
                x = enc(x)
                size = x.shape[2:]
                x, indices = self.pool(x)
                kept.append((indices, size))
            for dec, (indices, size) in zip(self.dec, reversed(kept)):
                x = dec(self.unpool(x, indices, output_size=size))
            return self.classifier(x)

    return SegNetBasic


@pytest.mark.torch
def test_segnet_basic_against_torch() -> None:
    import vision

    pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    r = analyze("segnet_basic")
    trainable, stats, macs, outs = vision.measure(_segnet_basic(), (3, 360, 480))
    assert (r.totals.trainable, r.totals.non_trainable, r.totals.macs) == (trainable, stats, macs)
    assert outs == [(11, 360, 480)]
    # the odd size: pool4 takes 45 rows to 22, its unpooling gives the 45 back
    rows = {row.name: row for row in r.rows}
    assert rows["pool4"].output.dims == (22, 30, 64) and rows["unpool1"].output.dims == (45, 60, 64)


@pytest.mark.torch
@pytest.mark.parametrize("size", [(520, 520), (321, 417)])
def test_fcn_resnet50_equals_torchvisions_model_with_both_outputs(size: tuple[int, int]) -> None:
    """torchvision.models.segmentation.fcn_resnet50(aux_loss=True), measured in PyTorch at its
    published 520x520 and at another size: the same parameters, MACs and both outputs ("out" and
    "aux", each resized to the input by F.interpolate), exactly."""
    import vision

    from cnncalc.analysis.analyze import analyze as run
    from cnncalc.analysis.analyze import at_input
    from cnncalc.graph.build import build_graph

    tv = vision.torchvision()
    path = SPECS / "fcn_resnet50.yaml"
    graph = build_graph(cnncalc.parse_spec(path.read_text(encoding="utf-8"), str(path)))
    r = run(at_input(graph, cnncalc.Shape((*size, 3))))
    model = lambda: tv.models.segmentation.fcn_resnet50(weights=None, weights_backbone=None, aux_loss=True)
    trainable, stats, macs, outs = vision.measure(model, (3, *size))
    assert (r.totals.trainable, r.totals.non_trainable, r.totals.macs) == (trainable, stats, macs)
    assert [(o.shape.c, o.shape.h, o.shape.w) for o in r.outputs] == outs == [(21, *size)] * 2
    if size == (520, 520):  # the published meta: num_params 35,322,218, 152.717 GFLOPS
        assert trainable == 35_322_218 and round(macs / 1e9, 3) == 152.717


def _fcn8s():  # type: ignore[no-untyped-def]
    """FCN-8s in PyTorch with the layers and crops of wkentaro/pytorch-fcn's FCN8s (a port of the
    authors' Caffe model): conv1_1 padding 100, ceil-mode pools, fc6/fc7 as convs, bias-free
    upscoring, and the crops h[:, :, 5:5 + H], h[:, :, 9:9 + H], h[:, :, 31:31 + H]."""
    import torch
    from torch import nn

    def convs(i: int, o: int, n: int, first_pad: int = 1) -> list[nn.Module]:
        out: list[nn.Module] = []
        for k in range(n):
            out += [nn.Conv2d(i if k == 0 else o, o, 3, padding=first_pad if k == 0 else 1), nn.ReLU()]
        return [*out, nn.MaxPool2d(2, 2, ceil_mode=True)]

    class FCN8s(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.to_pool3 = nn.Sequential(*convs(3, 64, 2, 100), *convs(64, 128, 2), *convs(128, 256, 3))
            self.to_pool4 = nn.Sequential(*convs(256, 512, 3))
            self.to_score = nn.Sequential(*convs(512, 512, 3), nn.Conv2d(512, 4096, 7), nn.ReLU(), nn.Dropout2d(),
                                          nn.Conv2d(4096, 4096, 1), nn.ReLU(), nn.Dropout2d(), nn.Conv2d(4096, 21, 1))
            self.score_pool3, self.score_pool4 = nn.Conv2d(256, 21, 1), nn.Conv2d(512, 21, 1)
            self.upscore2 = nn.ConvTranspose2d(21, 21, 4, stride=2, bias=False)
            self.upscore_pool4 = nn.ConvTranspose2d(21, 21, 4, stride=2, bias=False)
            self.upscore8 = nn.ConvTranspose2d(21, 21, 16, stride=8, bias=False)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            pool3 = self.to_pool3(x)
            pool4 = self.to_pool4(pool3)
            h = self.upscore2(self.to_score(pool4))
            h = h + self.score_pool4(pool4)[:, :, 5:5 + h.shape[2], 5:5 + h.shape[3]]
            h = self.upscore_pool4(h)
            h = h + self.score_pool3(pool3)[:, :, 9:9 + h.shape[2], 9:9 + h.shape[3]]
            return self.upscore8(h)[:, :, 31:31 + x.shape[2], 31:31 + x.shape[3]]

    return FCN8s


@pytest.mark.torch
@pytest.mark.parametrize("size", [(500, 500), (375, 281)])
def test_fcn8s_against_torch_at_any_input_size(size: tuple[int, int]) -> None:
    """The offset crops (5, 9, and 31 against the input) keep FCN-8s right at any size: the same
    parameters, MACs and output as the PyTorch port, at VOC's 500x500 and at an odd 375x281."""
    import vision

    from cnncalc.analysis.analyze import analyze as run
    from cnncalc.analysis.analyze import at_input
    from cnncalc.graph.build import build_graph

    pytest.importorskip("torch", reason="PyTorch cross-check needs torch")
    path = SPECS / "fcn8s.yaml"
    r = run(at_input(build_graph(cnncalc.parse_spec(path.read_text(encoding="utf-8"), str(path))),
                     cnncalc.Shape((*size, 3))))
    trainable, stats, macs, outs = vision.measure(_fcn8s(), (3, *size))
    assert (r.totals.trainable, r.totals.non_trainable, r.totals.macs) == (trainable, stats, macs)
    assert outs == [(21, *size)] and r.output.dims == (*size, 21)
    assert trainable == 134_489_759 and round(trainable / 1e6) == 134  # the paper's Table 1: 134M
