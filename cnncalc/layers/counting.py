"""How other tools count a kind's MACs: the vocabulary of a kind's ``conventions`` rule.

cnncalc's own count is torchvision's (convolutions and dense layers only, bias adds excluded).
Each kind also states, once, how three other conventions count it (docs/conventions.md):

* ``fvcore`` — facebookresearch/fvcore 0.1.5 ``FlopCountAnalysis`` (one fused multiply-add =
  one flop);
* ``ptflops`` — ptflops 0.7.5, ``backend=FLOPS_BACKEND.PYTORCH``, ``count_functional=False``:
  its per-module hooks, bias adds included;
* ``all`` — every arithmetic operation at inference, bias included (defined by cnncalc).

A :class:`Term` is a count and the words that document it; terms add.  Integers only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cnncalc.records import record
from cnncalc.shapes import Shape

PRESETS = ("torchvision", "fvcore", "ptflops", "all")
Count = Callable[[Any, tuple[Shape, ...], Shape, int], int]  # (layer, inputs, output, core MACs)


@record(frozen=True, slots=True)
class Term:
    """One counting rule and the words that document it."""

    count: Count
    doc: str

    def __add__(self, other: Term) -> Term:
        a, b = self.count, other.count
        return Term(lambda L, ins, out, m: a(L, ins, out, m) + b(L, ins, out, m), f"{self.doc} + {other.doc}")


@record(frozen=True, slots=True)
class Rule:
    """How fvcore, ptflops and the ``all`` convention count one kind (torchvision: the core count)."""

    fvcore: Term
    ptflops: Term
    all: Term

    def count(self, preset: str, layer: Any, ins: tuple[Shape, ...], out: Shape, core: int) -> int:
        assert preset in PRESETS, preset
        if preset == "torchvision":
            return core
        term: Term = getattr(self, preset)
        return term.count(layer, ins, out, core)


def per_in(n: int, what: str = "") -> Term:
    return Term(lambda L, ins, out, m: n * ins[0].numel, f"{n} per input element{what}")


def per_out(n: int, what: str = "") -> Term:
    return Term(lambda L, ins, out, m: n * out.numel, f"{n} per output element{what}")


CORE = Term(lambda L, ins, out, m: m, "as torchvision")
ZERO = Term(lambda L, ins, out, m: 0, "0")
BIAS = Term(lambda L, ins, out, m: L.bias * out.numel, "bias: 1 per output element")
ACT = per_out(1)
AFFINE_2_1 = Term(lambda L, ins, out, m: (2 if L.affine else 1) * out.numel, "2 per element (1 without affine)")
AFFINE_5_4 = Term(lambda L, ins, out, m: (5 if L.affine else 4) * out.numel, "5 per element (4 without affine)")

WEIGHTED = Rule(CORE, CORE + BIAS, CORE + BIAS)  # conv and dense: ptflops and `all` add the bias
PTFLOPS_ACT = Rule(ZERO, ACT, ACT)  # an activation ptflops hooks (ReLU family)
UNHOOKED_ACT = Rule(ZERO, ZERO, ACT)  # an activation no tool's hook counts
NOTHING = Rule(ZERO, ZERO, ZERO)  # moves values, computes nothing
MERGE_ALL = Term(lambda L, ins, out, m: (len(ins) - 1) * out.numel, "(inputs − 1) per output element")
