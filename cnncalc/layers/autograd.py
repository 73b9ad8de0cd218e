"""The vocabulary of a kind's training fact: what autograd keeps for backward, and computes in it.

Each kind states, in :meth:`~cnncalc.layers.base.Layer.autograd`, how PyTorch 2.13 trains it
(docs/training.md; measured exactly by tests/training_oracle.py): which tensors its backward
keeps — its input, its output, a copy, indices, statistics —, which of them are views of
another tensor's storage, what a low-precision autocast makes of it, and its backward MACs.
It does so through a :class:`Step`, which the training pass
(:mod:`cnncalc.analysis.training`) implements: storages are counted once, in their dtype, for
the whole batch.
"""

from __future__ import annotations

from typing import Protocol

from cnncalc.layers.geometry import Pad4
from cnncalc.records import record
from cnncalc.shapes import Cost, Shape

ITEMSIZE = {"fp32": 4, "bf16": 2, "fp16": 2, "int64": 8}


@record(frozen=True, slots=True)
class Tensor:
    """One tensor of a training step as autograd sees it: the storage it lives in (a view shares
    its base's), its values, its dtype, whether it needs a gradient, and its shape and strides
    (NCHW, or (N, C)) where views need them."""

    storage: int
    numel: int
    dtype: str
    grad: bool
    shape: tuple[int, ...] = ()
    strides: tuple[int, ...] = ()
    indices: int | None = None  # a max pool's output: the storage of the int64 indices it also returns


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    if len(shape) == 4:  # (N, C, H, W), the usual one, written out
        _, c, h, w = shape
        return (c * h * w, h * w, w, 1)
    out, acc = [], 1
    for d in reversed(shape):
        out.append(acc)
        acc *= d
    return tuple(reversed(out))


def channels_last(t: Tensor) -> bool:
    """Whether PyTorch takes ``t`` for channels-last (``suggest_memory_format``): an NCHW tensor
    whose strides run C, W, H, N from the smallest, size-1 dimensions ambiguous and then read as
    contiguous (c10's ``is_channels_last_strides_2d``, transcribed)."""
    if len(t.shape) != 4 or t.strides[1] == 0:
        return False
    low = 0
    for d in (1, 3, 2, 0):
        if t.shape[d] == 0 or t.strides[d] < low:
            return False
        if d == 0 and low == t.strides[1]:
            return False
        low = t.strides[d] * max(t.shape[d], 1)
    return True


def layout_strides(shape: tuple[int, ...], last: bool) -> tuple[int, ...]:
    """Dense strides of ``shape``, channels-last when ``last`` (and the shape is NCHW)."""
    if not last or len(shape) != 4:
        return contiguous_strides(shape)
    _, c, h, w = shape
    return (h * w * c, 1, w * c, c)


def is_contiguous(t: Tensor, last: bool = False) -> bool:
    """Whether ``t`` is dense in NCHW order (channels-last order if ``last``); size-1 dimensions
    do not matter."""
    want = layout_strides(t.shape, last)
    return all(n == 1 or a == b for n, a, b in zip(t.shape, t.strides, want, strict=True))


def iterated(*operands: Tensor) -> bool:
    """Whether an element-wise op (PyTorch's TensorIterator) writes its output channels-last, for
    operands of one shape.  Its fast set-up: contiguous when every operand is contiguous, and
    size-1 dimensions do not count, so an N x 1 x 1 x W tensor with channels-last strides is
    contiguous here while ``channels_last`` (what convs and pools ask) takes it for channels-last;
    channels-last when every operand is; otherwise the first operand's order decides."""
    if all(t.strides == contiguous_strides(t.shape) for t in operands):  # the usual case, quickly
        return False
    if all(is_contiguous(t) for t in operands):
        return False
    if all(is_contiguous(t, True) for t in operands):
        return True
    return channels_last(operands[0])


