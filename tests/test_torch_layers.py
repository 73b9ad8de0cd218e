"""Every layer kind, one at a time, against PyTorch.

Two kinds of check:

- ``test_kind_matches_pytorch``: hand-picked small networks covering every kind and its
  argument forms (Keras 'same' at stride 2, asymmetric pads, ceil_mode, dense and layer
  norm on images, ...), exported and measured in PyTorch (tests/torch_oracle.py): output
  shape, trainable and non-trainable parameters and MACs of every layer, exactly.
- ``test_*_acceptance``: hypothesis draws single-layer configurations and builds the layer
  *directly* in PyTorch (not through the export); cnncalc must accept exactly what PyTorch
  accepts, with the same output shape, and reject the rest with a positioned error.  The
  domain is what both can express: symmetric padding, and 'same' only at stride 1 (Keras
  'same' at stride > 1 is cnncalc's own, exported with explicit padding).
"""

from __future__ import annotations

import os
import textwrap

import pytest

pytest.importorskip("torch", reason="PyTorch is not installed: the cross-check against it is skipped")

import torch
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from torch import nn
from torch_oracle import cross_check
from yaml_flow import flow

import cnncalc
from cnncalc.layers import REGISTRY

pytestmark = pytest.mark.torch


def net(shape: str, *layers: str) -> str:
    return f"input: {shape}\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)


