"""Interpret positioned YAML scalars as typed values, strictly and in context.

Only YAML 1.2 core forms are accepted: ``true``/``false`` for booleans and
plain decimal integers.  The YAML 1.1 forms PyYAML would silently coerce
(``yes``/``on``, ``010`` as octal, ``1_000``, ``0x10``) are errors with a fix.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .errors import SpecError
from .shapes import Shape
from .yamltree import YMap, YNode, YScalar, YSeq

MAX_INT = 10**12  # larger sizes make no network; see Limits.max_value

_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_YAML11_BOOL = {"yes", "no", "on", "off", "y", "n"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_SHAPE = re.compile(r"\s*\d+(\s*[xX×]\s*\d+)*\s*")
_SHORT = re.compile(r"\s*([0-9][0-9,_]*(?:\.[0-9]+)?)\s*([kKMGTP]?)\s*")
_UNITS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}


def describe(node: YNode) -> str:
    if isinstance(node, YSeq):
        return "a list"
    if isinstance(node, YMap):
        return "a mapping"
    return f"'{node.value}'" if node.plain else f"the string '{node.value}'"


def as_int(node: YNode, what: str, *, minimum: int | None = None) -> int:
    """A decimal integer, optionally bounded below (e.g. ``minimum=1``)."""
    if not isinstance(node, YScalar):
        raise SpecError(f"{what} must be an integer, got {describe(node)}", node.pos, code="E110")
    text = node.value.strip()
    if not node.plain:
        raise SpecError(
            f"{what} must be an integer, got the string '{text}'",
            node.pos,
            hint="remove the quotes",
            code="E110",
        )
    if not _INT.fullmatch(text):
        hint = None
        if re.fullmatch(r"[+-]?0[0-9]+", text):
            hint = f"YAML 1.1 reads {text} as an octal number; write {int(text)}"
        elif re.fullmatch(r"[+-]?[0-9]+\.0*", text):
            hint = f"write {text.split('.')[0]}"
        elif re.fullmatch(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", text):
            hint = "exponent notation is a float; write the integer out"
        raise SpecError(f"{what} must be an integer, got '{text}'", node.pos, hint=hint, code="E110")
    if len(text) > 30 or abs(int(text)) > MAX_INT:
        raise SpecError(f"{what} = {text} is absurdly large (limit {MAX_INT:,})", node.pos, code="E111")
    value = int(text)
    if minimum is not None and value < minimum:
        need = "positive" if minimum == 1 else f"at least {minimum}"
        raise SpecError(f"{what} must be {need}, got {value}", node.pos, code="E111")
    return value


def as_float(node: YNode, what: str, lo: float, hi: float) -> float:
    """A real number in [lo, hi] (used only for arguments that never enter a count)."""
    if isinstance(node, YScalar) and node.plain:
        try:
            value = float(node.value)
        except ValueError:
            pass
        else:
            if lo <= value <= hi:
                return value
            raise SpecError(f"{what} must lie in [{lo}, {hi}], got {value}", node.pos, code="E111")
    raise SpecError(f"{what} must be a number, got {describe(node)}", node.pos, code="E110")


def as_bool(node: YNode, what: str) -> bool:
    if isinstance(node, YScalar) and node.plain:
        if node.value in _TRUE:
            return True
        if node.value in _FALSE:
            return False
        if node.value.lower() in _YAML11_BOOL:
            hint = "write true or false (YAML 1.1 reads yes/no/on/off as booleans, 1.2 does not)"
            raise SpecError(f"{what} must be true or false, got '{node.value}'", node.pos, hint=hint, code="E110")
    raise SpecError(f"{what} must be true or false, got {describe(node)}", node.pos, code="E110")


def as_str(node: YNode, what: str) -> str:
    if isinstance(node, YScalar) and not node.is_null():
        return node.value
    raise SpecError(f"{what} must be a name or word, got {describe(node)}", node.pos, code="E110")


def as_int_list(node: YNode, what: str, lengths: tuple[int, ...], minimum: int) -> tuple[int, ...]:
    """An int (returned as a 1-tuple) or a list whose length is one of ``lengths``."""
    if isinstance(node, YSeq):
        if len(node.items) not in lengths:
            forms = " or ".join(str(n) for n in lengths)
            raise SpecError(
                f"{what} must be an integer or a list of {forms} integers,"
                f" got a list of {len(node.items)}",
                node.pos,
                code="E110",
            )
        return tuple(as_int(x, what, minimum=minimum) for x in node.items)
    return (as_int(node, what, minimum=minimum),)


def as_pair(node: YNode, what: str, minimum: int = 1) -> tuple[int, int]:
    """``k`` or ``[h, w]``."""
    v = as_int_list(node, what, (2,), minimum)
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def parse_shape_text(text: str) -> tuple[int, ...] | None:
    if not _SHAPE.fullmatch(text):
        return None
    return tuple(int(p) for p in re.split(r"\s*[xX×]\s*", text.strip()))


def as_shape(node: YNode, what: str) -> Shape:
    """``32x32x1``, ``[32, 32, 1]`` (H x W x C) or a vector length ``[100]`` / ``100``."""
    if isinstance(node, YSeq):
        dims = tuple(as_int(x, what, minimum=1) for x in node.items)
    elif isinstance(node, YScalar) and node.plain and parse_shape_text(node.value):
        dims = parse_shape_text(node.value) or ()
    else:
        raise SpecError(
            f"{what} must be a shape like 32x32x3 or [32, 32, 3], got {describe(node)}",
            node.pos,
            code="E112",
        )
    if len(dims) not in (1, 3):
        raise SpecError(
            f"{what} must have 3 dimensions (H x W x C) or 1 (a vector), got {len(dims)}",
            node.pos,
            code="E112",
        )
    if any(d < 1 for d in dims) or any(d > MAX_INT for d in dims):
        raise SpecError(f"{what} dimensions must be positive and sane, got {dims}", node.pos, code="E112")
    return Shape(dims)


def parse_claim(text: str) -> tuple[Decimal, Decimal] | None:
    """A claimed count as (value, tolerance): '120,422,400' exact, '120.4M' to +-0.05M."""
    m = _SHORT.fullmatch(text)
    if not m:
        return None
    digits, unit = m.group(1).replace(",", "").replace("_", ""), m.group(2)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    scale = _UNITS[unit]
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    exact = unit == "" and decimals == 0
    tol = Decimal(0) if exact else Decimal(5) * Decimal(10) ** (-decimals - 1) * scale
    return value * scale, tol
