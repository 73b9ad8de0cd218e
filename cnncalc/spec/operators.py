"""Operators and values of ``${...}`` expressions: what ``+``, ``/``, ``**``, comparisons
and indexing do, and how a YAML scalar reads as a value.  As Python does: integers exact,
``/`` and decimals IEEE doubles; every integer bounded by 10^18, every double finite.
"""

from __future__ import annotations

import math
import re
from typing import Any

from cnncalc.errors import clip, did_you_mean
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq

Value = int | float | bool | str | YSeq | YMap
Number = int | float
MAX_VALUE = 10**18
INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
DECIMAL = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+")


class ValueProblem(Exception):
    """Internal: an expression went wrong (the evaluator adds the position)."""


def number(v: object, what: str) -> Number:
    """``v`` if it is an int or a float (true/false are not numbers here)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueProblem(f"{what} must be a number, got {describe(v)}")
    return v


def whole(v: object, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueProblem(f"{what} must be an integer, got {describe(v)}")
    return v


def describe(v: object) -> str:
    """How a value reads in a message."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return f"the text '{v[:30]}'"
    return "a list" if isinstance(v, YSeq) else "a mapping"


def scalar_value(node: YScalar) -> int | float | bool | str:
    """A YAML scalar as an expression value: YAML 1.2 core integers, decimals and booleans;
    anything quoted, and any other word, is text."""
    text = node.value.strip()
    if not node.plain:
        return node.value
    if INT.fullmatch(text):
        if len(text) > 19 or abs(int(text)) > MAX_VALUE:
            raise ValueProblem(f"{clip(text)} is out of range (limit 10^18)")
        return int(text)
    if re.fullmatch(r"[+-]?0[0-9]+", text):
        raise ValueProblem(f"'{clip(text)}' has a leading zero (YAML 1.1 octal); write {clip(text.lstrip('+-0') or '0')}")
    if DECIMAL.fullmatch(text):
        return finite(float(text))
    if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return text.lower() == "true"
    if node.is_null():
        raise ValueProblem("the value is empty (null)")
    return node.value


def value_of(node: YNode) -> Value:
    return scalar_value(node) if isinstance(node, YScalar) else node


def finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueProblem("the result is not a finite number")
    return v


def bounded(v: object) -> Value:
    if isinstance(v, float):
        return finite(v)
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_VALUE:
        raise ValueProblem("value out of range (limit 10^18)")
    return v  # type: ignore[return-value]


def why(exc: Exception) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "division by zero"
    return "value out of range" if isinstance(exc, OverflowError) else "the operation has no real result"


def arith(op: str, a: Value, b: Value) -> Value:
    x, y = number(a, f"the left side of '{op}'"), number(b, f"the right side of '{op}'")
    if op == "+":
        return bounded(x + y)
    if op == "-":
        return bounded(x - y)
    if op == "*":
        return bounded(x * y)
    if y == 0:
        raise ValueProblem("division by zero")
    if op == "/":
        return bounded(x / y)
    return bounded(x // y if op == "//" else x % y)


def power(x: float, y: float) -> Value:
    if x < 0 and isinstance(y, float) and not y.is_integer():
        raise ValueProblem("a negative number to a fractional power has no real result")
    if x == 0 and y < 0:
        raise ValueProblem("division by zero")
    if isinstance(x, int) and isinstance(y, int) and y > 0 and abs(x) > 1 and y * math.log2(abs(x)) > 62:
        raise ValueProblem("value out of range (limit 10^18)")  # refused before computing it
    return bounded(x**y)


def compare(op: str, a: Value, b: Value) -> bool:
    if isinstance(a, (YSeq, YMap)) or isinstance(b, (YSeq, YMap)):
        raise ValueProblem(f"cannot compare {describe(a)} with {describe(b)}")
    if op in ("==", "!="):
        if isinstance(a, bool) != isinstance(b, bool) and not isinstance(a, str) and not isinstance(b, str):
            # Python says 1 == true; a spec that compares a number with true/false has mixed them up
            raise ValueProblem(f"cannot compare {describe(a)} with {describe(b)}: true/false is not a number")
        same = isinstance(a, bool) == isinstance(b, bool) and isinstance(a, str) == isinstance(b, str) and a == b
        return same == (op == "==")
    if isinstance(a, str) and isinstance(b, str):
        x: Any
        y: Any
        x, y = a, b
    else:
        x, y = number(a, f"the left side of '{op}'"), number(b, f"the right side of '{op}'")
    return bool({"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op])


def truth(v: Value, what: str) -> bool:
    if not isinstance(v, bool):
        raise ValueProblem(f"{what} needs true or false, got {describe(v)} (compare it, e.g. x != 0)")
    return v


def index(target: Value, key: Value) -> Value:
    if isinstance(target, YSeq):
        i = whole(key, "a list index")
        if not -len(target.items) <= i < len(target.items):
            raise ValueProblem(f"index {i} is out of range: the list has {len(target.items)} items")
        return value_of(target.items[i])
    if isinstance(target, YMap):
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            raise ValueProblem(f"a mapping is indexed by a key, got {describe(key)}")
        found = target.get(str(key))
        if found is None:
            keys = target.keys()
            hint = did_you_mean(str(key), keys)
            shown = ", ".join(clip(k, 20) for k in keys[:12]) + (", ..." if len(keys) > 12 else "")
            raise ValueProblem(f"no key '{clip(str(key))}' in the mapping (keys: {shown})"
                               + (f"; {hint}" if hint else ""))
        return value_of(found)
    raise ValueProblem(f"only a list or a mapping can be indexed, got {describe(target)}")
