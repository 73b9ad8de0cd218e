"""``expect:`` claims: parsed with positions, judged against computed values.

A count written in full (``61706``, ``61,706``) must match exactly; a short
form (``120.4M``, ``1.2G``) matches at the precision it is written with, i.e.
it is what the true value rounds to (``120.4M`` accepts 120,350,000 up to, not
including, 120,450,000).  A bound (``<= 4.5G``, ``< 30M``, ``">= 1M"``) is a
budget: the value after the operator is exact (``4.5G`` is 4,500,000,000).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from decimal import Decimal

from cnncalc.errors import CnnCalcError, SourcePos, SpecError, clip, did_you_mean, raise_all
from cnncalc.records import record
from cnncalc.shapes import Shape
from cnncalc.source.values import EXACT, MAX_CLAIM_DIGITS, as_shape, computed_decimal, describe, not_whole, parse_claim
from cnncalc.source.yamltree import YMap, YScalar, YSeq

COUNT_FIELDS = ("params", "trainable_params", "non_trainable_params", "macs", "flops")
LAYER_FIELDS = ("output", *COUNT_FIELDS)
# Claims on a training step (judged by `check` at the spec's `budget:` setting; docs/training.md).
BUDGET_FIELDS = ("param_bytes", "grad_bytes", "optimizer_bytes", "kept_bytes", "peak_bytes", "forward_macs",
                 "backward_macs", "training_macs", "training_flops")
TOTAL_FIELDS = (*LAYER_FIELDS, "outputs", "aux_macs", "activations", *BUDGET_FIELDS)
BOUNDS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_BOUND = re.compile(r"(<=|>=|<|>)\s*(\S.*)")


@record(frozen=True, slots=True)
class Claim:
    """One parsed ``expect:`` claim: the field, the text as written, and what it accepts (a shape, a
    value at its written precision, or a bound)."""

    field: str
    text: str
    pos: SourcePos
    shape: Shape | None = None
    value: Decimal = Decimal(0)
    tolerance: Decimal = Decimal(0)
    bound: str = ""  # "<=", "<", ">=" or ">": a budget instead of a claimed value
    shapes: tuple[Shape, ...] | None = None  # `outputs: [...]`: every output's shape, in order

    def holds(self, actual: Shape | int | tuple[Shape, ...]) -> bool:
        """Whether the computed value satisfies the claim (exact, at its written precision, or a bound)."""
        if self.shapes is not None:
            return actual == self.shapes
        if self.shape is not None:
            return actual == self.shape
        assert isinstance(actual, int)
        if self.bound:
            return BOUNDS[self.bound](Decimal(actual), self.value)
        low, high = EXACT.subtract(self.value, self.tolerance), EXACT.add(self.value, self.tolerance)
        return low <= actual < high or actual == self.value


def parse_claims(node: YMap | None, fields: tuple[str, ...]) -> tuple[Claim, ...]:
    """Check an ``expect:`` mapping; every bad key or value is reported."""
    if node is None:
        return ()
    claims: list[Claim] = []
    errors: list[CnnCalcError] = []
    for key, value in node.pairs:
        try:
            if key.value not in fields:
                # the network's own counts first: 'parameters' means params, not param_bytes
                counts = [f for f in fields if f not in BUDGET_FIELDS]
                hint = (did_you_mean(key.value, counts) or did_you_mean(key.value, list(fields))
                        or "expect takes the output shape, counts (params, macs, ...) or training figures"
                           " (kept_bytes, ...); see docs/spec-language.md")
                raise SpecError(f"unknown expectation '{clip(key.value)}'", key.pos, hint=hint, code="E131")
            if key.value == "output":
                shape = as_shape(value, "expected output")
                claims.append(Claim("output", str(shape), value.pos, shape=shape))
                continue
            if key.value == "outputs":
                if not isinstance(value, YSeq) or not value.items:
                    raise SpecError(f"expected outputs must be a list of shapes, e.g. [13x13x255, 26x26x255]; got"
                                    f" {describe(value)}", value.pos, code="E132")
                shapes = tuple(as_shape(item, "expected output") for item in value.items)
                claims.append(Claim("outputs", ", ".join(map(str, shapes)), value.pos, shapes=shapes))
                continue
            if isinstance(value, YScalar) and computed_decimal(value):  # 1.5e6 from ${...}: no rounding rule
                raise not_whole(value, f"expected {clip(key.value)}")
            text = value.value.strip() if isinstance(value, YScalar) else ""
            bound = _BOUND.fullmatch(text)
            parsed = parse_claim(bound.group(2) if bound else text) if text else None
            if parsed is None and sum(c.isdigit() for c in text) > MAX_CLAIM_DIGITS:
                raise SpecError(
                    f"expected {clip(key.value)} has {sum(c.isdigit() for c in text):,} digits; a count has at most"
                    f" {MAX_CLAIM_DIGITS}",
                    value.pos,
                    code="E132",
                )
            if parsed is None:
                raise SpecError(
                    f"expected {clip(key.value)} must be a count like 61706, 61,706 or 120.4M, or a budget"
                    f" like '<= 4.5G'; got {describe(value)}",
                    value.pos,
                    code="E132",
                )
            if bound:  # a budget's number is exact: no rounding tolerance
                claims.append(Claim(key.value, text, value.pos, value=parsed[0], bound=bound.group(1)))
            else:
                claims.append(Claim(key.value, text, value.pos, value=parsed[0], tolerance=parsed[1]))
        except CnnCalcError as exc:
            errors.append(exc)
    raise_all(errors)
    return tuple(claims)
