"""``cnncalc fit``: the largest value of one var (or of the input side) whose network meets
budgets on its totals, found by bisection.

**What is assumed.** Each budgeted total is a non-decreasing function of the value: a wider,
deeper or larger-input network has at least the MACs, parameters and activations of a smaller
one.  That holds for widths, depths and resolutions as networks use them (rounding with
make_divisible or ceil makes the cost a staircase, still never falling), and then "meets every
budget" holds for all values up to some point and for none after it, which bisection finds
with about log2(n) + 2 analyses of the n values on the grid.  The assumption is **checked**
on the values tried: a total that falls as the value rises is reported (:attr:`Fit.backwards`),
since the answer may then not be the largest.

The values are a grid, ``low + k·step`` up to ``high``: integers for a var that holds an
integer (and for the input side), decimals as written otherwise (0.25, 0.26, ...: exact, no
drift of repeated double additions), handed to the spec as ``--set`` would.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise

from cnncalc.analysis.report import Totals
from cnncalc.records import record
from cnncalc.shapes import Shape

# What a budget may bound: --macs, --params, --activations (totals), and --kept-bytes, the bytes
# autograd keeps for the backward of one training step (cnncalc.analysis.budget), measured only
# when a budget asks for it.
QUANTITIES: dict[str, Callable[[Totals, int | None], int]] = {
    "macs": lambda t, _: t.macs,
    "params": lambda t, _: t.params,
    "activations": lambda t, _: t.activations,
    "kept_bytes": lambda _, kept: _measured(kept),
}


def _measured(kept: int | None) -> int:
    assert kept is not None, "kept bytes are measured whenever a budget bounds them"
    return kept
Value = int | Decimal


@record(frozen=True, slots=True)
class Budget:
    """An upper bound on one total: ``macs <= 600,000,000``."""

    quantity: str
    bound: str  # "<=" or "<"
    limit: Decimal  # exact: '4.5G' is 4,500,000,000

    def holds(self, totals: Totals, kept: int | None = None) -> bool:
        value = QUANTITIES[self.quantity](totals, kept)
        return value <= self.limit if self.bound == "<=" else value < self.limit

    def __str__(self) -> str:
        return f"{self.quantity} {self.bound} {self.limit.normalize():,f}"


@record(frozen=True, slots=True)
class Trial:
    """One value tried: ``order`` is when (1 = first), ``ok`` whether every budget holds."""

    order: int
    value: Value
    input: Shape
    totals: Totals
    kept_bytes: int | None  # measured when a budget bounds it
    ok: bool


@record(frozen=True, slots=True)
class Fit:
    """What the search found: every value tried, the answer, and where the cost was seen to fall."""

    trials: tuple[Trial, ...]  # in the order tried
    best: Trial | None  # the largest value found meeting every budget; None: not even the smallest
    backwards: tuple[str, ...]  # where a total fell as the value rose (the assumption failed)

    def by_value(self) -> list[Trial]:
        return sorted(self.trials, key=lambda t: t.value)


def grid(low: Decimal, high: Decimal, step: Decimal, integers: bool) -> list[Value]:
    """The values to search, ``low + k·step`` for k = 0, 1, ... up to ``high`` (exact decimals)."""
    count = int((high - low) // step) + 1
    return [int(low + k * step) if integers else low + k * step for k in range(count)]


def search(values: list[Value], budgets: list[Budget],
           measure: Callable[[Value], tuple[Shape, Totals, int | None]], name: str = "value") -> Fit:
    """Bisection for the largest of ``values`` (ascending) meeting every budget, assuming a
    monotone cost (module doc), then that assumption checked on what was tried.  ``measure``
    gives the network's input, totals and kept bytes (None: not asked for) at a value."""
    trials: list[Trial] = []

    def attempt(i: int) -> bool:
        shape, totals, kept = measure(values[i])
        trial = Trial(len(trials) + 1, values[i], shape, totals, kept, all(b.holds(totals, kept) for b in budgets))
        trials.append(trial)
        return trial.ok

    best: int | None = None
    if attempt(len(values) - 1):
        best = len(values) - 1
    elif len(values) > 1 and attempt(0):
        good, bad = 0, len(values) - 1  # values[good] meets the budgets, values[bad] does not
        while bad - good > 1:
            mid = (good + bad) // 2
            good, bad = (mid, bad) if attempt(mid) else (good, mid)
        best = good
    chosen = next((t for t in trials if best is not None and t.value == values[best]), None)
    return Fit(tuple(trials), chosen, _backwards(trials, budgets, name))


def _backwards(trials: list[Trial], budgets: list[Budget], name: str) -> tuple[str, ...]:
    """Each budgeted total that falls between two neighbouring values tried."""
    ordered = sorted(trials, key=lambda t: t.value)
    out = []
    for q in dict.fromkeys(b.quantity for b in budgets):
        of = QUANTITIES[q]
        for a, b in pairwise(ordered):
            before, after = of(a.totals, a.kept_bytes), of(b.totals, b.kept_bytes)
            if after < before:
                out.append(f"{q} falls from {before:,} at {name}={a.value} to {after:,} at {name}={b.value}")
    return tuple(out)
