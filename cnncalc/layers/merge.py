"""Merges of paths: concat (channels), add (equal shapes), multiply (gating).

All count 0 MACs and have no parameters.  Mismatch messages are written by
the analysis, which knows where each input came from.
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError
from cnncalc.layers.autograd import Step, Tensor, channels_last, iterated
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import MERGE_ALL, NOTHING, Rule
from cnncalc.layers.counting import ZERO as NONE
from cnncalc.layers.formula import Eq, Line
from cnncalc.layers.geometry import SAME, Reads
from cnncalc.shapes import Cost, Shape


class _Merge(Layer):
    """The merge family: two or more inputs, position by position, no parameters, 0 MACs.  (A 1x1
    gate broadcast by multiply reads no position: the receptive field skips it.)"""

    arity = 0
    macs_formula = "0"

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return SAME

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [f"element-wise over {len(inputs)} inputs of shape {out}; no parameters; 0 MACs"]

    def autograd(self, step: Step) -> Tensor:
        """A new output, nothing kept (a sum's gradients need no values), laid out as PyTorch's
        element-wise ops lay theirs out (docs/training.md)."""
        return step.output(step.promote(*step.inputs), step.needs, like=iterated(*step.inputs))


@register
class Concat(_Merge):
    """Join on channels: spatial sizes must agree; C = sum of input channels."""

    kind = "concat"
    conventions = NOTHING

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        first = inputs[0]
        if any(s.dims[:-1] != first.dims[:-1] for s in inputs):
            raise ShapeError("concat needs equal spatial sizes (H x W) on every input", code="E310")
        return first.with_c(sum(s.c for s in inputs))

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return ["spatial sizes agree; channels add up", Eq(("C_out",), " + ".join(str(s.c) for s in inputs), out.c)]

    def autograd(self, step: Step) -> Tensor:
        """Nothing kept; the output is channels-last only when every input is (PyTorch's cat)."""
        formats = {channels_last(t) for t in step.inputs}
        return step.output(step.promote(*step.inputs), step.needs, like=formats == {True})


@register
class Add(_Merge):
    """Element-wise sum (ResNet shortcut): all shapes equal."""

    kind = "add"
    conventions = Rule(NONE, NONE, MERGE_ALL)

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        if any(s != inputs[0] for s in inputs):
            raise ShapeError("add needs all inputs of the same shape", code="E310")
        return inputs[0]


@register
class Multiply(_Merge):
    """Element-wise product; a 1x1xC (or C) gate broadcasts over H x W x C (SENet)."""

    kind = "multiply"
    conventions = Rule(NONE, NONE, MERGE_ALL)

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        full = max(inputs, key=lambda s: s.numel)
        for s in inputs:
            same = s == full
            gate = s.c == full.c and s.numel == s.c
            if not (same or gate):
                raise ShapeError("multiply needs equal shapes, or a 1x1xC gate with the same C", code="E310")
        return full

    def autograd(self, step: Step) -> Tensor:
        """Products in order, from the largest input: each keeps a factor when the other one needs a
        gradient; k inputs make k − 2 intermediate products."""
        ins = step.inputs
        first = max(range(len(ins)), key=lambda k: ins[k].numel)
        cur = ins[first]
        for k, t in enumerate(ins):
            if k == first:
                continue
            if cur.grad:
                step.keep(t)
            if t.grad:
                step.keep(cur)
            like = iterated(cur, t) if t.shape == cur.shape else cur  # a gate broadcasts: the larger decides
            cur = step.new(cur.numel, step.promote(cur, t), cur.grad or t.grad, cur.shape, like=like)
        return cur
