"""Frozen value types: shapes, costs and the report.  Exact Python ints only."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import prod

from cnncalc.errors import SourcePos

BYTES_PER_VALUE = 4  # memory is reported for float32 tensors


@dataclass(frozen=True, slots=True)
class Shape:
    """A per-sample tensor shape: ``(H, W, C)`` for images, ``(N,)`` for vectors."""

    dims: tuple[int, ...]

    @property
    def is_image(self) -> bool:
        return len(self.dims) == 3

    @property
    def h(self) -> int:
        return self.dims[0]

    @property
    def w(self) -> int:
        return self.dims[1]

    @property
    def c(self) -> int:
        """Channels: the last axis (a vector's length)."""
        return self.dims[-1]

    @property
    def numel(self) -> int:
        return prod(self.dims)

    def with_c(self, c: int) -> Shape:
        return Shape((*self.dims[:-1], c))

    def __str__(self) -> str:
        return "x".join(str(d) for d in self.dims)


@dataclass(frozen=True, slots=True)
class Cost:
    """What one layer costs per sample."""

    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    extra_macs: int = 0  # counted by the layer's docs but outside the convention (deform sampling)

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.trainable + other.trainable,
            self.non_trainable + other.non_trainable,
            self.macs + other.macs,
            self.extra_macs + other.extra_macs,
        )


@dataclass(frozen=True, slots=True)
class Check:
    """One ``expect:`` claim and its verdict."""

    field: str
    claimed: str
    actual: str
    ok: bool
    pos: SourcePos | None = None
    hint: str | None = None
    scope: str = ""  # "" for a layer's own check; a block instance or "totals"


@dataclass(frozen=True, slots=True)
class AxisRF:
    """Receptive field along one axis, in network-input pixels (exact)."""

    size: int  # pixels spanned (largest over output positions)
    jump: Fraction  # input pixels between neighbouring outputs (effective stride)
    centre: Fraction  # centre of output 0's field; negative when in the padding


@dataclass(frozen=True, slots=True)
class RField:
    h: AxisRF
    w: AxisRF


@dataclass(frozen=True, slots=True)
class LayerReport:
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
    rf: RField | None = None  # receptive field, filled by cnncalc.rf.with_rf

    @property
    def activations(self) -> int:
        return self.output.numel

    @property
    def memory_bytes(self) -> int:
        return self.output.numel * BYTES_PER_VALUE


@dataclass(frozen=True, slots=True)
class Totals:
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
        return cls(
            trainable=sum(r.cost.trainable for r in rows),
            non_trainable=sum(r.cost.non_trainable for r in rows),
            macs=sum(r.cost.macs for r in rows if not r.aux),
            aux_macs=sum(r.cost.macs for r in rows if r.aux),
            activations=sum(r.activations for r in rows),
            extra_macs=sum(r.cost.extra_macs for r in rows),
        )


@dataclass(frozen=True, slots=True)
class Report:
    name: str
    input: Shape
    output: Shape
    rows: tuple[LayerReport, ...]
    checks: tuple[Check, ...] = ()  # top-level expectations (totals)
    totals: Totals = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "totals", Totals.of(self.rows))

    def all_checks(self) -> list[tuple[str, Check]]:
        """Every claim with where it applies, in source order."""
        out = [(f"{r.group[-1]}.{r.name}" if r.group else r.name, c) for r in self.rows for c in r.checks]
        out += [(c.scope or "totals", c) for c in self.checks]
        return sorted(out, key=lambda wc: (wc[1].pos.line, wc[1].pos.col) if wc[1].pos else (1 << 62, 0))
