"""Convolutions over a sliding window: conv, dwconv, sepconv (their family: windowed.py; transposed conv: deconv.py)."""

from __future__ import annotations

from cnncalc.layers.args import boolean, pos_int
from cnncalc.layers.autograd import Step, Tensor, weighted
from cnncalc.layers.base import register
from cnncalc.layers.formula import Eq, Line, X, mul, plus_bias
from cnncalc.layers.frozen import arg
from cnncalc.layers.windowed import Windowed, check_groups
from cnncalc.shapes import Cost, Shape


@register
class Conv(Windowed):
    """2-D convolution (PyTorch Conv2d, Keras Conv2D).

    params = C_out · (C_in/groups · kh · kw + bias);
    MACs = H_out · W_out · C_out · (C_in/groups) · kh · kw (bias adds are not MACs).
    """

    kind = "conv"
    aliases = ("conv2d",)
    main = "filters"
    macs_formula = "H_out·W_out·C_out·(C_in/g)·kh·kw"
    filters: int = arg(pos_int, doc="output channels")
    groups: int = arg(pos_int, default=1, doc="channel groups; must divide in and out channels")
    bias: bool = arg(boolean, default=True, doc="add a learned bias per filter")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        h, w = self.spatial(x)
        check_groups(self.kind, x.c, self.filters, self.groups, x)
        return Shape((h, w, self.filters))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        per_filter = inputs[0].c // self.groups * self.kernel[0] * self.kernel[1]
        return Cost(
            trainable=self.filters * (per_filter + self.bias),
            macs=out.h * out.w * self.filters * per_filter,
        )

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        weight = self.filters * (inputs[0].c // self.groups) * self.kernel[0] * self.kernel[1]
        return (weight, self.filters) if self.bias else (weight,)

    def autograd(self, step: Step) -> Tensor:
        """Keeps its input (or the padded copy); autocast adds copies of the input and weight.
        Backward: the weight's gradient takes the forward's MACs, the input's too when it needs one."""
        c = step.shapes[0].c
        return weighted(step, self.padded_input(step), self.filters * (c // self.groups) * self.kernel[0] * self.kernel[1])

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, (kh, kw), g = inputs[0], self.kernel, self.groups
        lines = self.geometry_lines(x, out)
        cin = f"({x.c} / {g})" if g > 1 else str(x.c)
        sees = f"; each filter sees {x.c} / {g} = {x.c // g} channels" if g > 1 else ""
        lines.append(f"C_out = {out.c} (filters){sees}")
        inner = mul(kh, kw, cin)
        lines.append(Eq(("params",), f"{self.filters} {X} {plus_bias(inner, self.bias)}" if self.bias
                        else mul(self.filters, kh, kw, cin), cost.params))
        lines.append(Eq(("MACs",), f"{mul(out.h, out.w, out.c)} {X} ({inner})", cost.macs))
        if self.bias:
            lines.append("bias adds are not MACs (torchvision convention; see --conventions)")
        return lines


@register
class DepthwiseConv(Windowed):
    """Depthwise convolution: one kh x kw filter per input channel (x multiplier).

    C_out = C_in · multiplier; params = C_out · (kh · kw + bias);
    MACs = H_out · W_out · C_out · kh · kw.
    """

    kind = "dwconv"
    aliases = ("depthwise_conv",)
    main = "kernel"
    macs_formula = "H_out·W_out·C_out·kh·kw"
    multiplier: int = arg(pos_int, default=1, doc="filters per input channel (Keras depth_multiplier)")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w = self.spatial(inputs[0])
        return Shape((h, w, inputs[0].c * self.multiplier))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        taps = self.kernel[0] * self.kernel[1]
        return Cost(trainable=out.c * (taps + self.bias), macs=out.h * out.w * out.c * taps)

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        weight = inputs[0].c * self.multiplier * self.kernel[0] * self.kernel[1]
        return (weight, out.c) if self.bias else (weight,)

    def autograd(self, step: Step) -> Tensor:
        """As conv (a grouped conv with groups = C_in)."""
        return weighted(step, self.padded_input(step), step.shapes[0].c * self.multiplier * self.kernel[0] * self.kernel[1])

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, (kh, kw) = inputs[0], self.kernel
        lines = self.geometry_lines(x, out)
        lines.append(Eq(("C_out",), mul(x.c, self.multiplier), out.c))
        params = f"{out.c} {X} ({mul(kh, kw)} + 1)" if self.bias else mul(out.c, kh, kw)
        lines.append(Eq(("params",), params, cost.params))
        lines.append(Eq(("MACs",), mul(out.h, out.w, out.c, kh, kw), cost.macs))
        return lines


@register
class SeparableConv(Windowed):
    """Keras SeparableConv2D: depthwise (no bias) then a 1x1 conv to ``filters``.

    params = C_in·m·kh·kw + C_in·m·filters + bias·filters;
    MACs = H_out·W_out·(C_in·m·kh·kw + C_in·m·filters).
    """

    kind = "sepconv"
    aliases = ("separable_conv",)
    main = "filters"
    macs_formula = "H_out·W_out·(C_in·m·kh·kw + C_in·m·filters)"
    filters: int = arg(pos_int, doc="output channels of the pointwise conv")
    multiplier: int = arg(pos_int, default=1, doc="depthwise filters per input channel")
    bias: bool = arg(boolean, default=True, doc="bias on the pointwise conv (Keras use_bias)")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        h, w = self.spatial(inputs[0])
        return Shape((h, w, self.filters))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        mid = inputs[0].c * self.multiplier
        per_pos = mid * self.kernel[0] * self.kernel[1] + mid * self.filters
        return Cost(trainable=per_pos + self.bias * self.filters, macs=out.h * out.w * per_pos)

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        mid = inputs[0].c * self.multiplier
        depthwise, pointwise = mid * self.kernel[0] * self.kernel[1], mid * self.filters
        return (depthwise, pointwise, self.filters) if self.bias else (depthwise, pointwise)

    def autograd(self, step: Step) -> Tensor:
        """The depthwise conv keeps its (padded) input, the pointwise one the depthwise output;
        the pointwise input's gradient is always computed, the depthwise one's when the input needs it."""
        x, c, n = self.padded_input(step), step.shapes[0].c, step.batch
        (kh, kw), m, out = self.kernel, self.multiplier, step.out
        xc = step.cast(x)
        step.keep(xc)
        step.weight_copy(c * m * kh * kw)
        mid = step.new(n * out.h * out.w * c * m, xc.dtype, True)
        step.keep(mid)
        step.weight_copy(c * m * self.filters)
        fwd = n * step.cost.macs
        pointwise = n * out.h * out.w * c * m * self.filters
        step.macs(pointwise + (fwd - pointwise if x.grad else 0), fwd)
        return step.output(xc.dtype, True)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, (kh, kw), m, f = inputs[0], self.kernel, self.multiplier, self.filters
        lines = self.geometry_lines(x, out)
        dw, pw = mul(x.c, m, kh, kw), mul(x.c, m, f)
        lines.append("depthwise (no bias) then a 1x1 pointwise conv")
        lines.append(Eq(("params",), f"{dw} + {pw}" + (f" + {f}" if self.bias else ""), cost.params))
        lines.append(Eq(("MACs",), f"{mul(out.h, out.w)} {X} ({dw} + {pw})", cost.macs))
        return lines
