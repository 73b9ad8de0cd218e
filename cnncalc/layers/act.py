"""Element-wise layers: shape kept, no parameters, 0 MACs."""

from __future__ import annotations

from dataclasses import dataclass

from ..shapes import Cost, Shape
from ..values import as_float
from ..yamltree import YNode
from .base import Layer, arg, boolean, need_image, pos_int, register


def _real(node: YNode, what: str) -> float:
    return as_float(node, what, -1e9, 1e9)


def _rate(node: YNode, what: str) -> float:
    return as_float(node, what, 0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class _Elementwise(Layer):
    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0]


def _simple(kind: str, doc: str, aliases: tuple[str, ...] = ()) -> None:
    cls = type(kind.title().replace("_", ""), (_Elementwise,), {"kind": kind, "aliases": aliases, "__doc__": doc})
    register(dataclass(frozen=True, kw_only=True)(cls))


for _kind, _doc, _aliases in [
    ("relu", "max(0, x).", ()),
    ("relu6", "min(max(0, x), 6).", ()),
    ("gelu", "Gaussian error linear unit.", ()),
    ("silu", "x · sigmoid(x).", ("swish",)),
    ("hardswish", "x · relu6(x + 3) / 6.", ("hard_swish",)),
    ("sigmoid", "1 / (1 + e^−x).", ()),
    ("hardsigmoid", "relu6(x + 3) / 6.", ("hard_sigmoid",)),
    ("tanh", "Hyperbolic tangent.", ()),
    ("mish", "x · tanh(softplus(x)).", ()),
    ("softplus", "log(1 + e^x).", ()),
    ("softmax", "Softmax over channels.", ()),
    ("identity", "Passes its input on unchanged.", ()),
]:
    _simple(_kind, _doc, _aliases)


@register
@dataclass(frozen=True, kw_only=True)
class LeakyReLU(_Elementwise):
    """x if x > 0 else slope · x."""

    kind = "leaky_relu"
    aliases = ("leakyrelu",)
    main = "slope"
    slope: float = arg(_real, 0.01, "negative slope")


@register
@dataclass(frozen=True, kw_only=True)
class PReLU(_Elementwise):
    """x if x > 0 else a · x, the slope a learned: one shared (PyTorch's default) or one per channel."""

    kind = "prelu"
    per_channel: bool = arg(boolean, False, "one slope per channel (nn.PReLU(C)) instead of one shared")

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=inputs[0].c if self.per_channel else 1)


@register
@dataclass(frozen=True, kw_only=True)
class ELU(_Elementwise):
    """x if x > 0 else alpha · (e^x − 1)."""

    kind = "elu"
    main = "alpha"
    alpha: float = arg(_real, 1.0, "scale of the negative part")


@register
@dataclass(frozen=True, kw_only=True)
class Dropout(_Elementwise):
    """Zeroes a fraction ``rate`` of values while training; identity at inference."""

    kind = "dropout"
    main = "rate"
    rate: float = arg(_rate, 0.5, "fraction dropped, 0 to 1")


@register
@dataclass(frozen=True, kw_only=True)
class LRN(_Elementwise):
    """Local response normalisation across ``size`` neighbouring channels (AlexNet)."""

    kind = "lrn"
    main = "size"
    size: int = arg(pos_int, 5, "channels in the normalisation window")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)  # as PyTorch's LocalResponseNorm (3-D or more)
        return inputs[0]