def mergeable(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """Whether the dimensions after the first merge into one as a view (PyTorch's view rule;
    dimensions of size 1 do not matter)."""
    dims = [(n, s) for n, s in zip(shape[1:], strides[1:], strict=True) if n != 1]
    return all(dims[k][1] == dims[k + 1][1] * dims[k + 1][0] for k in range(len(dims) - 1))


def symmetric(pads: Pad4) -> bool:
    """Padding PyTorch's own modules can take (the same on both sides of each axis)."""
    t, b, left, r = pads
    return t == b and left == r


class Step(Protocol):
    """One layer's part of a training step, as a kind describes it (the training pass keeps the books)."""

    batch: int
    low: str | None  # autocast's low-precision dtype, None without --amp
    inputs: tuple[Tensor, ...]  # the layer's input tensors
    shapes: tuple[Shape, ...]  # their per-sample shapes
    out: Shape  # the per-sample output shape
    cost: Cost  # per-sample parameters and forward MACs

    @property
    def needs(self) -> bool:
        """Whether any input needs a gradient (it depends on a trainable parameter)."""

    def new(self, numel: int, dtype: str, grad: bool, shape: tuple[int, ...] = (),
            like: Tensor | bool | None = None) -> Tensor:
        """A tensor of its own storage (``numel`` values of the whole batch), contiguous or in the
        memory format of ``like`` (a tensor, or True for channels-last)."""

    def output(self, dtype: str, grad: bool, like: Tensor | bool | None = None) -> Tensor:
        """A new tensor of the layer's output shape, for the whole batch, laid out as PyTorch lays
        out most ops' outputs: in the memory format of ``like`` (default: the first input), or
        channels-last if ``like`` is True, contiguous if False."""

    def view(self, t: Tensor, shape: tuple[int, ...] | None = None, strides: tuple[int, ...] | None = None,
             numel: int | None = None) -> Tensor:
        """A view of ``t``: the same storage (keeping it keeps all of it)."""

    def keep(self, *tensors: Tensor) -> None:
        """Autograd saves these for backward (each storage counts once, network-wide)."""

    def cast(self, t: Tensor) -> Tensor:
        """Autocast's input cast for a low-precision op: an fp32 tensor becomes a new copy."""

    def weight_copy(self, numel: int, kept: bool = True) -> None:
        """Autocast's low-precision copy of a weight of ``numel`` values, kept by the layer."""

    def padded(self, t: Tensor, pads: Pad4) -> Tensor:
        """An explicitly padded copy of ``t`` (an asymmetric pad in front of the module), in its layout."""

    def promote(self, *tensors: Tensor) -> str:
        """The dtype an element-wise op of these gives (fp32 if any is fp32)."""

    def macs(self, grad_input: int, grad_weight: int) -> None:
        """The backward's MACs, for the whole batch: the input's gradient and the weights'."""


def keeps_nothing(step: Step) -> Tensor:
    """A new output in its input's layout; nothing kept (zero-padding, shuffles, reshapes)."""
    return step.output(step.promote(*step.inputs), step.needs)


def keeps_input(step: Step, like: bool | None = None) -> Tensor:
    """Keeps its input when a gradient flows through (most activations); ``like``: the output's
    layout (by default an element-wise op's, :func:`iterated`)."""
    x = step.inputs[0]
    if step.needs:
        step.keep(x)
    return step.output(x.dtype, step.needs, iterated(x) if like is None else like)


def keeps_output(step: Step, like: bool | None = None) -> Tensor:
    """Keeps its output when a gradient flows through (ReLU, sigmoid, tanh, softmax); ``like``: its
    layout (by default an element-wise op's, :func:`iterated`)."""
    x = step.inputs[0]
    out = step.output(x.dtype, step.needs, iterated(x) if like is None else like)
    if step.needs:
        step.keep(out)
    return out


def weighted(step: Step, x: Tensor, weight: int, copy_kept: bool = True) -> Tensor:
    """A conv or linear layer: autocast's copy of the input (kept) and of the weight, a new output,
    and the backward of a product: the weight's gradient always, the input's when it needs one."""
    xc = step.cast(x)
    step.keep(xc)
    step.weight_copy(weight, copy_kept)
    fwd = step.batch * step.cost.macs
    step.macs(fwd if x.grad else 0, fwd)
    return step.output(xc.dtype, True)
