"""Local response normalisation (AlexNet): element-wise in shape, across neighbouring channels."""

from __future__ import annotations

from cnncalc.layers.act import Elementwise
from cnncalc.layers.args import pos_int
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import register
from cnncalc.layers.counting import ZERO as NONE
from cnncalc.layers.counting import Rule, Term
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import need_image
from cnncalc.shapes import Shape


@register
class LRN(Elementwise):
    """Local response normalisation across ``size`` neighbouring channels (AlexNet)."""

    kind = "lrn"
    main = "size"
    conventions = Rule(NONE, NONE, Term(lambda L, ins, out, m: (L.size + 2) * out.numel, "size + 2 per element"))
    size: int = arg(pos_int, default=5, doc="channels in the normalisation window")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        need_image(inputs[0], self.kind)  # as PyTorch's LocalResponseNorm (3-D or more)
        return inputs[0]

    def autograd(self, step: Step) -> Tensor:
        """Keeps its input, the padded squares N·(C + size − 1)·H·W and two tensors of the input's
        size; under CPU autocast it runs in fp32.  (Pure bf16/fp16 has no CPU kernel: not measured.)"""
        x, s = step.inputs[0], step.shapes[0]
        dtype = "fp32" if step.low else x.dtype
        if step.needs:
            padded = step.new(step.batch * (s.c + self.size - 1) * s.h * s.w, dtype, False)
            step.keep(x, padded, step.new(x.numel, dtype, False), step.new(x.numel, dtype, False))
        return step.output(dtype, step.needs)
