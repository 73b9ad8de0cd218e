"""The budget of training a network: memory of a step, the largest batch that fits, compute and time.

Built on one training step (:mod:`cnncalc.analysis.training`); docs/training.md states every
rule.  Memory is exact where PyTorch's own accounting is (parameters, gradients, optimizer
state, what autograd keeps); the peak is a stated model, the larger of two phases:

* forward and backward: state + kept + the input (when no layer keeps it) + the largest
  transient (one layer's input and output, or their gradients);
* the optimizer step: state + the input + the step's temporaries (Adam/AdamW with PyTorch's
  CUDA default, ``foreach``: one list as large as all the parameters; SGD: none).

Time is an estimate: a roofline per layer (the slower of its FLOPs at the device's peak and
its bytes at the memory bandwidth), at a stated utilization of the peak.
"""

from __future__ import annotations

from cnncalc.analysis.report import Check, Report
from cnncalc.analysis.training import STATE_PER_PARAM, LayerStep, TrainingStep, training_step
from cnncalc.layers.autograd import ITEMSIZE
from cnncalc.records import record, replace
from cnncalc.spec.training import Setup

IMPLS = ("foreach", "loop", "fused")  # how Adam steps: PyTorch's CUDA default, its CPU default, fused


@record(frozen=True, slots=True)
class Budget:
    """The memory and compute of one training step, for the whole batch (bytes, MACs)."""

    step: TrainingStep
    param_bytes: int
    buffer_bytes: int
    grad_bytes: int
    optimizer_bytes: int
    optimizer_temporary_bytes: int
    transient_bytes: int
    transient_layer: str

    @property
    def setup(self) -> Setup:
        return self.step.setup

    @property
    def state_bytes(self) -> int:
        return self.param_bytes + self.buffer_bytes + self.grad_bytes + self.optimizer_bytes

    @property
    def kept_bytes(self) -> int:
        return self.step.kept_bytes

    @property
    def step_peak_bytes(self) -> int:
        """Forward and backward: state + kept + the input when nothing keeps it + the largest transient."""
        unkept = 0 if self.step.input_kept else self.step.input_bytes
        return self.state_bytes + self.kept_bytes + unkept + self.transient_bytes

    @property
    def optimizer_peak_bytes(self) -> int:
        return self.state_bytes + self.step.input_bytes + self.optimizer_temporary_bytes

    @property
    def peak_bytes(self) -> int:
        return max(self.step_peak_bytes, self.optimizer_peak_bytes)

    @property
    def peak_phase(self) -> str:
        return "forward and backward" if self.step_peak_bytes >= self.optimizer_peak_bytes else "the optimizer step"

    @property
    def forward_macs(self) -> int:
        return self.step.forward_macs

    @property
    def backward_macs(self) -> int:
        return self.step.backward_macs

    @property
    def training_macs(self) -> int:
        return self.step.training_macs


def _param_tensors(report: Report, live: list[bool]) -> list[int]:
    """Every trainable tensor that gets a gradient, in the exported module's order (layer by layer)."""
    out: list[int] = []
    for r, alive in zip(report.rows, live, strict=True):
        assert r.layer is not None
        if alive:
            out += r.layer.param_tensors(r.inputs, r.output)
    return out


def _temporaries(tensors: list[int], size: int, optimizer: str, impl: str) -> int:
    """What ``optimizer.step()`` allocates and frees (measured: docs/training.md)."""
    if STATE_PER_PARAM[optimizer] < 2 or impl == "fused":
        return 0
    if impl == "foreach":
        return sum(tensors) * size
    b = [t * size for t in tensors]  # one tensor at a time: two of parameter i while i − 1's denom lives
    return max((2 * b[i] + (b[i - 1] if i else 0) for i in range(len(b))), default=0)