CASES: dict[str, str] = {
    # convolutions
    "conv plain": net("9x9x3", "conv: {filters: 4, kernel: 3}"),
    "conv same stride 2 (asymmetric pad)": net("8x8x3", "conv: {filters: 4, kernel: 3, stride: 2, padding: same}"),
    "conv same stride 1 even kernel": net("7x6x3", "conv: {filters: 2, kernel: [2, 4], padding: same}"),
    "conv same stride 3 dilated": net("10x11x2", "conv: {filters: 2, kernel: 3, stride: 3, dilation: 2, padding: same}"),
    "conv four pads": net("6x6x2", "conv: {filters: 3, kernel: 3, padding: [0, 2, 1, 0]}"),
    "conv pair pads, stride, dilation, groups, no bias": net(
        "12x10x4", "conv: {filters: 6, kernel: [3, 2], stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 2,"
        " bias: false}"),
    "conv alias and valid": net("5x5x1", "conv2d: {filters: 1, kernel: 5, padding: valid}"),
    "dwconv multiplier same": net("7x7x3", "dwconv: {kernel: 3, stride: 2, padding: same, multiplier: 2}"),
    "dwconv no bias": net("5x5x2", "depthwise_conv: {kernel: [1, 3], bias: false}"),
    "sepconv": net("8x8x3", "sepconv: {filters: 5, kernel: 3, padding: same, multiplier: 2}"),
    "sepconv stride 2 same no bias": net("9x8x2", "sepconv: {filters: 4, kernel: 3, stride: 2, padding: same, bias: false}"),
    "deconv stride 2": net("4x4x3", "deconv: {filters: 2, kernel: 3, stride: 2, padding: 1, output_padding: 1}"),
    "deconv groups dilation": net("5x4x4", "deconv: {filters: 6, kernel: [2, 3], stride: [1, 2], dilation: 2, groups: 2}"),
    "deconv same (Keras)": net("7x6x4", "deconv: {filters: 2, kernel: 4, stride: 2, padding: same}",
                               "deconv: {filters: 2, kernel: 1, stride: [3, 2], padding: same}",
                               "deconv: {filters: 3, kernel: [4, 5], dilation: 2, padding: same}"),
    "deconv asymmetric padding": net("4x4x2", "deconv: {filters: 2, kernel: 4, stride: 2, padding: [1, 2, 0, 1]}"),
    "deconv output_padding below dilation": net("3x3x1", "deconv: {filters: 1, kernel: 2, dilation: 3, output_padding: 2}"),
    # pooling
    "maxpool": net("9x9x2", "maxpool: 2"),
    "maxpool ceil": net("9x9x2", "maxpool: {kernel: 2, ceil_mode: true}"),
    "maxpool ceil drops window in padding": net("5x5x1", "maxpool: {kernel: 2, stride: 2, padding: 1, ceil_mode: true}"),
    "maxpool same stride 2 (asymmetric)": net("8x7x2", "maxpool: {kernel: 3, stride: 2, padding: same}"),
    "maxpool four pads ceil": net("7x7x1", "maxpool: {kernel: 3, stride: 2, padding: [0, 1, 1, 0], ceil_mode: true}"),
    "maxpool same ceil": net("6x6x1", "maxpool: {kernel: 2, stride: 3, padding: same, ceil_mode: true}"),
    "avgpool stride": net("10x10x3", "avgpool: {kernel: 3, stride: 2, padding: 1}"),
    "avgpool same stride 1": net("5x5x1", "avgpool: {kernel: 3, stride: 1, padding: same}"),
    "avgpool same stride 2": net("6x5x1", "avgpool: {kernel: 2, stride: 2, padding: same}"),
    "avgpool four pads": net("6x6x1", "avgpool: {kernel: 2, padding: [1, 0, 0, 1], ceil_mode: true}"),
    "global avgpool keepdims": net("5x4x3", "global_avgpool"),
    "global avgpool vector": net("5x4x3", "gap: {keepdims: false}", "dense: 2"),
    "global maxpool": net("5x4x3", "global_maxpool: {keepdims: false}"),
    "adaptive avg": net("7x5x2", "adaptive_avgpool: [3, 2]"),
    "adaptive max larger than input": net("2x2x2", "adaptive_maxpool: 3"),
    # dense, norms, element-wise
    "dense on image (Keras)": net("3x4x5", "dense: 6"),
    "dense vector no bias": net("7", "fc: {units: 3, bias: false}"),
    "bn image": net("4x4x3", "bn"),
    "bn vector no affine": net("4x4x3", "flatten", "batchnorm: {affine: false}"),
    "layernorm image": net("3x3x4", "layernorm"),
    "layernorm vector": net("6", "layer_norm: {affine: false}"),
    "groupnorm": net("3x3x6", "groupnorm: 3"),
    "groupnorm vector": net("6", "groupnorm: {groups: 2, affine: false}"),
    "activations": net("3x3x2", "relu", "relu6", "gelu", "silu", "swish", "hardswish", "sigmoid", "hardsigmoid",
                       "tanh", "softmax", "identity", "leaky_relu: 0.2", "elu: {alpha: 0.5}", "dropout: 0.3",
                       "lrn: 3"),
    "activations on vectors": net("5", "relu", "softmax", "dropout", "elu", "leaky_relu", "hard_swish"),
    # reshaping, composites
    "flatten": net("2x3x4", "flatten", "flatten"),
    "upsample scale": net("3x4x2", "upsample: 2"),
    "upsample pair bilinear": net("3x4x2", "upsample: {scale: [2, 3], mode: bilinear}"),
    "upsample size bicubic": net("3x4x2", "upsample: {size: [5, 7], mode: bicubic}"),
    "upsample decimal scales": net("7x10x2", "upsample: 1.5", "upsample: {scale: [0.7, 2.25], mode: bilinear}",
                                   "upsample: 0.29"),
    "pixel shuffle and unshuffle": net("6x6x8", "pixel_shuffle: 2", "pixel_unshuffle: 3", "space_to_depth: 2"),
    "instancenorm forms": net("5x4x6", "instancenorm", "instance_norm: {affine: true}",
                              "instancenorm: {track_running_stats: true}",
                              "instancenorm: {affine: true, track_running_stats: true}"),
    "prelu mish softplus": net("3x3x5", "prelu", "mish", "prelu: {per_channel: true}", "softplus", "prelu: 5",
                               "flatten", "prelu: {per_channel: true}", "prelu: {num_parameters: 1}"),
    "zeropad": net("3x3x1", "zeropad: [1, 2, 0, 3]"),
    "zeropad pair": net("3x3x1", "pad: [1, 2]"),
    "crop amount": net("8x8x2", "crop: [1, 2, 3, 0]"),
    "crop to name (odd difference)": net("5x5x2", "conv: {filters: 2, kernel: 2}\n    name: small",
                                         "zeropad: [2, 3, 1, 2]", "crop: {to: small}"),
    "crop like with an offset": net("5x6x2", "conv: {filters: 2, kernel: 2}\n    name: small",
                                    "zeropad: [2, 3, 1, 2]", "crop: {like: small, offset: [1, 3]}"),
    "upsample like (odd size, each mode)": net("9x7x2", "conv: {filters: 2, kernel: 1}\n    name: ref", "maxpool: 2",
                                               "upsample: {like: ref}", "maxpool: 3",
                                               "upsample: {like: ref, mode: bilinear}", "maxpool: 2",
                                               "upsample: {like: ref, mode: bicubic}"),
    "unpool (SegNet 45 -> 22 -> 45, ceil_mode, padding, like)": net(
        "45x45x2", "conv: {filters: 3, kernel: 1}\n    name: c", "maxpool: 2\n    name: p", "relu",
        "maxpool: {kernel: 3, stride: 2, padding: 1, ceil_mode: true}\n    name: q", "unpool: q",
        "unpool: {pool: p, like: c}", "maxpool: [3, 2]\n    name: r", "bn", "max_unpool: {pool: r}"),
    "scale (layer scale) on an image and a vector": net("3x3x4", "scale", "scale: 0.5", "flatten", "layer_scale"),
    "se reduction": net("4x4x8", "se: 4"),
    "se squeeze divisible silu hardsigmoid": net(
        "3x3x12", "se: {reduction: 4, divisible_by: 8, activation: silu, gate: hardsigmoid}"),
    "se squeeze given": net("3x3x5", "squeeze_excite: {squeeze: 7}"),
    "channel_shuffle": net("2x2x6", "channel_shuffle: 3"),
    "channel_split": net("2x2x6", "channel_split: {parts: 3, index: 2}"),
    # graph structure
    "concat add multiply": net(
        "8x8x4", "conv: {filters: 4, kernel: 1}\n    name: a",
        "concat: [[], [conv: {filters: 2, kernel: 3, padding: 1}], a]",
        "add: [[], [bn], [conv: {filters: 10, kernel: 1}]]",
        "multiply: [[], [global_avgpool, conv: {filters: 10, kernel: 1}, sigmoid]]",
        "multiply: [[], [gap: {keepdims: false}, dense: 10, sigmoid]]"),
    "multiply vector gate on the left": net("3x3x4", "multiply: [[gap: {keepdims: false}], []]"),
    "aux heads": net("8x8x3", "conv: {filters: 4, kernel: 3, padding: 1}", "aux: [gap: {keepdims: false}, dense: 5]",
                     "bn", "aux: [conv: {filters: 2, kernel: 1}, flatten, dense: 3]", "relu"),
    "aux head at the end": net("4x4x2", "conv: {filters: 2, kernel: 1}", "aux: [flatten, dense: 2]"),
    "input used twice": net("4x4x2", "add: [[], [conv: {filters: 2, kernel: 1}]]"),
    "blocks and repeat": textwrap.dedent("""\
        input: 16x16x3
        blocks:
          unit:
            args: {f: 8, s: 1}
            layers:
              - conv: {filters: $f, kernel: 3, stride: $s, padding: same, bias: false}
                name: c
              - bn
              - add: [[], [conv: {filters: $f, kernel: 1}, relu], c]
          stage:
            args: {f: 4}
            layers:
              - unit: {f: $f, s: 2}
              - unit: {f: ${f * 2}}
                repeat: 2
        layers:
          - stage: 4
            name: s1
          - stage: {f: 6}
          - conv: {filters: 3, kernel: 1}
            repeat: 3
        """),
    "names that are not identifiers": textwrap.dedent("""\
        input: 4x4x2
        layers:
          - conv: {filters: 2, kernel: 1}
            name: "class"
          - relu:
            name: "forward"
          - bn:
            name: "1 x-y"
          - add: ["class", "forward", "1 x-y"]
            name: "x"
          - relu:
            name: "é"
        """),
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_kind_matches_pytorch(text: str) -> None:
    assert cross_check(text, "case.yaml") == []


def test_every_kind_has_a_case() -> None:
    used = set()
    for text in CASES.values():
        graph_kinds = {r.kind for r in cnncalc.analyze_text(text).rows}
        used |= graph_kinds
    missing = {cls.kind for cls in REGISTRY.values()} - used - {"deform_conv"}
    assert not missing, f"no PyTorch cross-check case for {sorted(missing)}"


# --- acceptance: cnncalc accepts exactly what PyTorch accepts -------------------------------

REJECTED = "rejected"


def ours(shape: tuple[int, ...], kind: str, args: dict[str, object]) -> tuple[int, ...] | str:
    """cnncalc's verdict on one layer: its output shape, or 'rejected' with a positioned error."""
    text = f"input: {'x'.join(map(str, shape))}\nlayers:\n  - {kind}: {flow(args)}\n"
    note(text)
    try:
        return cnncalc.analyze_text(text, "layer.yaml").rows[-1].output.dims
    except cnncalc.CnnCalcError as exc:
        assert exc.pos is not None and exc.pos.file == "layer.yaml", f"unpositioned error: {exc!r}"
        return REJECTED


def theirs(shape: tuple[int, ...], build: object) -> tuple[int, ...] | str:
    """PyTorch's verdict: the output shape (HxWxC) of the layer built directly, or 'rejected'
    (an exception, or an empty output, which is no network).  Batch 2: at batch 1 PyTorch
    also refuses to normalise a single value (GroupNorm with C/groups·H·W = 1), which is a
    property of the batch, not of the layer."""
    x = torch.zeros(2, shape[2], shape[0], shape[1]) if len(shape) == 3 else torch.zeros(2, *shape)
    try:
        with torch.no_grad():
            m = build()  # type: ignore[operator]
            y = m.eval()(x) if isinstance(m, nn.Module) else m(x)
    except (RuntimeError, ValueError, NotImplementedError, IndexError, ZeroDivisionError) as exc:
        note(f"PyTorch: {type(exc).__name__}: {exc}")
        return REJECTED
    if y.numel() == 0:
        return REJECTED
    d = tuple(y.shape[1:])
    return (d[1], d[2], d[0]) if len(d) == 3 else d


def agree(shape: tuple[int, ...], kind: str, args: dict[str, object], build: object) -> None:
    a, b = ours(shape, kind, args), theirs(shape, build)
    event(f"{kind}: {'rejected' if a == REJECTED else 'accepted'} by cnncalc")
    assert a == b, f"cnncalc: {a}, PyTorch: {b}"


# CNNCALC_FUZZ_SCALE=20 runs 20 times as many examples (a deeper search than CI's).
SCALE = float(os.environ.get("CNNCALC_FUZZ_SCALE", "1"))
SLOW = settings(max_examples=int(150 * SCALE), deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
images = st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 6))
vectors = st.tuples(st.integers(1, 12))
# Mostly values both accept, so that the accept/reject boundary is explored; now and then
# one PyTorch refuses (0, or -1 for padding).
sizes = st.sampled_from([1, 2, 3, 4, 5, 1, 2, 3, 6, 0])
pairs = st.one_of(sizes, st.tuples(sizes, sizes))
pads = st.sampled_from([0, 1, 2, 0, 1, 3, 4, -1])
pad_forms = st.one_of(pads, st.tuples(pads, pads))
counts = st.sampled_from([1, 2, 3, 1, 2, 4, 6, 0])
extras = st.sampled_from([0, 1, 0, 1, 2, -1])  # output_padding
# ConvTranspose2d checks dilation > 0 on some inputs only (a 1x1 input with a 1x1 kernel passes
# dilation 0), so transposed-conv dilation is drawn from the values PyTorch always accepts.
decimals = st.integers(1, 40).map(lambda n: n / 10)  # 0.1 .. 4.0
positive_pairs = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))


