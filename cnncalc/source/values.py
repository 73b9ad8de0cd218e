"""Interpret positioned YAML scalars as typed values, strictly and in context.

Only YAML 1.2 core forms are accepted: ``true``/``false`` for booleans and
plain decimal integers.  The YAML 1.1 forms PyYAML would silently coerce
(``yes``/``on``, ``010`` as octal, ``1_000``, ``0x10``) are errors with a fix.
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, Inexact, InvalidOperation, Overflow

from cnncalc.errors import SpecError, clip
from cnncalc.shapes import Shape
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq

# Larger sizes make no network: a value above this is a typo or an attack, and
# refusing it keeps every product of sizes a printable exact integer.
MAX_INT = 10**12
_MAX_DIGITS = 30  # longer digit strings are refused before int() ever sees them

_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_YAML11_BOOL = {"yes", "no", "on", "off", "y", "n"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_SHAPE = re.compile(r"\s*[0-9]+(\s*[xX×]\s*[0-9]+)*\s*")  # ASCII digits only
_FLOAT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+")
# A count or a size: 120.4M, 4.5G, 24GiB (binary: 2^30), 8GB (decimal, B for bytes).
_SHORT = re.compile(r"\s*([0-9][0-9,_]*(?:\.[0-9]+)?)\s*([kKMGTP]?)(i?)B?\s*")
_UNITS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15}
_BINARY = {"k": 2**10, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40, "P": 2**50}


def describe(node: YNode) -> str:
    """How a node reads in a message: 'a list', "'abc'", "the string '010'"."""
    if isinstance(node, YSeq):
        return "a list"
    if isinstance(node, YMap):
        return "a mapping"
    return f"'{clip(node.value)}'" if node.plain else f"the string '{clip(node.value)}'"


def as_int(node: YNode, what: str, *, minimum: int | None = None) -> int:
    """A decimal integer, optionally bounded below (e.g. ``minimum=1``)."""
    if not isinstance(node, YScalar):
        raise SpecError(f"{what} must be an integer, got {describe(node)}", node.pos, code="E110")
    text = node.value.strip()
    shown = clip(text)
    if not node.plain:
        # '! 16' and '!!str 16' are strings because of their tag, not of quotes
        why = f"the '{node.tag}' tag makes it text: remove the tag" if node.tag and node.tag != "!!int" else "remove the quotes"
        raise SpecError(f"{what} must be an integer, got the string '{shown}'", node.pos, hint=why, code="E110")
    if not _INT.fullmatch(text):
        if computed_decimal(node):
            raise not_whole(node, what)
        hint = None
        digits = text.lstrip("+-")
        if re.fullmatch(r"0[0-9]+", digits):
            plain = digits.lstrip("0")
            hint = f"YAML 1.1 reads {shown} as an octal number; write {clip(plain)} if you mean decimal"
        elif re.fullmatch(r"[0-9]+\.0*", digits):
            hint = f"write {clip(text.split('.')[0])}"
        elif re.fullmatch(r"[0-9.]+[eE][+-]?[0-9]+", digits):
            hint = "exponent notation is a float; write the integer out"
        elif re.fullmatch(r"[0-9]+(_[0-9]+)+", digits):
            hint = f"write {clip(text.replace('_', ''))} without underscores (YAML 1.1 digit grouping)"
        elif re.fullmatch(r"0[xXoObB][0-9a-fA-F_]+", digits):
            hint = "write the number in decimal"
        elif re.fullmatch(r"[0-9]+(:[0-5]?[0-9])+", digits):
            hint = "YAML 1.1 reads this as a base-60 number; write the integer out"
        raise SpecError(f"{what} must be an integer, got '{shown}'", node.pos, hint=hint, code="E110")
    if len(text) > _MAX_DIGITS or abs(int(text)) > MAX_INT:
        raise SpecError(f"{what} = {shown} is absurdly large (limit {MAX_INT:,})", node.pos, code="E111")
    value = int(text)
    if minimum is not None and value < minimum:
        need = "positive" if minimum == 1 else f"at least {minimum}"
        raise SpecError(f"{what} must be {need}, got {value}", node.pos, code="E111")
    return value


def computed_decimal(node: YScalar) -> bool:
    """Whether ``node`` is a decimal that a ``${...}`` expression computed."""
    return bool(node.origin) and _DECIMAL.fullmatch(node.value.strip()) is not None


def not_whole(node: YScalar, what: str) -> SpecError:
    """E143: a decimal from an expression where an integer is needed, with the ways to round it."""
    origin = node.origin
    inner = origin[2:-1].strip() if origin.startswith("${") and origin.endswith("}") else None
    hint = ("wrap it in round(), int(), floor(), ceil() or make_divisible(v, 8): e.g."
            f" ${{round({clip(inner, 40)})}}" if inner else "wrap each ${...} in round() or int()")
    if inner and re.search(r"(?<!/)/(?!/)", inner):  # true division makes a decimal, as in Python
        hint = f"'/' gives a decimal, as in Python; '//' an integer: ${{{clip(re.sub('(?<!/)/(?!/)', '//', inner), 40)}}}"
    return SpecError(f"{what} must be an integer; '{clip(origin, 60)}' gives {clip(node.value.strip())}",
                     node.pos, hint=hint, code="E143")


def as_float(node: YNode, what: str, lo: float, hi: float) -> float:
    """A real number in [lo, hi] (used only for arguments that never enter a count)."""
    if isinstance(node, YScalar) and node.plain and _FLOAT.fullmatch(node.value.strip()):
        value = float(node.value)  # may be inf for 1e400: refused by the range check
        if lo <= value <= hi:
            return value
        raise SpecError(f"{what} must lie in [{lo:g}, {hi:g}], got {clip(node.value.strip())}", node.pos, code="E111")
    raise SpecError(f"{what} must be a number, got {describe(node)}", node.pos, code="E110")


def as_bool(node: YNode, what: str) -> bool:
    if isinstance(node, YScalar) and node.plain:
        if node.value in _TRUE:
            return True
        if node.value in _FALSE:
            return False
        if node.value.lower() in _YAML11_BOOL:
            hint = "write true or false (YAML 1.1 reads yes/no/on/off as booleans, 1.2 does not)"
            raise SpecError(f"{what} must be true or false, got '{clip(node.value)}'", node.pos, hint=hint, code="E110")
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
                f"{what} must be an integer or a list of {forms} integers, got a list of {len(node.items)}",
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
    """``32x32x3`` -> (32, 32, 3); ``None`` if it is not that form.  A dimension
    too long to be sane becomes MAX_INT + 1, so the caller refuses it by size."""
    if not _SHAPE.fullmatch(text):
        return None
    parts = re.split(r"\s*[xX×]\s*", text.strip())
    return tuple(int(p) if len(p) <= _MAX_DIGITS else MAX_INT + 1 for p in parts)


def as_shape(node: YNode, what: str) -> Shape:
    """``32x32x1``, ``[32, 32, 1]`` (H x W x C) or a vector length ``[100]`` / ``100``."""
    if isinstance(node, YSeq):
        dims = tuple(as_int(x, what, minimum=1) for x in node.items)
    elif isinstance(node, YScalar) and parse_shape_text(node.value):  # "5x5x3" quoted is the same text
        dims = parse_shape_text(node.value) or ()
    else:
        if isinstance(node, YScalar) and node.origin and re.search(r"[0-9]\.[0-9]|[0-9]e", node.value):
            raise SpecError(f"{what} must be a shape of integers; '{clip(node.origin, 60)}' gives"
                            f" {clip(node.value)}", node.pos, hint="wrap each ${...} in round() or int()", code="E143")
        numbers = re.findall(r"[0-9]+", node.value) if isinstance(node, YScalar) else []
        hint = f"write it as {'x'.join(numbers)}" if len(numbers) in (1, 3) else None
        raise SpecError(
            f"{what} must be a shape like 32x32x3 or [32, 32, 3], got {describe(node)}",
            node.pos,
            hint=hint,
            code="E112",
        )
    if len(dims) not in (1, 3):
        raise SpecError(
            f"{what} must have 3 dimensions (H x W x C) or 1 (a vector), got {len(dims)}",
            node.pos,
            hint=_dims_hint(dims),
            code="E112",
        )
    if any(d < 1 for d in dims):
        raise SpecError(f"{what} dimensions must be positive, got {describe(node)}", node.pos, code="E112")
    if any(d > MAX_INT for d in dims):
        raise SpecError(f"{what} has an absurdly large dimension (limit {MAX_INT:,})", node.pos, code="E111")
    return Shape(dims)


def _dims_hint(dims: tuple[int, ...]) -> str | None:
    """What a 2- or 4-dimensional input most likely meant."""
    if len(dims) == 2:  # Keras reads (a, b) as a positions of b features: Dense acts on the b
        a, b = dims
        return (f"an image needs its channels too: {a}x{b}x1 for one channel; or, as Keras reads ({a}, {b}),"
                f" {a} positions of {b} features (what Dense acts on): {a}x1x{b}")
    if len(dims) == 4:  # a batch axis first: N x C x H x W (PyTorch) or N x H x W x C (Keras)
        _, a, b, c = dims
        hwc = (b, c, a) if a < b and a < c else (a, b, c)
        return f"the batch size is not part of the input: {'x'.join(map(str, hwc))} (H x W x C) per sample"
    return None


# Claims are compared exactly: this context holds every claim a count can be (at most
# MAX_CLAIM_DIGITS digits, times at most 10^15, plus or minus half a unit) without rounding.
MAX_CLAIM_DIGITS = 40
EXACT = Context(prec=3 * MAX_CLAIM_DIGITS, traps=[InvalidOperation, Inexact, Overflow])


def parse_claim(text: str) -> tuple[Decimal, Decimal] | None:
    """A claimed count as (value, tolerance): '120,422,400' exact, '120.4M' to +-0.05M.
    ``None`` if it is not that form, or has more than MAX_CLAIM_DIGITS digits."""
    m = _SHORT.fullmatch(text)
    if not m:
        return None
    digits, unit = m.group(1).replace(",", "").replace("_", ""), m.group(2)
    if len(digits) > MAX_CLAIM_DIGITS:  # no count is that long; Decimal would overflow on 10^6
        return None
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    if m.group(3) and not unit:
        return None  # "i" alone is no unit
    scale = _BINARY[unit] if m.group(3) else _UNITS[unit]
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    exact = unit == "" and decimals == 0
    tol = Decimal(0) if exact else EXACT.multiply(EXACT.scaleb(Decimal(5), -decimals - 1), scale)
    return EXACT.multiply(value, scale), tol