def budget(report: Report, setup: Setup, impl: str = "foreach") -> Budget:
    """The budget of one training step of ``report``'s network."""
    assert impl in IMPLS, impl
    live = report.live()
    step = training_step(report, setup, live)
    size = ITEMSIZE[setup.param_dtype]
    t = report.totals
    param = t.trainable * size
    # a parameter no loss reaches gets no gradient, and an optimizer keeps no state for it
    graded = sum(r.cost.trainable for r, alive in zip(report.rows, live, strict=True) if alive) * size
    counters = 0
    for r in report.rows:
        assert r.layer is not None
        counters += r.layer.scalar_buffers()
    transient = max(step.layers, key=lambda s: s.input_bytes + s.output_bytes, default=None)
    return Budget(
        step=step,
        param_bytes=param,
        buffer_bytes=t.non_trainable * size + 8 * counters,
        grad_bytes=graded,
        optimizer_bytes=STATE_PER_PARAM[setup.optimizer] * graded,
        optimizer_temporary_bytes=_temporaries(_param_tensors(report, live), size, setup.optimizer, impl),
        transient_bytes=transient.input_bytes + transient.output_bytes if transient else 0,
        transient_layer=transient.row.name if transient else "",
    )


def largest_batch(report: Report, setup: Setup, memory: int, impl: str = "foreach") -> Budget | None:
    """The budget at the largest batch whose peak fits in ``memory`` bytes (None: not even batch 1).

    The peak grows with the batch (every term is a sum or maximum of tensors that do), so the
    answer is found by doubling and then halving the interval: O(log batch) steps."""
    def at(n: int) -> Budget:
        return budget(report, replace(setup, batch=n), impl)

    if at(1).peak_bytes > memory:
        return None
    lo, hi = 1, 2
    while at(hi).peak_bytes <= memory:
        lo, hi = hi, hi * 2
        if hi > 1 << 40:  # a network that keeps nothing per sample: any batch fits
            return at(lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if at(mid).peak_bytes <= memory else (lo, mid)
    return at(lo)


# --- time: a roofline estimate ------------------------------------------------------------


@record(frozen=True, slots=True)
class LayerTime:
    """One layer's share of a step on a device: FLOPs, bytes moved, which bound, seconds."""

    layer: LayerStep
    flops: int
    bytes: int
    compute_bound: bool
    seconds: float

    @property
    def intensity(self) -> float:
        """FLOPs per byte moved."""
        return self.flops / self.bytes if self.bytes else float("inf")


def layer_bytes(layer: LayerStep, weights: int) -> int:
    """Bytes a layer moves in one step, stated: forward reads its input and weights and writes its
    output; backward reads the output's gradient, its input and weights, writes the input's and
    the weights' gradients: 3·input + 2·output + 3·weights."""
    return 3 * layer.input_bytes + 2 * layer.output_bytes + 3 * weights


def roofline(b: Budget, peak_flops: int, bandwidth: int, utilization: float) -> list[LayerTime]:
    """Each layer's estimated time at ``utilization`` of the device's peak FLOP/s and bandwidth."""
    size = ITEMSIZE[b.setup.param_dtype]
    out = []
    for ls in b.step.layers:
        flops = 2 * (ls.forward_macs + ls.backward_macs)
        moved = layer_bytes(ls, ls.row.cost.trainable * size)
        compute, memory = flops / peak_flops, moved / bandwidth
        out.append(LayerTime(ls, flops, moved, compute >= memory, max(compute, memory) / utilization))
    return out


# --- claims on a training step (`check`) ----------------------------------------------------


def totals(b: Budget) -> dict[str, int]:
    """The budget's totals by the names ``expect:`` and JSON use."""
    return {"param_bytes": b.param_bytes, "buffer_bytes": b.buffer_bytes, "grad_bytes": b.grad_bytes,
            "optimizer_bytes": b.optimizer_bytes, "kept_bytes": b.kept_bytes, "input_bytes": b.step.input_bytes,
            "optimizer_temporary_bytes": b.optimizer_temporary_bytes, "transient_bytes": b.transient_bytes,
            "peak_bytes": b.peak_bytes, "forward_macs": b.forward_macs, "backward_macs": b.backward_macs,
            "training_macs": b.training_macs, "forward_flops": 2 * b.forward_macs,
            "backward_flops": 2 * b.backward_macs, "training_flops": 2 * b.training_macs}


def judged(report: Report) -> Report:
    """The report with its claims on a training step judged, at its spec's ``budget:`` setting
    (batch 1, fp32, SGD when it has none)."""
    if not report.pending:
        return report
    values = totals(budget(report, report.budget or Setup()))
    checks = tuple(Check.of(c, values[c.field], "totals") for c in report.pending)
    return replace(report, checks=(*report.checks, *checks), pending=())
