"""The analysis stage's output: frozen reports of exact integers, rows carrying their layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.errors import SourcePos
from cnncalc.graph.nodes import INPUT
from cnncalc.layers.base import Layer
from cnncalc.records import field, record
from cnncalc.shapes import Cost, Shape
from cnncalc.spec.expect import Claim
from cnncalc.spec.training import Setup

if TYPE_CHECKING:
    from fractions import Fraction

BYTES_PER_VALUE = 4  # memory is reported for float32 tensors


@record(frozen=True, slots=True)
class Check:
    """One ``expect:`` claim and its verdict.  ``claim`` is the parsed claim (judged once, never
    parsed again); ``value`` the computed value; ``actual`` its text as the claim is written."""

    field: str
    claimed: str
    actual: str
    ok: bool
    pos: SourcePos | None = None
    hint: str | None = None
    scope: str = ""  # "" for a layer's own check; a block instance or "totals"
    claim: Claim | None = None
    value: Shape | int | tuple[Shape, ...] | None = None

    @classmethod
    def of(cls, claim: Claim, value: Shape | int | tuple[Shape, ...], scope: str = "") -> Check:
        """The verdict on ``claim`` for the computed ``value``."""
        if isinstance(value, tuple):  # `outputs`: every output's shape
            shown = ", ".join(map(str, value))
        else:
            shown = str(value) if isinstance(value, Shape) else f"{value:,}"
        return cls(claim.field, claim.text, shown, claim.holds(value), claim.pos, scope=scope, claim=claim,
                   value=value)


@record(frozen=True, slots=True)
class AxisRF:
    """Receptive field along one axis, in network-input pixels (exact)."""

    size: int | None  # pixels spanned (largest over output positions); None: not tracked (W202)
    jump: Fraction  # input pixels between neighbouring outputs (effective stride), always exact
    centre: Fraction | None  # centre of output 0's field; negative when in the padding


@record(frozen=True, slots=True)
class RField:
    """Receptive field of one layer's output, per axis."""

    h: AxisRF
    w: AxisRF


@record(frozen=True, slots=True)
class LayerReport:
    """One analysed layer: its typed layer and where its inputs come from (``sources``: indices of
    earlier rows, INPUT for the network input), the shapes and cost computed, and what later
    passes add (checks with hints, receptive field).  After analysis nothing needs the graph."""

    name: str
    kind: str
    inputs: tuple[Shape, ...]
    output: Shape
    cost: Cost
    group: tuple[str, ...] = ()  # enclosing block instances, outermost first
    aux: bool = False  # train-only head: MACs reported apart
    pos: SourcePos | None = None
    checks: tuple[Check, ...] = ()
    notes: tuple[str, ...] = ()  # layer-specific facts (resolved padding, ...)
    rf: RField | None = None  # receptive field, filled by cnncalc.analysis.rf.with_rf
    layer: Layer | None = None
    sources: tuple[int, ...] = ()  # row index of each input (INPUT: the network input)
    trace: tuple[SourcePos, ...] = ()  # block uses that led here, innermost last

    @property
    def activations(self) -> int:
        return self.output.numel

    @property
    def memory_bytes(self) -> int:
        return self.output.numel * BYTES_PER_VALUE


@record(frozen=True, slots=True)
class Totals:
    """Sums over rows (computed once, never running counters)."""

    trainable: int
    non_trainable: int
    macs: int  # inference MACs: aux heads excluded
    aux_macs: int
    activations: int
    extra_macs: int = 0  # outside the convention total (deform_conv sampling)

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def param_bytes(self) -> int:
        return self.params * BYTES_PER_VALUE

    @classmethod
    def of(cls, rows: tuple[LayerReport, ...]) -> Totals:
        """Totals are sums over the rows, computed once, never running counters."""
        trainable = non_trainable = macs = aux_macs = activations = extra_macs = 0
        for r in rows:  # one pass (a summary at 100 input sizes sums 17,600 rows)
            cost = r.cost
            trainable += cost.trainable
            non_trainable += cost.non_trainable
            if r.aux:
                aux_macs += cost.macs
            else:
                macs += cost.macs
            activations += r.output.numel
            extra_macs += cost.extra_macs
        return cls(trainable, non_trainable, macs, aux_macs, activations, extra_macs)


@record(frozen=True, slots=True)
class Output:
    """One output of the network: the layer's (full) name, its row, its shape."""

    name: str
    row: int  # index into Report.rows; INPUT (-1) when the network input itself is an output
    shape: Shape


@record(frozen=True, slots=True)
class Report:
    """The analysis of one network: rows in topological order, the output (the first, when the
    spec lists several ``outputs``), claims on totals and groups; totals derived from the rows."""

    name: str
    input: Shape
    output: Shape
    rows: tuple[LayerReport, ...]
    checks: tuple[Check, ...] = ()  # top-level expectations (totals)
    outputs: tuple[Output, ...] = ()  # every output in the spec's order (analysis fills it)
    totals: Totals = field(init=False)
    pending: tuple[Claim, ...] = ()  # claims on a training step, judged by a budget (analysis/budget.py)
    budget: Setup | None = None  # the spec's `budget:` setting those claims are judged at

    def live(self) -> list[bool]:
        """Whether each row's output reaches what training sums into its loss: the network's
        outputs, or an auxiliary head's last layer, through the inputs gradients flow to (not to
        an ``upsample: {like: ...}``'s reference).  A row that does not gets no backward."""
        consumed = [False] * len(self.rows)
        for r in self.rows:
            for s in r.sources:
                if s != INPUT:
                    consumed[s] = True
        live = [False] * len(self.rows)
        todo = [i for i, r in enumerate(self.rows) if r.aux and not consumed[i]]
        todo += [o.row for o in self.outputs if o.row != INPUT] if self.outputs else [len(self.rows) - 1]
        while todo:
            i = todo.pop()
            if not live[i]:
                live[i] = True
                row = self.rows[i]
                flows = row.layer.gradient_inputs(len(row.sources)) if row.layer else range(len(row.sources))
                todo.extend(s for s in (row.sources[k] for k in flows) if s != INPUT)
        return live

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", Totals.of(self.rows))

    @property
    def several(self) -> bool:
        """Whether the network has more than one output (``outputs: [a, b]``)."""
        return len(self.outputs) > 1

    @property
    def output_shapes(self) -> tuple[Shape, ...]:
        """The shape of every output, in order (the one output's when not listed)."""
        return tuple(o.shape for o in self.outputs) or (self.output,)

    def all_checks(self) -> list[tuple[str, Check]]:
        """Every claim with where it applies, in source order."""
        out = [(f"{r.group[-1]}.{r.name}" if r.group else r.name, c) for r in self.rows for c in r.checks]
        out += [(c.scope or "totals", c) for c in self.checks]
        return sorted(out, key=lambda wc: (wc[1].pos.line, wc[1].pos.col) if wc[1].pos else (1 << 62, 0))
