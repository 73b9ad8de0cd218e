"""Element-wise layers: shape kept, position by position, 0 MACs (PReLU learns its slopes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import boolean, pos_int, real
from cnncalc.layers.autograd import Step, Tensor, iterated, keeps_input, keeps_output
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import NOTHING, PTFLOPS_ACT, UNHOOKED_ACT, Rule, Term
from cnncalc.layers.counting import ZERO as NONE
from cnncalc.layers.formula import Line, same_shape_lines
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import SAME, Reads
from cnncalc.shapes import Cost, Shape

_real = real(-1e9, 1e9, "a number")
_rate = real(0.0, 1.0, "a fraction from 0 to 1")


class Elementwise(Layer):
    """The element-wise family: every fact but the name and the convention rule is shared."""

    macs_formula = "0"
    conventions = UNHOOKED_ACT
    keeps: ClassVar[str] = "input"  # what its backward keeps: "input", "output" or "view" (none: a view)
    layout: ClassVar[bool | None] = None  # its output's: None, an element-wise op's (iterated); False, contiguous

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0]

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return SAME

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return same_shape_lines()

    def autograd(self, step: Step) -> Tensor:
        """Its input or its output, when a gradient flows through (see ``keeps``); identity is a view.
        The output is laid out as PyTorch's element-wise ops lay theirs out (docs/training.md), but
        its softmax writes a contiguous one."""
        if self.keeps == "view":
            return step.view(step.inputs[0])
        return keeps_output(step, self.layout) if self.keeps == "output" else keeps_input(step, self.layout)


def _simple(kind: str, doc: str, rule: Rule, aliases: tuple[str, ...] = (), keeps: str = "input",
            layout: bool | None = None) -> None:
    attrs = {"kind": kind, "aliases": aliases, "__doc__": doc, "conventions": rule, "keeps": keeps, "layout": layout}
    register(type(kind.title().replace("_", ""), (Elementwise,), attrs))


# What backward keeps, measured (docs/training.md): ReLU, sigmoid, tanh and softmax their output
# (their derivative is a function of it), the others their input; identity returns a view.
# Softmax's output is contiguous whatever its input's layout (measured); the others follow it.
for _kind, _doc, _rule, _aliases, _keeps, _layout in [
    ("relu", "max(0, x).", PTFLOPS_ACT, (), "output", None),
    ("relu6", "min(max(0, x), 6).", PTFLOPS_ACT, (), "input", None),
    ("gelu", "Gaussian error linear unit.", PTFLOPS_ACT, (), "input", None),
    ("silu", "x · sigmoid(x).", UNHOOKED_ACT, ("swish",), "input", None),
    ("hardswish", "x · relu6(x + 3) / 6.", UNHOOKED_ACT, ("hard_swish",), "input", None),
    ("sigmoid", "1 / (1 + e^−x).", UNHOOKED_ACT, (), "output", None),
    ("hardsigmoid", "relu6(x + 3) / 6.", UNHOOKED_ACT, ("hard_sigmoid",), "input", None),
    ("tanh", "Hyperbolic tangent.", UNHOOKED_ACT, (), "output", None),
    ("mish", "x · tanh(softplus(x)).", UNHOOKED_ACT, (), "input", None),
    ("softplus", "log(1 + e^x).", UNHOOKED_ACT, (), "input", None),
    ("softmax", "Softmax over channels.", UNHOOKED_ACT, (), "output", False),
    ("identity", "Passes its input on unchanged.", NOTHING, (), "view", None),
]:
    _simple(_kind, _doc, _rule, _aliases, _keeps, _layout)


@register
class LeakyReLU(Elementwise):
    """x if x > 0 else slope · x."""

    kind = "leaky_relu"
    aliases = ("leakyrelu",)
    main = "slope"
    conventions = PTFLOPS_ACT
    slope: float = arg(_real, default=0.01, doc="negative slope")


@register
class PReLU(Elementwise):
    """x if x > 0 else a · x, the slope a learned: one shared (PyTorch's default) or one per channel."""

    kind = "prelu"
    main = "num_parameters"
    conventions = PTFLOPS_ACT
    num_parameters: int | None = arg(pos_int, default=None, doc="PyTorch's num_parameters: 1 (shared) or C")
    per_channel: bool = arg(boolean, default=False, doc="one slope per channel, nn.PReLU(C), without writing C")

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

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return (self.slopes(inputs[0]),)

    def autograd(self, step: Step) -> Tensor:
        """Keeps its input (its slopes need it whatever the input); autocast runs it in low precision."""
        x = step.cast(step.inputs[0])
        step.keep(x)
        step.weight_copy(self.slopes(step.shapes[0]))
        return step.output(x.dtype, True)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        if cost.params > 1:
            return [f"params = {cost.params:,} (one learned slope per channel); shape unchanged; 0 MACs"]
        return ["params = 1 (one learned slope shared by all channels, nn.PReLU()); shape unchanged; 0 MACs"]


@register
class Scale(Elementwise):
    """A learned scale per channel (ConvNeXt's layer scale, CaiT's LayerScale): x · γ_c.

    params = C; MACs = 0 in the torchvision convention (an element-wise product, as a gate).
    """

    kind = "scale"
    aliases = ("layer_scale",)
    main = "init"
    conventions = Rule(NONE, NONE, Term(lambda L, ins, out, m: out.numel, "1 per element"))
    init: float = arg(_real, default=1e-6, doc="initial value of every γ (ConvNeXt: 1e-6); counts do not depend on it")

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=inputs[0].c)

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return (inputs[0].c,)

    def autograd(self, step: Step) -> Tensor:
        """Keeps its input (γ's gradient needs it, whatever the input); the product with the fp32 γ
        is fp32 under autocast (an element-wise op: not cast)."""
        x = step.inputs[0]
        step.keep(x)
        return step.output("fp32" if step.low else x.dtype, True)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [(f"params = {cost.params:,} (one learned γ per channel); shape unchanged;"
                 " an element-wise product counts 0 MACs (see --conventions)")]


@register
class ELU(Elementwise):
    """x if x > 0 else alpha · (e^x − 1)."""

    kind = "elu"
    main = "alpha"
    conventions = PTFLOPS_ACT
    alpha: float = arg(_real, default=1.0, doc="scale of the negative part")


@register
class Dropout(Elementwise):
    """Zeroes a fraction ``rate`` of values while training; identity at inference."""

    kind = "dropout"
    main = "rate"
    conventions = NOTHING
    rate: float = arg(_rate, default=0.5, doc="fraction dropped, 0 to 1")

    def autograd(self, step: Step) -> Tensor:
        """On the CPU, keeps the scaled mask, a tensor of the input's shape and dtype (CUDA keeps a
        1-byte mask: docs/training.md); rate 0 returns the input itself, rate 1 keeps a scalar."""
        x = step.inputs[0]
        if self.rate == 0:
            return step.view(x)
        if step.needs:
            step.keep(step.new(1 if self.rate == 1 else x.numel, x.dtype, False))
        return step.output(x.dtype, step.needs, iterated(x))  # input × mask
