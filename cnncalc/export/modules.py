"""How each layer kind is written in PyTorch: one emitter per kind.

An emitter gets the layer, its input shapes and its output shape (HxWxC, as
cnncalc computes them) and returns the constructor expression of one
``nn.Module`` and the helper classes it needs.  Where PyTorch cannot express
a geometry directly (asymmetric padding, which Keras 'same' needs at many
strides), the module is a small ``nn.Sequential`` of an explicit pad and the
layer, so parameters and MACs stay those of the layer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cnncalc.export.calls import Call, Code, Emit
from cnncalc.layers import REGISTRY, Layer
from cnncalc.layers.channels import ChannelShuffle, ChannelSplit
from cnncalc.layers.composite import SqueezeExcite
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv
from cnncalc.layers.crop import Crop
from cnncalc.layers.deconv import Deconv
from cnncalc.layers.deform import DeformConv
from cnncalc.layers.dense import Dense
from cnncalc.layers.geometry import Pad4, Pair
from cnncalc.layers.globalpool import AdaptiveMaxPool, GlobalMaxPool, _Adaptive, _Global
from cnncalc.layers.norm import BatchNorm, GroupNorm, InstanceNorm
from cnncalc.layers.pool import AvgPool, MaxPool
from cnncalc.layers.reshape import ZeroPad
from cnncalc.layers.unpool import Unpool
from cnncalc.layers.upsample import Upsample
from cnncalc.shapes import Shape

Emitter = Callable[[Any, tuple[Shape, ...], Shape], Emit]
EMITTERS: dict[str, Emitter] = {}


def emits(*kinds: str) -> Callable[[Emitter], Emitter]:
    def deco(fn: Emitter) -> Emitter:
        for k in kinds:
            assert k in REGISTRY and k not in EMITTERS, k
            EMITTERS[k] = fn
        return fn

    return deco


def opts(**given: tuple[Any, Any]) -> dict[str, Any]:
    """Keyword arguments whose value differs from PyTorch's default: name=(value, default)."""
    return {k: v for k, (v, default) in given.items() if v != default}


def symmetric(p: Pad4) -> Pair | None:
    t, b, left, r = p
    return (t, left) if (t, left) == (b, r) else None


def padded(pads: Pad4, layer: Callable[[Pair], Call]) -> Call:
    """``layer`` with its own (symmetric) padding, or behind an explicit asymmetric zero pad."""
    sym = symmetric(pads)
    if sym is not None:
        return layer(sym)
    t, b, left, r = pads
    return Call("nn.Sequential", (Call("nn.ZeroPad2d", ((left, r, t, b),)), layer((0, 0))))


# --- convolutions ---------------------------------------------------------------

def _conv2d(c_in: int, c_out: int, L: Any, groups: int, bias: bool) -> Callable[[Pair], Call]:
    def make(pad: Pair) -> Call:
        kw = opts(stride=(L.stride, (1, 1)), padding=(pad, (0, 0)), dilation=(L.dilation, (1, 1)),
                  groups=(groups, 1), bias=(bias, True))
        return Call("nn.Conv2d", (c_in, c_out), {"kernel_size": L.kernel, **kw})
    return make


@emits("conv")
def _conv(L: Conv, ins: tuple[Shape, ...], out: Shape) -> Emit:
    return Emit(padded(L.pads(ins[0]), _conv2d(ins[0].c, L.filters, L, L.groups, L.bias)))


@emits("dwconv")
def _dwconv(L: DepthwiseConv, ins: tuple[Shape, ...], out: Shape) -> Emit:
    c = ins[0].c
    return Emit(padded(L.pads(ins[0]), _conv2d(c, c * L.multiplier, L, c, L.bias)))


@emits("sepconv")
def _sepconv(L: SeparableConv, ins: tuple[Shape, ...], out: Shape) -> Emit:
    c = ins[0].c
    depthwise = padded(L.pads(ins[0]), _conv2d(c, c * L.multiplier, L, c, False))
    pointwise = Call("nn.Conv2d", (c * L.multiplier, L.filters), {"kernel_size": 1, **opts(bias=(L.bias, True))})
    parts = depthwise.args if depthwise.func == "nn.Sequential" else (depthwise,)
    return Emit(Call("nn.Sequential", (*parts, pointwise)))


@emits("deconv")
def _deconv(L: Deconv, ins: tuple[Shape, ...], out: Shape) -> Emit:
    t, b, left, r = L.pads()
    # ConvTranspose2d removes padding symmetrically; any excess on one side is cropped.
    ph, pw = min(t, b), min(left, r)
    kw = opts(stride=(L.stride, (1, 1)), padding=((ph, pw), (0, 0)), output_padding=(L.extra(), (0, 0)),
              groups=(L.groups, 1), bias=(L.bias, True), dilation=(L.dilation, (1, 1)))
    conv = Call("nn.ConvTranspose2d", (ins[0].c, L.filters), {"kernel_size": L.kernel, **kw})
    if (t, left) == (b, r):
        return Emit(conv)
    crop = Call("Crop2d", (t - ph, b - ph, left - pw, r - pw))
    return Emit(Call("nn.Sequential", (conv, crop)), ("Crop2d",))


