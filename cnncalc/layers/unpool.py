"""Max-unpooling (SegNet's decoder): each value goes back where its max pool found it.

``unpool: p3`` names the ``maxpool`` whose indices it uses (PyTorch: ``MaxPool2d(...,
return_indices=True)`` and ``MaxUnpool2d(kernel, stride, padding)(x, indices,
output_size=...)``).  Its input must have the pool's output shape (one index per value), and
its output has the H x W of the pool's *input*, where the indices point: SegNet's 45 -> 22 -> 45
at any input size.  ``like: NAME`` states that size by another layer's name; it must be the
same.  Nothing is learned or multiplied: no parameters, 0 MACs.
"""

from __future__ import annotations

from cnncalc.errors import ShapeError, SpecError, clip
from cnncalc.layers.args import name_ref
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.base import Layer, Ref, register
from cnncalc.layers.formula import Line
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import Reads, Transposed, need_image
from cnncalc.layers.pool import MaxPool
from cnncalc.layers.reshape import Mover
from cnncalc.records import field
from cnncalc.shapes import Cost, Shape


@register
class Unpool(Mover):
    """Max-unpooling with the indices of an earlier ``maxpool`` (``pool``), to that pool's input
    size (PyTorch MaxUnpool2d with output_size): H_in·W_in of the pool, C kept; the values the
    pool did not pick are 0; no parameters, 0 MACs."""

    kind = "unpool"
    aliases = ("max_unpool", "maxunpool")
    main = "pool"
    refs = ("pool", "like")
    pool: str = arg(name_ref, doc="name of the maxpool whose indices it uses")
    like: str | None = arg(name_ref, default=None, doc="name of an output of the size to unpool to (the pool's input"
                           " size; optional)")
    # the named max pool, found by the graph builder (link): its window is the unpooling's
    source: MaxPool | None = field(default=None)

    def link(self, refs: tuple[Ref, ...]) -> tuple[Layer, tuple[int, ...]]:
        pool = refs[0]
        if not isinstance(pool.layer, MaxPool):
            what = "the network input" if pool.layer is None else f"a {pool.layer.kind}"
            raise SpecError(f"unpool: '{clip(self.pool)}' is {what}, not a maxpool: only a max pool has indices to"
                            " unpool with", pool.pos, code="E202",
                            hint="name the maxpool layer itself (name: beside it), not a layer before or after it")
        # inputs: x, the pool (its indices), the pool's input (the size), and `like` if given
        return self.replace(source=pool.layer), (pool.index, pool.inputs[0], *(r.index for r in refs[1:]))

    def _check(self, inputs: tuple[Shape, ...]) -> Shape:
        """The pool's input shape, after checking that ``inputs`` fit the pool's indices."""
        x, pooled, before = inputs[0], inputs[1], inputs[2]
        assert self.source is not None
        need_image(x, self.kind)
        if x != pooled:
            raise ShapeError(f"unpool: input {x} is not the shape of the indices of '{self.pool}' ({pooled}):"
                             " one index per value", code="E312")
        t, b, left, r = self.source.pads(before)
        if (t, left) != (b, r):
            raise ShapeError(f"unpool: '{self.pool}' pads unevenly on {before} (top {t}, bottom {b}, left {left},"
                             f" right {r}); PyTorch's MaxPool2d pads evenly, so its indices could not be kept",
                             code="E312", hint="give the pool explicit even padding, or an input it tiles exactly")
        if len(inputs) > 3 and inputs[3].dims[:2] != before.dims[:2]:
            raise ShapeError(f"unpool: '{self.like}' is {inputs[3].h}x{inputs[3].w}, but the indices of '{self.pool}'"
                             f" point into its {before.h}x{before.w} input", code="E312")
        return before

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        before = self._check(inputs)
        return Shape((before.h, before.w, inputs[0].c))

    def autograd(self, step: Step) -> Tensor:
        """Its backward gathers the gradient at the pool's indices: when a gradient flows, it keeps
        them (the storage the pool made: counted once if the pool keeps it too).  Autocast runs it
        in fp32 (CPU autocast's fp32 list has ``max_unpool2d``): its output is fp32."""
        x, pooled = step.inputs[0], step.inputs[1]
        assert pooled.indices is not None  # the input at position 1 is its max pool's output
        if x.grad:
            step.keep(Tensor(pooled.indices, pooled.numel, "int64", False))
        return step.output("fp32" if step.low else x.dtype, x.grad)

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        # output o holds the value of every pool window that covers it: the pool's windows, backwards
        assert self.source is not None
        size, k, s = inputs[0].dims[axis], self.source.kernel[axis], self.source.step[axis]
        before = self.source.pads(inputs[2])[2 * axis]
        after = (size - 1) * s - before + k - out.dims[axis]  # negative: rows the pool's windows never read
        return Transposed(size, k, s, before, max(after, 0), 1, max(-after, 0))

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [f"H_out x W_out = {out.h}x{out.w}, the size of the input of '{self.pool}': its indices point there",
                "each value goes back to where its window's maximum was; every other value is 0",
                f"C_out = {out.c} (channels kept); no parameters, 0 MACs"]