def pair_of(v: int | tuple[int, int]) -> tuple[int, int]:
    return v if isinstance(v, tuple) else (v, v)


@SLOW
@given(images, st.integers(1, 6), pairs, pairs, st.one_of(pad_forms, st.sampled_from(["same", "valid"])), pairs,
       counts, st.booleans())
def test_conv_acceptance(shape, filters, kernel, stride, padding, dilation, groups, bias) -> None:  # type: ignore[no-untyped-def]
    if padding == "same" and pair_of(stride) != (1, 1):
        padding = "valid"  # Keras 'same' at stride > 1 is cnncalc's own; PyTorch refuses it
    args = {"filters": filters, "kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation,
            "groups": groups, "bias": bias}
    agree(shape, "conv", args, lambda: nn.Conv2d(shape[2], filters, pair_of(kernel), pair_of(stride),
                                                 padding if isinstance(padding, str) else pair_of(padding),
                                                 pair_of(dilation), groups, bias))


@SLOW
@given(images, counts, pairs, pairs, st.one_of(pads, st.sampled_from(["same", "valid"])), pairs)
def test_dwconv_acceptance(shape, multiplier, kernel, stride, padding, dilation) -> None:  # type: ignore[no-untyped-def]
    if padding == "same" and pair_of(stride) != (1, 1):
        padding = 0
    args = {"kernel": kernel, "stride": stride, "padding": padding, "dilation": dilation, "multiplier": multiplier}
    c = shape[2]
    agree(shape, "dwconv", args, lambda: nn.Conv2d(c, c * multiplier, pair_of(kernel), pair_of(stride),
                                                   padding if isinstance(padding, str) else pair_of(padding),
                                                   pair_of(dilation), groups=c))


