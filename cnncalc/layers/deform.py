"""Deformable convolution v1 (torchvision.ops.DeformConv2d plus its offset conv)."""

from __future__ import annotations

from cnncalc.errors import ShapeError
from cnncalc.layers.args import boolean, pos_int
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import register
from cnncalc.layers.conv import Conv
from cnncalc.layers.counting import Rule, Term
from cnncalc.layers.formula import Eq, Line, X, mul
from cnncalc.layers.frozen import arg
from cnncalc.shapes import Cost, Shape


@register
class DeformConv(Conv):
    """Deformable conv v1: conv + offset conv; bilinear sampling H_out·W_out·C_in·kh·kw·4 MACs apart.

    torchvision.ops.DeformConv2d plus its offset conv.

    The offset conv is a conv with the same kernel, stride, padding and dilation
    producing 2·kh·kw·offset_groups channels (with bias).  Counted: both convs, as
    conv.  Not in the convention total: bilinear sampling, 4 MACs per sampled value,
    H_out·W_out·C_in·kh·kw·4 (shown in the notes).
    """

    kind = "deform_conv"
    aliases = ("deformconv",)
    macs_formula = "both convs, as conv"
    conventions = Rule(
        Term(lambda L, ins, out, m: L.offset_macs(ins), "offset conv only (deform_conv2d has no handle)"),
        # ptflops' DeformConv2d hook: kh·kw·(C_in·C_out/g + 24) per output position, + bias; the
        # offset conv is an ordinary Conv2d (its bias included).
        Term(lambda L, ins, out, m: out.h * out.w * L.kernel[0] * L.kernel[1] * (ins[0].c * (L.filters // L.groups) + 24)
             + L.bias * out.numel + L.offset_macs(ins) + L.offset_bias * L.offset_conv().infer(ins).numel,
             "kh·kw·(C_in·C_out/g + 24) per output position + bias + offset conv with bias"),
        Term(lambda L, ins, out, m: m + L.bias * out.numel + L.offset_bias * L.offset_conv().infer(ins).numel
             + L.sampling_macs(ins, out), "as torchvision + biases + bilinear sampling (4 per sampled value)"),
    )
    offset_groups: int = arg(pos_int, default=1, doc="offset groups (must divide the input channels)")
    offset_bias: bool = arg(boolean, default=True, doc="bias on the offset conv")

    def offset_conv(self) -> Conv:
        oc = 2 * self.kernel[0] * self.kernel[1] * self.offset_groups
        return Conv(filters=oc, kernel=self.kernel, stride=self.stride, padding=self.padding,
                    dilation=self.dilation, bias=self.offset_bias)

    def offset_macs(self, inputs: tuple[Shape, ...]) -> int:
        off = self.offset_conv()
        return off.cost(inputs, off.infer(inputs)).macs

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        if inputs[0].is_image and inputs[0].c % self.offset_groups:
            raise ShapeError(f"deform_conv: offset_groups={self.offset_groups} must divide the channels of {inputs[0]}", code="E303")
        return super().infer(inputs)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        off = self.offset_conv()
        both = super().cost(inputs, out) + off.cost(inputs, off.infer(inputs))
        return Cost(both.trainable, both.non_trainable, both.macs, self.sampling_macs(inputs, out))

    def sampling_macs(self, inputs: tuple[Shape, ...], out: Shape) -> int:
        return out.h * out.w * inputs[0].c * self.kernel[0] * self.kernel[1] * 4

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        n = self.sampling_macs(inputs, out)
        return (*super().notes(inputs, out), f"bilinear sampling: {n:,} MACs, not in the total")

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        # the export's DeformConv2d: its offset conv first, then its own weight and bias
        c, (kh, kw) = inputs[0].c, self.kernel
        offsets = 2 * kh * kw * self.offset_groups
        offset = (offsets * c * kh * kw, offsets) if self.offset_bias else (offsets * c * kh * kw,)
        main = self.filters * (c // self.groups) * kh * kw
        return (*offset, main, self.filters) if self.bias else (*offset, main)

    def autograd(self, step: Step) -> Tensor:
        """Not measured (its forward needs torchvision's deform_conv2d): taken as its conv and its
        offset conv, both keeping the input, and the deformable op keeping the offsets."""
        x, out, n, c = step.inputs[0], step.out, step.batch, step.shapes[0].c
        xc = step.cast(x)
        step.keep(xc)
        kh, kw = self.kernel
        offsets = 2 * kh * kw * self.offset_groups
        step.weight_copy(self.filters * (c // self.groups) * kh * kw + offsets * c * kh * kw)
        step.keep(step.new(n * out.h * out.w * offsets, xc.dtype, True))
        fwd = n * step.cost.macs
        step.macs(fwd if x.grad else 0, fwd)
        return step.output(xc.dtype, True)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, (kh, kw) = inputs[0], self.kernel
        lines = self.geometry_lines(x, out)
        lines.append(f"C_out = {out.c} (filters)")
        oc = 2 * kh * kw * self.offset_groups
        lines.append(Eq(("offset channels",), mul(2, kh, kw, self.offset_groups), oc))
        main = f"{self.filters} {X} ({mul(kh, kw, x.c // self.groups)} + {int(self.bias)})"
        off = f"{oc} {X} ({mul(kh, kw, x.c)} + {int(self.offset_bias)})"
        lines.append(Eq(("params",), f"{main} + {off}", cost.params))
        lines.append(Eq(("MACs",), f"{mul(out.h, out.w)} {X} ({mul(self.filters, kh, kw, x.c // self.groups)}"
                                   f" + {mul(oc, kh, kw, x.c)})", cost.macs))
        lines.append(Eq(("sampling MACs (not in the total)",), mul(out.h, out.w, x.c, kh, kw, 4), cost.extra_macs))
        return lines
