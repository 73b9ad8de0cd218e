"""Text pieces every renderer shares: numbers as people read them, and user text made safe.

User text (names, kinds, block instances) is data: :func:`safe` writes control and bidi
characters as visible escapes, :func:`md` also escapes what Markdown would act on.  Nothing here
parses or emits markup; the terminal renderer builds rich ``Text`` objects from plain strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cnncalc.errors import shown, visible
from cnncalc.shapes import Shape

if TYPE_CHECKING:
    from fractions import Fraction

UNITS = ((10**15, "P"), (10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))
MAX_JOINED = 4  # a merge of more inputs shows their count, not every shape (a cell stays bounded)
QUOTE_WIDTH = 60  # a name quoted inside a message is clipped to this many characters


def short(n: int) -> str:
    """120422400 -> '120.4M': one decimal, rounded half up; exact below 1,000."""
    if abs(n) < 1000:
        return str(n)
    sign = "-" if n < 0 else ""
    # largest unit not above |n|; step up when rounding reaches 1000.0 of it
    i = next(i for i, (scale, _) in enumerate(UNITS) if abs(n) >= scale)
    tenths = (abs(n) * 10 + UNITS[i][0] // 2) // UNITS[i][0]
    if tenths >= 10000 and i > 0:
        i -= 1
        tenths = (abs(n) * 10 + UNITS[i][0] // 2) // UNITS[i][0]
    return f"{sign}{tenths // 10}.{tenths % 10}{UNITS[i][1]}"


def both(n: int) -> str:
    """'117,600 (117.6K)': the exact count, then its short form (from 1,000 on)."""
    return f"{n:,}" if abs(n) < 1000 else f"{n:,} ({short(n)})"


def suffix(n: int) -> str:
    """The humanised part of :func:`both` alone: ' (117.6K)', or '' below 1,000."""
    return "" if abs(n) < 1000 else f" ({short(n)})"


def frac(f: Fraction | None) -> str:
    """An exact fraction: 3, 0.5, -1.5 or 2/3 ("?" when not tracked)."""
    if f is None:
        return "?"
    if f.denominator == 1:
        return str(f.numerator)
    return f"{float(f):g}" if 10**6 % f.denominator == 0 else f"{f.numerator}/{f.denominator}"


def frac_json(f: Fraction | None) -> int | float | str | None:
    """An int, a float when exact in binary (halves, quarters), else "n/d" (null when not tracked)."""
    if f is None:
        return None
    if f.denominator == 1:
        return f.numerator
    if f.denominator & (f.denominator - 1) == 0:
        return f.numerator / f.denominator
    return f"{f.numerator}/{f.denominator}"


def shape_list(s: Shape) -> list[int]:
    return list(s.dims)


def inputs_text(shapes: Sequence[Shape]) -> str:
    """A layer's inputs for a table cell: '28x28x64 + 28x28x32', or '4000 inputs' for a wide merge."""
    if len(shapes) <= MAX_JOINED:
        return " + ".join(str(s) for s in shapes)
    return f"{len(shapes):,} inputs"


def safe(text: str) -> str:
    """User text for a table, CSV or plain message: control and bidi characters made visible."""
    return visible(text)


def quoted(text: str) -> str:
    """User text quoted inside a message: clipped to :data:`QUOTE_WIDTH`, controls made visible."""
    return shown(text, QUOTE_WIDTH)


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|~&"})


def md(text: str) -> str:
    """User text inside Markdown: nothing in it can open a link, emphasis, HTML or a table cell."""
    return visible(text).translate(_MD_SPECIAL)