@SLOW
@given(images, st.integers(1, 6), pairs, pairs, pad_forms, st.one_of(extras, st.tuples(extras, extras)),
       positive_pairs, counts)
def test_deconv_acceptance(shape, filters, kernel, stride, padding, output_padding, dilation, groups) -> None:  # type: ignore[no-untyped-def]
    args = {"filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
            "output_padding": output_padding, "dilation": dilation, "groups": groups}
    agree(shape, "deconv", args, lambda: nn.ConvTranspose2d(
        shape[2], filters, pair_of(kernel), pair_of(stride), pair_of(padding), pair_of(output_padding), groups,
        dilation=pair_of(dilation)))


@SLOW
@given(images, st.sampled_from(["maxpool", "avgpool"]), pairs, st.one_of(st.none(), pairs), pad_forms, st.booleans())
def test_pool_acceptance(shape, kind, kernel, stride, padding, ceil_mode) -> None:  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"kernel": kernel, "padding": padding, "ceil_mode": ceil_mode}
    if stride is not None:
        args["stride"] = stride
    cls = nn.MaxPool2d if kind == "maxpool" else nn.AvgPool2d
    agree(shape, kind, args, lambda: cls(pair_of(kernel), None if stride is None else pair_of(stride),
                                         pair_of(padding), ceil_mode=ceil_mode))


