"""``${...}`` inside YAML flow collections: swapped out before parsing, back after.

In ``{filters: ${4 * growth}}`` the braces of the expression would end the flow
mapping.  Before parsing, each ``${...}`` is swapped for a placeholder of the same
length (so every line and column stays right) and swapped back in the parsed
scalars afterwards.

A placeholder is made of characters the text does not contain: a marker, a code
(the expression's index) and padding, all drawn from Unicode's private-use areas
and checked absent from this very text.  So no text a user wrote can ever be
mistaken for a placeholder (``"$Q0QQ"`` was renamed when ``${1}`` appeared
elsewhere), and a placeholder's extent is exactly its run of reserved characters,
whatever follows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cnncalc.records import record
from cnncalc.source.yamltree import YMap, YNode, YScalar, walk

_EXPR = re.compile(r"\$\{[^{}\n]*\}")
_BASE = 64  # code digits: ``${}`` (3 characters) has room for 64 * 64 placeholders


def _private() -> Iterator[str]:
    """Private-use characters, BMP first: YAML reads them as ordinary printable text."""
    for lo, hi in ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)):
        for cp in range(lo, hi + 1):
            yield chr(cp)


@record(frozen=True, slots=True)
class Placeholders:
    """What :func:`protect` swapped: placeholder -> the ``${...}`` text it stands for."""

    table: dict[str, str]
    pattern: re.Pattern[str] | None = None

    def text(self, value: str) -> str:
        """``value`` with every placeholder in it swapped back."""
        if self.pattern is None or not self.table:
            return value
        return self.pattern.sub(lambda m: self.table.get(m.group(0), m.group(0)), value)


def protect(text: str) -> tuple[str, Placeholders]:
    """Swap every ``${...}`` for a same-length placeholder; returns the text and the table."""
    if "${" not in text:
        return text, Placeholders({})
    present = set(text)
    free = (c for c in _private() if c not in present)
    reserved = [c for _, c in zip(range(_BASE + 2), free, strict=False)]
    if len(reserved) < _BASE + 2:  # a text holding nearly every private-use character
        return text, Placeholders({})
    marker, pad, digits = reserved[0], reserved[1], reserved[2:]
    table: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        i, code = len(table), ""
        while True:
            i, r = divmod(i, _BASE)
            code = digits[r] + code
            if i == 0:
                break
        length = len(m.group(0))
        if 1 + len(code) > length:  # too many tiny expressions: leave this one as written
            return m.group(0)
        ph = marker + code + pad * (length - 1 - len(code))
        table[ph] = m.group(0)
        return ph

    protected = _EXPR.sub(swap, text)
    pattern = re.compile(re.escape(marker) + "[" + "".join(map(re.escape, digits)) + "]+" + re.escape(pad) + "*")
    return protected, Placeholders(table, pattern)


def restore(root: YNode | None, placeholders: Placeholders) -> None:
    """Put the original ``${...}`` text back into the parsed scalars, in place."""
    if not placeholders.table or root is None:
        return
    for node in walk(root):
        if isinstance(node, YScalar):
            node.value = placeholders.text(node.value)
        elif isinstance(node, YMap):
            for k, _ in node.pairs:
                k.value = placeholders.text(k.value)
            node._index = {k.value: i for i, (k, _) in enumerate(node.pairs)}