@emits("deform_conv")
def _deform(L: DeformConv, ins: tuple[Shape, ...], out: Shape) -> Emit:
    def make(pad: Pair) -> Call:
        kw = opts(stride=(L.stride, (1, 1)), padding=(pad, (0, 0)), dilation=(L.dilation, (1, 1)),
                  groups=(L.groups, 1), bias=(L.bias, True), offset_groups=(L.offset_groups, 1),
                  offset_bias=(L.offset_bias, True))
        # DeformConv2d takes pairs; keep them as pairs.
        kw = {k: (Code(f"({v[0]}, {v[1]})") if isinstance(v, tuple) else v) for k, v in kw.items()}
        kernel = Code(f"({L.kernel[0]}, {L.kernel[1]})")
        return Call("DeformConv2d", (ins[0].c, L.filters, kernel), kw)

    return Emit(padded(L.pads(ins[0]), make), ("DeformConv2d",))


# --- pooling ----------------------------------------------------------------------

@emits("maxpool", "avgpool")
def _pool(L: MaxPool | AvgPool, ins: tuple[Shape, ...], out: Shape) -> Emit:
    x = ins[0]
    name = "nn.MaxPool2d" if isinstance(L, MaxPool) else "nn.AvgPool2d"
    sym = symmetric(L.pads(x))
    if sym is not None:
        kw = opts(stride=(L.step, L.kernel), padding=(sym, (0, 0)), ceil_mode=(L.ceil_mode, False))
        if isinstance(L, AvgPool) and L.padding == "same" and sym != (0, 0):
            kw["count_include_pad"] = False  # Keras 'same' averages real pixels only
        return Emit(Call(name, (L.kernel,), kw))
    t, b, left, r = L.explicit_pads(x, out)
    stride = opts(stride=(L.step, L.kernel))
    if isinstance(L, AvgPool) and L.padding == "same":
        return Emit(Call("KerasAvgPool2d", (L.kernel, L.step, (left, r, t, b))), ("KerasAvgPool2d",))
    pool = Call(name, (L.kernel,), stride)
    if isinstance(L, MaxPool):
        return Emit(Call("nn.Sequential", (Call("nn.ConstantPad2d", ((left, r, t, b), Code('float("-inf")'))), pool)))
    return Emit(Call("nn.Sequential", (Call("nn.ZeroPad2d", ((left, r, t, b),)), pool)))


@emits("global_avgpool", "global_maxpool", "adaptive_avgpool", "adaptive_maxpool")
def _adaptive(L: _Global | _Adaptive, ins: tuple[Shape, ...], out: Shape) -> Emit:
    name = "nn.AdaptiveMaxPool2d" if isinstance(L, (GlobalMaxPool, AdaptiveMaxPool)) else "nn.AdaptiveAvgPool2d"
    if isinstance(L, _Adaptive):
        return Emit(Call(name, (L.output,)))
    pool = Call(name, (1,))
    return Emit(pool if L.keepdims else Call("nn.Sequential", (pool, Call("nn.Flatten"))))


# --- dense, normalisation, element-wise -------------------------------------------

@emits("dense")
def _dense(L: Dense, ins: tuple[Shape, ...], out: Shape) -> Emit:
    x = ins[0]
    kw = opts(bias=(L.bias, True))
    if x.is_image:
        return Emit(Call("DenseHWC", (x.c, L.units), kw), ("DenseHWC",))
    return Emit(Call("nn.Linear", (x.c, L.units), kw))


@emits("bn", "layernorm", "groupnorm", "instancenorm")
def _norm(L: Any, ins: tuple[Shape, ...], out: Shape) -> Emit:
    c, image = ins[0].c, ins[0].is_image
    if isinstance(L, GroupNorm):
        return Emit(Call("nn.GroupNorm", (L.groups, c), opts(affine=(L.affine, True))))
    if isinstance(L, InstanceNorm):
        return Emit(Call("nn.InstanceNorm2d", (c,), opts(affine=(L.affine, False),
                                                         track_running_stats=(L.track_running_stats, False))))
    if isinstance(L, BatchNorm):
        return Emit(Call("nn.BatchNorm2d" if image else "nn.BatchNorm1d", (c,), opts(affine=(L.affine, True))))
    kw = opts(elementwise_affine=(L.affine, True))
    if image:
        return Emit(Call("ChannelLayerNorm", (c,), kw), ("ChannelLayerNorm",))
    return Emit(Call("nn.LayerNorm", (c,), kw))


SIMPLE = {
    "relu": "nn.ReLU", "relu6": "nn.ReLU6", "gelu": "nn.GELU", "silu": "nn.SiLU", "hardswish": "nn.Hardswish",
    "sigmoid": "nn.Sigmoid", "hardsigmoid": "nn.Hardsigmoid", "tanh": "nn.Tanh", "identity": "nn.Identity",
    "flatten": "nn.Flatten", "mish": "nn.Mish", "softplus": "nn.Softplus",
}