@SLOW
@given(images, st.sampled_from(["adaptive_avgpool", "adaptive_maxpool"]), pairs)
def test_adaptive_acceptance(shape, kind, output) -> None:  # type: ignore[no-untyped-def]
    cls = nn.AdaptiveAvgPool2d if kind == "adaptive_avgpool" else nn.AdaptiveMaxPool2d
    agree(shape, kind, {"output": output}, lambda: cls(pair_of(output)))


@SLOW
@given(st.one_of(images, vectors), st.data())
def test_reshape_acceptance(shape, data) -> None:  # type: ignore[no-untyped-def]
    kind = data.draw(st.sampled_from(["upsample", "upsample_size", "upsample_decimal", "zeropad", "crop",
                                      "pixel_shuffle", "pixel_unshuffle"]))
    if kind == "upsample":
        scale = data.draw(pairs)
        agree(shape, kind, {"scale": scale}, lambda: nn.Upsample(scale_factor=pair_of(scale)))
    elif kind == "upsample_decimal":  # floor(in · s) in doubles, as PyTorch: 0.1 steps hit the rounding cases
        fs = data.draw(st.one_of(decimals, st.tuples(decimals, decimals)))
        mode = data.draw(st.sampled_from(["nearest", "bilinear"]))
        agree(shape, "upsample", {"scale": fs, "mode": mode},
              lambda: nn.Upsample(scale_factor=pair_of(fs), mode=mode))
    elif kind in ("pixel_shuffle", "pixel_unshuffle"):
        r = data.draw(counts)
        agree(shape, kind, {"factor": r},
              lambda: nn.PixelShuffle(r) if kind == "pixel_shuffle" else nn.PixelUnshuffle(r))
    elif kind == "upsample_size":
        size = data.draw(pairs)
        agree(shape, "upsample", {"size": size}, lambda: nn.Upsample(size=pair_of(size)))
    elif len(shape) == 3:  # ZeroPad2d would pad a vector's batch axis: no counterpart
        t, b, left, r = (data.draw(pads) for _ in range(4))
        if kind == "zeropad":
            def pad() -> object:
                if min(t, b, left, r) < 0:  # ZeroPad2d crops there; cnncalc spells that `crop`
                    raise ValueError("negative padding")
                return nn.ZeroPad2d((left, r, t, b))

            agree(shape, kind, {"padding": [t, b, left, r]}, pad)
        else:
            def crop() -> object:
                if min(t, b, left, r) < 0:
                    raise ValueError("negative crop amounts")
                return lambda x: x[:, :, t : max(t, x.shape[2] - b), left : max(left, x.shape[3] - r)]

            agree(shape, kind, {"amount": [t, b, left, r]}, crop)


