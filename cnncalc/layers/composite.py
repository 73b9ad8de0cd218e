"""Squeeze-and-excitation (torchvision's SqueezeExcitation): a composite of pool, two 1x1 convs and a gate."""

from __future__ import annotations

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import choice, pos_int
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import register
from cnncalc.layers.channels import ChannelOp
from cnncalc.layers.counting import CORE, Rule, Term, per_in
from cnncalc.layers.formula import Eq, Line, X
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import need_image
from cnncalc.shapes import Cost, Shape


def make_divisible(v: int, d: int) -> int:
    """torchvision's _make_divisible for integer v: nearest multiple of d, never below 90 % of v."""
    new = max(d, (v + d // 2) // d * d)
    return new + d if 10 * new < 9 * v else new


@register
class SqueezeExcite(ChannelOp):
    """Squeeze-and-excitation (torchvision SqueezeExcitation): global average pool,
    1x1 conv C→S, activation, 1x1 conv S→C, gate, multiply with the input.

    S = ``squeeze``, or C // ``reduction`` (made divisible by ``divisible_by`` if given).
    params = C·S + S + S·C + C (both convs have biases); MACs = 2·C·S (the convs run
    on a 1x1 map; pooling, gate and multiply count 0).
    """

    kind = "se"
    aliases = ("squeeze_excite",)
    main = "reduction"
    macs_formula = "2·C·S"
    conventions = Rule(
        CORE + per_in(1, " (adaptive pool)"),
        Term(lambda L, ins, out, m: ins[0].numel + m + L.squeezed(ins[0].c) + ins[0].c
             + (L.squeezed(ins[0].c) if L.activation == "relu" else 0),
             "as torchvision + biases + pool input elements + ReLU (if relu)"),
        Term(lambda L, ins, out, m: m + 2 * (L.squeezed(ins[0].c) + ins[0].c) + ins[0].numel + out.numel,
             "as torchvision + biases + pool + activation + gate + multiply"),
    )
    reduction: int | None = arg(pos_int, default=None, doc="S = C // reduction")
    squeeze: int | None = arg(pos_int, default=None, doc="S given directly (instead of reduction)")
    divisible_by: int | None = arg(pos_int, default=None, doc="round S as torchvision's _make_divisible")
    activation: str = arg(choice("relu", "silu", "swish"), default="relu", doc="between the two 1x1 convs")
    gate: str = arg(choice("sigmoid", "hardsigmoid"), default="sigmoid", doc="applied before the multiply")

    def validate(self) -> None:
        if (self.reduction is None) == (self.squeeze is None):
            raise SpecError("se takes exactly one of 'reduction' and 'squeeze'", code="E123")

    def squeezed(self, c: int) -> int:
        if self.squeeze is not None:
            return self.squeeze
        assert self.reduction is not None
        s = c // self.reduction
        s = make_divisible(s, self.divisible_by) if self.divisible_by else s
        if s < 1:
            raise ShapeError(f"se: {c} channels // reduction {self.reduction} leaves no channels", code="E305")
        return s

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)
        self.squeezed(inputs[0].c)
        return inputs[0]

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        c = inputs[0].c
        s = self.squeezed(c)
        return Cost(trainable=c * s + s + s * c + c, macs=2 * c * s)

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        return (f"squeeze to {self.squeezed(inputs[0].c)} channels",)

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        c = inputs[0].c
        s = self.squeezed(c)
        return (s * c, s, c * s, c)  # fc1 weight and bias, fc2 weight and bias

    def autograd(self, step: Step) -> Tensor:
        """torchvision's SqueezeExcitation, op by op: the pooled N·C (the first conv's input), the
        activation's (relu: its output, which the second conv keeps too; silu: its input and
        output), the gate's (sigmoid: its output; hardsigmoid: its input, and its output when x
        needs a gradient), and x for the product.  Backward: both convs' weights; the second
        conv's input always, the first's when x needs a gradient."""
        x, n = step.inputs[0], step.batch
        c, s = step.shapes[0].c, self.squeezed(step.shapes[0].c)
        pooled = step.cast(step.new(n * c, x.dtype, x.grad))
        step.keep(pooled)
        step.weight_copy(c * s)
        dtype = pooled.dtype
        first = step.new(n * s, dtype, True)
        if self.activation != "relu":
            step.keep(first)  # silu keeps its input
        act = step.new(n * s, dtype, True)
        step.keep(act)  # relu's output and the second conv's input: one storage
        step.weight_copy(s * c)
        logits = step.new(n * c, dtype, True)
        gate = step.new(n * c, dtype, True)
        step.keep(gate if self.gate == "sigmoid" else logits)
        if x.grad:
            step.keep(gate)  # the product keeps the gate for x's gradient
        step.keep(x)  # ... and x for the gate's
        step.macs(n * s * c + (n * c * s if x.grad else 0), n * step.cost.macs)
        return step.output(step.promote(x, gate), True)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        c = inputs[0].c
        s = self.squeezed(c)
        lines: list[Line] = []
        if self.squeeze is not None:
            lines.append(f"S = {s} (given)")
        else:
            assert self.reduction is not None
            raw = c // self.reduction
            lines.append(Eq(("S",) if not self.divisible_by else ("C / reduction",), f"floor({c} / {self.reduction})",
                            raw))
            if self.divisible_by:
                lines.append(f"S: {raw} rounded to a multiple of {self.divisible_by} (torchvision's make_divisible)"
                             f" is {s}")
        lines.append(Eq(("params",), f"{c} {X} {s} + {s} + {s} {X} {c} + {c}", cost.params))
        lines.append(Eq(("MACs",), f"2 {X} {c} {X} {s}", cost.macs))
        return lines
