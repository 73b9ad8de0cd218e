"""Element-wise layers: shape kept, no parameters, 0 MACs."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.base import Layer, arg, boolean, need_image, pos_int, register
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import as_float
from cnncalc.source.yamltree import YNode


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
    main = "num_parameters"
    num_parameters: int | None = arg(pos_int, None, "PyTorch's num_parameters: 1 (shared) or C")
    per_channel: bool = arg(boolean, False, "one slope per channel, nn.PReLU(C), without writing C")

    def validate(self) -> None:
        if self.per_channel and self.num_parameters is not None:
            raise SpecError("prelu takes at most one of 'num_parameters' and 'per_channel'", code="E123")

    def slopes(self, x: Shape) -> int:
        return x.c if self.per_channel else self.num_parameters or 1

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        if self.slopes(x) not in (1, x.c):
            raise ShapeError(f"prelu: num_parameters={self.num_parameters} must be 1 or the {x.c} channels of "
                             f"input {x}", code="E303")
        return x

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=self.slopes(inputs[0]))


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