@SLOW
@given(st.one_of(images, vectors),
       st.sampled_from(["groupnorm", "channel_shuffle", "lrn", "bn", "layernorm", "instancenorm", "prelu"]), counts)
def test_channel_acceptance(shape, kind, n) -> None:  # type: ignore[no-untyped-def]
    c = shape[-1]
    args: dict[str, object] = {
        "groupnorm": {"groups": n}, "channel_shuffle": {"groups": n}, "lrn": {"size": n}, "bn": {}, "layernorm": {},
        "instancenorm": {}, "prelu": {"num_parameters": n},
    }[kind]
    build = {
        "groupnorm": lambda: nn.GroupNorm(n, c),
        "channel_shuffle": lambda: nn.ChannelShuffle(n),
        "lrn": lambda: nn.LocalResponseNorm(n),
        "bn": lambda: nn.BatchNorm2d(c) if len(shape) == 3 else nn.BatchNorm1d(c),
        "instancenorm": lambda: nn.InstanceNorm2d(c),
        "prelu": lambda: nn.PReLU(n),
        "layernorm": lambda: nn.LayerNorm(c) if len(shape) == 1 else (
            lambda x: nn.LayerNorm(c)(x.movedim(1, -1)).movedim(-1, 1)),
    }[kind]
    agree(shape, kind, args, build)


# --- the oracle itself, deform_conv, and regressions ---------------------------------------

def test_oracle_catches_the_transposed_conv_overcount(monkeypatch: pytest.MonkeyPatch) -> None:
    """Counting a transposed conv like a conv over its output (torchinfo's mistake) is caught."""
    from cnncalc.layers.deconv import Deconv
    from cnncalc.shapes import Cost

    def output_based(self: Deconv, ins: tuple[cnncalc.Shape, ...], out: cnncalc.Shape) -> Cost:
        per = ins[0].c // self.groups * self.kernel[0] * self.kernel[1]
        return Cost(trainable=ins[0].c * self.filters // self.groups * self.kernel[0] * self.kernel[1] + self.filters,
                    macs=out.h * out.w * self.filters * per)

    monkeypatch.setattr(Deconv, "cost", output_based)
    with pytest.raises(AssertionError, match=r"deconv1 \(deconv\) macs: cnncalc 5832, PyTorch 648"):
        # PyTorch: H_in·W_in·C_in·C_out·k² = 3·3·2·4·9 = 648; output-based (out 9x9):
        # 9·9·4·2·9 = 5832, stride² = 9 times too many
        cross_check(net("3x3x2", "deconv: {filters: 4, kernel: 3, stride: 3}"))


