"""One training step of an analysed network, as PyTorch 2.13 runs it: what it keeps, computes, stores.

Each kind states its part (:meth:`~cnncalc.layers.base.Layer.autograd`); this pass keeps the
books: tensors and the storages they live in (a view shares its base's), dtypes (the model's,
or fp32 until the first autocast op under ``--amp``), which tensors need a gradient, and each
storage counted once.  Exact integers; every rule is documented in docs/training.md and
checked against PyTorch (tests/training_oracle.py).
"""

from __future__ import annotations

from math import prod

from cnncalc.analysis.report import LayerReport, Report
from cnncalc.graph.nodes import INPUT
from cnncalc.layers.autograd import ITEMSIZE, Tensor, channels_last, contiguous_strides, layout_strides
from cnncalc.layers.geometry import Pad4
from cnncalc.records import record
from cnncalc.shapes import Cost, Shape
from cnncalc.spec.training import Setup

STATE_PER_PARAM = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}  # per-parameter state tensors


@record(frozen=True, slots=True)
class LayerStep:
    """One layer's part of the step (whole batch): MACs, and the bytes of the storages it keeps
    and of those it owns (produced by it; the owners' sum is the distinct total)."""

    row: LayerReport
    forward_macs: int
    grad_input_macs: int
    grad_weight_macs: int
    kept_bytes: int
    owned_bytes: int
    weight_copy_bytes: int
    input_bytes: int  # its inputs' bytes in the step's dtypes (the transient term of the peak)
    output_bytes: int

    @property
    def backward_macs(self) -> int:
        return self.grad_input_macs + self.grad_weight_macs


@record(frozen=True, slots=True)
class TrainingStep:
    """A whole step: the layers' parts and the totals of what PyTorch keeps and computes."""

    setup: Setup
    report: Report
    layers: tuple[LayerStep, ...]
    kept_bytes: int  # distinct storages autograd saves for backward (parameters and buffers excluded)
    input_bytes: int  # the network input batch
    input_kept: bool

    @property
    def forward_macs(self) -> int:
        return sum(s.forward_macs for s in self.layers)

    @property
    def backward_macs(self) -> int:
        return sum(s.backward_macs for s in self.layers)

    @property
    def training_macs(self) -> int:
        return self.forward_macs + self.backward_macs

    @property
    def weight_copy_bytes(self) -> int:
        return sum(s.weight_copy_bytes for s in self.layers)


class _Book:
    """The step's storages (id -> bytes) and which layer produced each."""

    def __init__(self) -> None:
        self.bytes: list[int] = []
        self.owner: list[int] = []  # row index, INPUT for the network input

    def add(self, nbytes: int, owner: int) -> int:
        self.bytes.append(nbytes)
        self.owner.append(owner)
        return len(self.bytes) - 1