@emits(*SIMPLE)
def _simple(L: Layer, ins: tuple[Shape, ...], out: Shape) -> Emit:
    return Emit(Call(SIMPLE[L.kind]))


@emits("scale")
def _scale(L: Any, ins: tuple[Shape, ...], out: Shape) -> Emit:
    x = ins[0]
    return Emit(Call("LayerScale", (x.c,), {"init": L.init, **opts(image=(x.is_image, True))}), ("LayerScale",))


@emits("softmax", "leaky_relu", "elu", "dropout", "lrn", "prelu", "pixel_shuffle", "pixel_unshuffle")
def _with_arg(L: Any, ins: tuple[Shape, ...], out: Shape) -> Emit:
    return Emit({
        "softmax": lambda: Call("nn.Softmax", (), {"dim": 1}),
        "leaky_relu": lambda: Call("nn.LeakyReLU", (L.slope,)),
        "elu": lambda: Call("nn.ELU", (L.alpha,)),
        "dropout": lambda: Call("nn.Dropout", (L.rate,)),
        "lrn": lambda: Call("nn.LocalResponseNorm", (L.size,)),
        "prelu": lambda: Call("nn.PReLU", () if L.slopes(ins[0]) == 1 else (L.slopes(ins[0]),)),
        "pixel_shuffle": lambda: Call("nn.PixelShuffle", (L.factor,)),
        "pixel_unshuffle": lambda: Call("nn.PixelUnshuffle", (L.factor,)),
    }[L.kind]())


# --- reshaping, merges, composites -------------------------------------------------

@emits("upsample")
def _upsample(L: Upsample, ins: tuple[Shape, ...], out: Shape) -> Emit:
    if L.like is not None:  # to the size of the reference given as the second input
        return Emit(Call("ResizeLike", (), opts(mode=(L.mode, "nearest"))), ("ResizeLike",))
    kw: dict[str, Any] = {"size": L.size} if L.size is not None else {"scale_factor": L.scale}
    return Emit(Call("nn.Upsample", (), {**kw, **opts(mode=(L.mode, "nearest"))}))


@emits("unpool")
def _unpool(L: Unpool, ins: tuple[Shape, ...], out: Shape) -> Emit:
    assert L.source is not None  # its max pool: MaxUnpool2d takes the same window
    pool, (t, _, left, _) = L.source, L.source.pads(ins[2])
    kw = opts(stride=(pool.step, pool.kernel), padding=((t, left), (0, 0)))
    return Emit(Call("MaxUnpool", (pool.kernel,), kw), ("MaxUnpool",), indices=(1,))


@emits("zeropad")
def _zeropad(L: ZeroPad, ins: tuple[Shape, ...], out: Shape) -> Emit:
    assert isinstance(L.padding, tuple)
    t, b, left, r = L.padding
    return Emit(Call("nn.ZeroPad2d", ((left, r, t, b),)))


@emits("crop")
def _crop(L: Crop, ins: tuple[Shape, ...], out: Shape) -> Emit:
    if L.reference is not None:  # crop to the size of the reference given as the second input
        offset = {"offset": Code(f"({L.offset[0]}, {L.offset[1]})")} if L.offset is not None else {}
        return Emit(Call("Crop2d", (), offset), ("Crop2d",))
    return Emit(Call("Crop2d", L.edges(ins)), ("Crop2d",))


MERGES = {"concat": "Concat", "add": "Add", "multiply": "Multiply"}


@emits(*MERGES)
def _merge(L: Layer, ins: tuple[Shape, ...], out: Shape) -> Emit:
    name = MERGES[L.kind]
    return Emit(Call(name), (name,))


@emits("se")
def _se(L: SqueezeExcite, ins: tuple[Shape, ...], out: Shape) -> Emit:
    act = {"relu": "nn.ReLU", "silu": "nn.SiLU", "swish": "nn.SiLU"}[L.activation]
    gate = {"sigmoid": "nn.Sigmoid", "hardsigmoid": "nn.Hardsigmoid"}[L.gate]
    kw = opts(activation=(Code(act), "nn.ReLU"), gate=(Code(gate), "nn.Sigmoid"))
    return Emit(Call("SqueezeExcitation", (ins[0].c, L.squeezed(ins[0].c)), kw), ("SqueezeExcitation",))


@emits("channel_shuffle")
def _shuffle(L: ChannelShuffle, ins: tuple[Shape, ...], out: Shape) -> Emit:
    return Emit(Call("nn.ChannelShuffle", (L.groups,)))


@emits("channel_split")
def _split(L: ChannelSplit, ins: tuple[Shape, ...], out: Shape) -> Emit:
    return Emit(Call("ChannelSplit", (L.parts, L.index)), ("ChannelSplit",))


def emit(layer: Layer, ins: tuple[Shape, ...], out: Shape) -> Emit:
    """The module for one layer; every registered kind has an emitter."""
    return EMITTERS[layer.kind](layer, ins, out)