def test_deform_conv_parameters_match_without_torchvision() -> None:
    # the forward pass needs torchvision.ops; parameters are counted on the built model
    skipped = cross_check(net("8x8x4", "deform_conv: {filters: 6, kernel: 3, stride: 2, padding: same, groups: 2,"
                              " offset_groups: 2}", "bn"))
    assert skipped and "torchvision" in skipped[0]


def test_regression_aux_output_used_by_the_main_path() -> None:
    """Found by this cross-check: a main-path layer may take an aux-head output, whose MACs
    cnncalc then leaves out of the inference total although inference computes them.  Either
    cnncalc refuses the spec (positioned) or its numbers are PyTorch's."""
    text = net("8x8x3", "conv: {filters: 4, kernel: 1}", "aux: [{conv: {filters: 4, kernel: 1}, name: a}]",
               "add: [[], a]")
    try:
        cnncalc.analyze_text(text, "aux.yaml")
    except cnncalc.CnnCalcError as exc:
        assert exc.pos is not None and exc.pos.file == "aux.yaml"
        return
    cross_check(text, "aux.yaml")


def test_regression_lrn_needs_an_image() -> None:
    """Found by test_channel_acceptance: LocalResponseNorm refuses a (N, C) vector."""
    with pytest.raises(cnncalc.ShapeError) as info:
        cnncalc.analyze_text(net("6", "lrn: 3"), "lrn.yaml")
    assert info.value.code == "E301" and info.value.pos is not None


def test_reserved_names_cover_nn_module() -> None:
    """A layer named like an nn.Module attribute (``train``, ``to``) must not shadow it."""
    from cnncalc.export.pytorch import RESERVED

    public = {n for n in [*dir(nn.Module), *vars(nn.Module())] if not n.startswith("_")}
    assert public - RESERVED == set()


@SLOW
@given(images, pairs, st.one_of(st.none(), pairs), pad_forms, st.booleans())
def test_unpool_acceptance(shape, kernel, stride, padding, ceil_mode) -> None:  # type: ignore[no-untyped-def]
    """A max pool and the unpooling of its indices back to its input's size: cnncalc accepts
    exactly what MaxPool2d(return_indices=True) and MaxUnpool2d(output_size=...) accept."""
    pool: dict[str, object] = {"kernel": kernel, "padding": padding, "ceil_mode": ceil_mode}
    if stride is not None:
        pool["stride"] = stride
    text = f"input: {'x'.join(map(str, shape))}\nlayers:\n  - {{maxpool: {flow(pool)}, name: p}}\n  - unpool: p\n"
    note(text)
    try:
        a: tuple[int, ...] | str = cnncalc.analyze_text(text, "layer.yaml").rows[-1].output.dims
    except cnncalc.CnnCalcError as exc:
        assert exc.pos is not None and exc.pos.file == "layer.yaml", f"unpositioned error: {exc!r}"
        a = REJECTED
    step = None if stride is None else pair_of(stride)

    def unpool() -> object:
        down = nn.MaxPool2d(pair_of(kernel), step, pair_of(padding), ceil_mode=ceil_mode, return_indices=True)
        up = nn.MaxUnpool2d(pair_of(kernel), step, pair_of(padding))
        return lambda x: up(*down(x), output_size=x.shape[2:])

    b = theirs(shape, unpool)
    event(f"unpool: {'rejected' if a == REJECTED else 'accepted'} by cnncalc")
    assert a == b, f"cnncalc: {a}, PyTorch: {b}"
