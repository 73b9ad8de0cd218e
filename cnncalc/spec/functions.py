"""The functions a ``${...}`` expression may call: the few that model code uses to derive
channel counts, depths and sizes from a width or depth multiplier.

Each computes exactly as Python does, and so as torchvision does: integers are exact,
decimals are IEEE doubles (Python's ``float``).  ``make_divisible`` is torchvision's
``_make_divisible`` (torchvision/models/_utils.py), line for line.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from cnncalc.records import record
from cnncalc.source.yamltree import YSeq
from cnncalc.spec.operators import Number, ValueProblem, number, value_of, whole


def _round(x: object, digits: object = None) -> Number:
    """Python's round: to the nearest integer, a tie to the even one (round(2.5) == 2);
    with ``digits``, a float rounded to that many decimals, as Python rounds it."""
    v = number(x, "round's value")
    if digits is None:
        return round(v)
    n = whole(digits, "round's digits")
    if abs(n) > 30:  # round(5, -10**18) would compute 10**(10**18)
        raise ValueProblem(f"round's digits must lie in [-30, 30], got {n}")
    return round(v, n)


def _floor(x: object) -> int:
    return math.floor(number(x, "floor's value"))


def _ceil(x: object) -> int:
    return math.ceil(number(x, "ceil's value"))


def _int(x: object) -> int:
    """Python's int() of a number: towards zero (int(-2.7) == -2)."""
    return int(number(x, "int's value"))


def _float(x: object) -> float:
    return float(number(x, "float's value"))


def _abs(x: object) -> Number:
    return abs(number(x, "abs's value"))


def _extreme(pick: Callable[..., Number], name: str) -> Callable[..., Number]:
    """Python's min/max: of two or more numbers, or of the items of one list."""

    def f(*args: object) -> Number:
        items = args
        if len(args) == 1:
            if not isinstance(args[0], YSeq):
                raise ValueProblem(f"{name} of one value: give two or more, or a list")
            items = tuple(value_of(x) for x in args[0].items)
            if not items:
                raise ValueProblem(f"{name} of an empty list")
        return pick(number(a, f"{name}'s arguments") for a in items)

    return f



def make_divisible(v: object, divisor: object, min_value: object = None) -> int:
    """torchvision's ``_make_divisible`` (torchvision/models/_utils.py), to the letter::

        if min_value is None:
            min_value = divisor
        new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
        # Make sure that round down does not go down by more than 10%.
        if new_v < 0.9 * v:
            new_v += divisor
        return new_v

    ``divisor / 2`` is a float, so ``v + divisor / 2`` is a double sum, truncated by int().
    """
    value = number(v, "make_divisible's value")
    d = whole(divisor, "make_divisible's divisor")
    if d < 1:
        raise ValueProblem(f"make_divisible's divisor must be positive, got {d}")
    low = d if min_value is None else whole(min_value, "make_divisible's min_value")
    new_v = max(low, int(value + d / 2) // d * d)
    if new_v < 0.9 * value:
        new_v += d
    return new_v


@record(frozen=True, slots=True)
class Function:
    """A function expressions may call: its name, arity and implementation."""

    call: Callable[..., Number]
    least: int  # fewest arguments
    most: int  # most arguments (-1: any number)
    doc: str


FUNCTIONS: dict[str, Function] = {
    "round": Function(_round, 1, 2, "round(x) to the nearest integer, ties to even (Python); round(x, n) a float"),
    "floor": Function(_floor, 1, 1, "the largest integer <= x"),
    "ceil": Function(_ceil, 1, 1, "the smallest integer >= x (torchvision's depth: int(math.ceil(n * depth_mult)))"),
    "int": Function(_int, 1, 1, "x truncated towards zero, as Python's int()"),
    "float": Function(_float, 1, 1, "x as a float (a double)"),
    "abs": Function(_abs, 1, 1, "|x|"),
    "min": Function(_extreme(min, "min"), 1, -1, "the smallest of two or more numbers, or of a list's items"),
    "max": Function(_extreme(max, "max"), 1, -1, "the largest of two or more numbers, or of a list's items"),
    "make_divisible": Function(make_divisible, 2, 3,
                               "make_divisible(v, d[, min_value]): torchvision's _make_divisible"),
}