class _LayerStep:
    """The :class:`~cnncalc.layers.autograd.Step` a kind describes its training with."""

    __slots__ = ("batch", "book", "cost", "grad_input", "grad_weight", "index", "inputs", "kept", "low", "needs", "out",
                 "row", "shapes", "weight_copies")

    def __init__(self, book: _Book, index: int, setup: Setup, row: LayerReport, inputs: tuple[Tensor, ...]) -> None:
        self.book, self.index, self.row = book, index, row
        self.batch = setup.batch
        self.low = setup.dtype if setup.amp else None
        self.inputs, self.shapes, self.out, self.cost = inputs, row.inputs, row.output, row.cost
        self.kept: list[int] = []
        self.weight_copies = 0
        self.grad_input = self.grad_weight = 0
        self.needs = any(t.grad for t in inputs)  # whether any input needs a gradient

    def new(self, numel: int, dtype: str, grad: bool, shape: tuple[int, ...] = (),
            like: Tensor | bool | None = None) -> Tensor:
        sid = self.book.add(numel * ITEMSIZE[dtype], self.index)
        last = like if isinstance(like, bool) else like is not None and channels_last(like)
        return Tensor(sid, numel, dtype, grad, shape, layout_strides(shape, last))

    def output(self, dtype: str, grad: bool, like: Tensor | bool | None = None) -> Tensor:
        shape = _nchw(self.out, self.batch)
        if like is None:
            like = self.inputs[0] if self.inputs else False
        last = like if isinstance(like, bool) else channels_last(like)
        numel = prod(shape)
        return Tensor(self.book.add(numel * ITEMSIZE[dtype], self.index), numel, dtype, grad, shape,
                      layout_strides(shape, last))

    def view(self, t: Tensor, shape: tuple[int, ...] | None = None, strides: tuple[int, ...] | None = None,
             numel: int | None = None) -> Tensor:
        return Tensor(t.storage, t.numel if numel is None else numel, t.dtype, t.grad,
                      t.shape if shape is None else shape, t.strides if strides is None else strides)

    def keep(self, *tensors: Tensor) -> None:
        for t in tensors:
            if t.storage not in self.kept:
                self.kept.append(t.storage)

    def cast(self, t: Tensor) -> Tensor:
        if self.low and t.dtype == "fp32":
            return self.new(t.numel, self.low, t.grad, t.shape, like=t)
        return t

    def weight_copy(self, numel: int, kept: bool = True) -> None:
        if self.low and kept:
            copy = self.new(numel, self.low, True)
            self.weight_copies += self.book.bytes[copy.storage]
            self.keep(copy)

    def padded(self, t: Tensor, pads: Pad4) -> Tensor:
        top, bottom, left, right = pads
        s = self.shapes[0]
        shape = (self.batch, s.c, s.h + top + bottom, s.w + left + right)
        return self.new(shape[0] * shape[1] * shape[2] * shape[3], t.dtype, t.grad, shape, like=t)

    def promote(self, *tensors: Tensor) -> str:
        return "fp32" if any(t.dtype == "fp32" for t in tensors) else tensors[0].dtype

    def macs(self, grad_input: int, grad_weight: int) -> None:
        self.grad_input, self.grad_weight = grad_input, grad_weight


def _nchw(s: Shape, n: int) -> tuple[int, ...]:
    """A per-sample (H, W, C) or (C,) shape as PyTorch's batch of it: (N, C, H, W) or (N, C)."""
    if len(s.dims) == 3:
        h, w, c = s.dims
        return (n, c, h, w)
    return (n, s.dims[-1])


def _bytes(t: Tensor) -> int:
    return t.numel * ITEMSIZE[t.dtype]


def training_step(report: Report, setup: Setup, live: list[bool] | None = None) -> TrainingStep:
    """What one training step of ``report``'s network keeps and computes (docs/training.md).
    ``live``: ``report.live()``, when the caller has it already."""
    assert setup.problem() is None, setup.problem()
    book, n = _Book(), setup.batch
    shape = _nchw(report.input, n)
    first = book.add(n * report.input.numel * ITEMSIZE[setup.param_dtype], INPUT)
    x0 = Tensor(first, n * report.input.numel, setup.param_dtype, False, shape, contiguous_strides(shape))
    outs: list[Tensor] = []
    parts: list[_LayerStep] = []
    for i, row in enumerate(report.rows):
        assert row.layer is not None
        step = _LayerStep(book, i, setup, row, tuple(x0 if j == INPUT else outs[j] for j in row.sources))
        outs.append(row.layer.autograd(step))
        parts.append(step)
    if live is None:
        live = report.live()
    for p in parts:  # a layer whose output reaches no loss gets no backward (its forward still saves)
        if not live[p.index]:
            p.grad_input = p.grad_weight = 0
    kept = {sid for p in parts for sid in p.kept}
    owned: dict[int, int] = {}
    for sid in kept:
        owned[book.owner[sid]] = owned.get(book.owner[sid], 0) + book.bytes[sid]
    layers = tuple(
        LayerStep(p.row, n * p.row.cost.macs, p.grad_input, p.grad_weight,
                  sum(book.bytes[s] for s in p.kept), owned.get(p.index, 0), p.weight_copies,
                  sum(_bytes(t) for t in p.inputs), _bytes(outs[p.index]))
        for p in parts)
    return TrainingStep(setup, report, layers, sum(book.bytes[s] for s in kept), book.bytes[first], first in kept)


def cost_bytes(cost: Cost, setup: Setup) -> tuple[int, int]:
    """(trainable parameter bytes, buffer bytes) of a cost: BatchNorm's running statistics are
    buffers in the model's dtype (fp32 parameters and buffers under autocast)."""
    size = ITEMSIZE[setup.param_dtype]
    return cost.trainable * size, cost.non_trainable * size
