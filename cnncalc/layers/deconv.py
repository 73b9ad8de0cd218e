"""Transposed convolution (deconv): the up-sampling conv, counted from its input."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import boolean, nonneg_pair, pad_form, pair, pos_int
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import BIAS, CORE, Rule
from cnncalc.layers.formula import Eq, Line, M, X, axes, mul
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import Pad4, Padding, Pair, Reads, Transposed, need_image
from cnncalc.layers.windowed import ZERO, check_groups, k_eff
from cnncalc.records import replace
from cnncalc.shapes import Cost, Shape


def _split_half(total: int) -> Pair:
    return total // 2, total - total // 2


@register
class Deconv(Layer):
    """Transposed convolution (PyTorch ConvTranspose2d).

    out = (in − 1)·s − pad_before − pad_after + d·(k − 1) + output_padding + 1;
    ``padding: same`` is Keras' Conv2DTranspose: out = in·s, i.e. max(d·(k − 1) + 1 − s, 0)
    removed (the odd one at the bottom/right) and max(s − d·(k − 1) − 1, 0) output padding;
    params = C_in · (C_out/groups) · kh · kw + bias · C_out;
    MACs = H_in · W_in · C_in · (C_out/groups) · kh · kw — input-based: every input
    pixel is multiplied into a kh x kw x C_out/groups patch once.  Counting it from
    the output (as for conv) over-counts: it gives every output pixel all kh·kw taps.
    """

    kind = "deconv"
    aliases = ("conv_transpose", "convtranspose")
    main = "filters"
    macs_formula = "H_in·W_in·C_in·(C_out/g)·kh·kw (input-based)"
    conventions = Rule(CORE, CORE + BIAS, CORE + BIAS)
    filters: int = arg(pos_int, doc="output channels")
    kernel: Pair = arg(pair, doc="kernel size: k or [kh, kw]")
    stride: Pair = arg(pair, default=(1, 1), doc="upsampling step: s or [sh, sw]")
    padding: Padding = arg(pad_form, default=ZERO, doc="p, [ph, pw] or [top, bottom, left, right] removed from the output;"
                           " same: out = in·stride (Keras)")
    output_padding: Pair = arg(nonneg_pair, default=(0, 0), doc="extra rows/cols at the bottom/right")
    dilation: Pair = arg(pair, default=(1, 1), doc="spacing of kernel taps")
    groups: int = arg(pos_int, default=1, doc="channel groups")
    bias: bool = arg(boolean, default=True, doc="add a learned bias per filter")

    def validate(self) -> None:
        if self.padding == "same" and self.output_padding != (0, 0):
            raise SpecError("deconv with padding 'same' sets its own output_padding (out = in·stride);"
                            " give explicit padding to choose output_padding", code="E111")
        for axis, op, s, d in zip("hw", self.output_padding, self.stride, self.dilation, strict=True):
            if op >= s and op >= d:
                raise SpecError(
                    f"deconv output_padding ({op}) must be smaller than the stride ({s}) or the"
                    f" dilation ({d}) on axis {axis}, as PyTorch requires",
                    code="E111",
                )

    def pads(self) -> Pad4:
        """Rows and columns removed: (top, bottom, left, right), Keras 'same' resolved."""
        if isinstance(self.padding, tuple):
            return self.padding
        (t, b), (left, r) = (_split_half(max(ke - s, 0)) for ke, s in zip(k_eff(self.kernel, self.dilation), self.stride, strict=True))
        return t, b, left, r

    def extra(self) -> Pair:
        """output_padding, Keras 'same' resolved (the rows a stride above the kernel leaves)."""
        if isinstance(self.padding, tuple):
            return self.output_padding
        ke = k_eff(self.kernel, self.dilation)
        return max(self.stride[0] - ke[0], 0), max(self.stride[1] - ke[1], 0)

    def transposed(self, x: Shape) -> tuple[Transposed, Transposed]:
        """The transposed window per axis (H, W)."""
        t, b, left, r = self.pads()
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.stride, self.dilation, self.extra()
        return Transposed(x.h, kh, sh, t, b, dh, oh), Transposed(x.w, kw, sw, left, r, dw, ow)

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return self.transposed(inputs[0])[axis]

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        th, tw = self.transposed(x)
        h, w = th.out, tw.out
        if h < 1 or w < 1:
            raise ShapeError(f"deconv: padding removes the whole output ({h}x{w}) for input {x}", code="E304")
        check_groups(self.kind, x.c, self.filters, self.groups, x)
        return Shape((h, w, self.filters))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        x = inputs[0]
        per_in = self.filters // self.groups * self.kernel[0] * self.kernel[1]
        return Cost(
            trainable=x.c * per_in + self.bias * self.filters,
            macs=x.h * x.w * x.c * per_in,
        )


    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        weight = inputs[0].c * (self.filters // self.groups) * self.kernel[0] * self.kernel[1]
        return (weight, self.filters) if self.bias else (weight,)

    def autograd(self, step: Step) -> Tensor:
        """Keeps its input (autocast: its copy, and the weight's).  Asymmetric padding is a crop of
        the module's output: the output is a view of the uncropped tensor, which a later layer that
        keeps it keeps whole."""
        x, out, n = step.inputs[0], step.out, step.batch
        xc = step.cast(x)
        step.keep(xc)
        step.weight_copy(step.shapes[0].c * (self.filters // self.groups) * self.kernel[0] * self.kernel[1])
        t, b, left, r = self.pads()
        full = (n, out.c, out.h + t + b - 2 * min(t, b), out.w + left + r - 2 * min(left, r))
        uncropped = step.new(full[0] * full[1] * full[2] * full[3], xc.dtype, True, full, like=xc)
        fwd = n * step.cost.macs
        step.macs(fwd if x.grad else 0, fwd)
        return step.view(uncropped, (n, out.c, out.h, out.w), numel=n * out.numel)

    def output_based_macs(self, inputs: tuple[Shape, ...], out: Shape) -> int:
        """The wrong count a conv's formula gives: every output pixel taking all kh·kw taps."""
        return out.h * out.w * out.c * (inputs[0].c // self.groups) * self.kernel[0] * self.kernel[1]

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        yield Variant("without the bias" if self.bias else "with a bias", self.replace(bias=not self.bias))
        if self.stride != (1, 1):
            yield Variant("with the stride not applied (stride 1)", self.replace(stride=(1, 1)))
        out = self.infer(inputs)
        cost = self.cost(inputs, out)
        yield Variant("counting the MACs from the output as for a conv (transposed conv counts from its input)",
                      output=out, cost=replace(cost, macs=self.output_based_macs(inputs, out)))

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        x, g = inputs[0], self.groups
        t, b, left, r = self.pads()
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.stride, self.dilation, self.extra()
        lines: list[Line] = []
        if self.padding == "same":
            lines.append("same padding (Keras): H_out = H_in × stride; the kernel's overhang d·(k − 1) + 1 − s is"
                         " removed (odd pixel at the bottom/right), or output padding fills a stride above it")
        lines += axes(
            Eq(("H_out",), f"({x.h} {M} 1) {X} {sh} {M} {t} {M} {b} + {dh} {X} ({kh} {M} 1) + {oh} + 1", out.h),
            Eq(("W_out",), f"({x.w} {M} 1) {X} {sw} {M} {left} {M} {r} + {dw} {X} ({kw} {M} 1) + {ow} + 1", out.w),
        )
        cout = f"({self.filters} / {g})" if g > 1 else str(self.filters)
        lines.append(Eq(("params",), mul(x.c, cout, kh, kw) + (f" + {self.filters}" if self.bias else ""),
                        cost.params))
        lines.append(Eq(("MACs",), f"{mul(x.h, x.w, x.c)} {X} ({mul(cout, kh, kw)})", cost.macs))
        lines.append(f"transposed conv is counted from its input: each of the {x.h}·{x.w}·{x.c} input values is"
                     f" multiplied into one {kh}x{kw}x{self.filters // g} patch; counted from the output like a conv,")
        wrong = self.output_based_macs(inputs, out)
        lines.append(Eq(("output-based count (wrong)",),
                        f"{mul(out.h, out.w, out.c)} {X} ({mul(x.c // g, kh, kw)})", wrong))
        ratio = Fraction(wrong, cost.macs) if cost.macs else Fraction(1)
        shown = f"{float(ratio):.3g}" if ratio.denominator != 1 else str(ratio.numerator)
        why = ("every output pixel is given all kh·kw taps, but a pixel receives only the taps that land on it:"
               " fewer near the borders")
        if (sh, sw) != (1, 1):
            why += f", and with stride {sh}x{sw} only about 1/{sh * sw} of them anywhere"
        lines.append(f"that is {shown} times the true count: {why}")
        return lines
