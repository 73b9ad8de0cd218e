"""Aligned text tables that never cut a number.

A :class:`Grid` is what a table shows: a title, columns, rows of cells, footer lines.
:func:`fit` chooses how to lay it out in a width (a terminal's) and :func:`styled_lines`
draws it as lines of ``(text, style)`` spans: the same characters whether they go to a pipe
(joined with :func:`plain`) or to a terminal (where ``render.terminal`` only adds the styles).

When the table is too wide, in this order: the humanised suffixes of numbers go
(``117,600 (117.6K)`` -> ``117,600``), the column gaps narrow, long names and kinds wrap, the
input column goes (a layer's input is the output on the line above), they wrap harder, and only
then the share column goes; if even that does not fit, the plain layout is printed and the
terminal wraps its lines.  A number is never shortened, and no cell is ever blank because
of the width.  Without a width (a pipe) names wrap at :data:`LABEL_WIDTH` columns, so a
pathological name costs its own length, not its length times the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import NamedTuple

from cnncalc.errors import display_width as _wide_width
from cnncalc.records import record

Span = tuple[str, str]  # (text, style); style "" is none
StyledLine = tuple[Span, ...]

LABEL_WIDTH = 48  # widest name column before names wrap (pipes too)
INDENT = 2


def display_width(text: str) -> int:
    """Terminal columns of ``text`` (ASCII, nearly every cell, without looking at each character)."""
    return len(text) if text.isascii() else _wide_width(text)


class Role(Enum):
    """How a column may give way when space is short."""

    TEXT = "text"  # kept whole (shapes, marks)
    LABEL = "label"  # names and kinds: wrap onto continuation lines
    NUMBER = "number"  # never cut; its cells' humanised suffix may go
    CONTEXT = "context"  # repeats what is shown elsewhere (a layer's input is the output above): may go
    SHARE = "share"  # a percentage column: the last to go


@record(frozen=True, slots=True)
class Column:
    """One table column: its header, alignment, and what it may give up when space is short."""

    name: str
    right: bool = False
    role: Role = Role.TEXT


class Cell(NamedTuple):
    """One cell: its text, an optional suffix that may be dropped (' (117.6K)'), a style.
    (A tuple: a big table builds hundreds of thousands of them.)"""

    text: str
    extra: str = ""
    style: str = ""


@record(frozen=True, slots=True)
class Grid:
    """A table before layout: title, columns, rows of cells and the lines below it."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[str, ...] = ()


@record(frozen=True, slots=True)
class Layout:
    """Which columns show, how wide, with or without suffixes, and the gap between columns."""

    keep: tuple[int, ...]
    widths: tuple[int, ...]
    extra: bool
    gap: int

    @property
    def span(self) -> int:
        """Columns the widest line takes: the rule under the header."""
        return 1 + sum(self.widths) + self.gap * len(self.widths)


def _natural(grid: Grid, i: int, extra: bool) -> int:
    texts = [row[i].text + row[i].extra for row in grid.rows] if extra else [row[i].text for row in grid.rows]
    return max([display_width(grid.columns[i].name), *(len(t) if t.isascii() else display_width(t) for t in texts)])


def _layout(grid: Grid, extra: bool, drop: frozenset[Role], gap: int) -> Layout:
    keep = tuple(i for i, c in enumerate(grid.columns) if c.role not in drop)
    widths = []
    for i in keep:
        w = _natural(grid, i, extra)
        widths.append(min(w, LABEL_WIDTH) if grid.columns[i].role is Role.LABEL else w)
    return Layout(keep, tuple(widths), extra, gap)


def _squeeze(grid: Grid, lay: Layout, width: int, floor: int) -> Layout:
    """Narrow the name and kind columns, always the widest of them by one, none below ``floor``,
    until ``lay`` fits ``width`` (or they are all at ``floor``)."""
    excess = lay.span - width
    widths = list(lay.widths)
    labels = [j for j, i in enumerate(lay.keep) if grid.columns[i].role is Role.LABEL]
    while excess > 0 and labels:
        j = max(labels, key=lambda j: widths[j])
        if widths[j] <= floor:
            break
        widths[j] -= 1
        excess -= 1
    return Layout(lay.keep, tuple(widths), lay.extra, lay.gap)


_NONE: frozenset[Role] = frozenset()
_CONTEXT = frozenset({Role.CONTEXT})
_BOTH = frozenset({Role.CONTEXT, Role.SHARE})
# (keep suffixes, columns dropped, gap, narrowest name or kind when wrapping, or None)
_STEPS = ((False, _NONE, 3, None), (False, _NONE, 2, None), (False, _NONE, 2, 12), (False, _CONTEXT, 2, 12),
          (False, _CONTEXT, 2, 8), (False, _BOTH, 2, 8), (False, _BOTH, 2, 4))


def fit(grid: Grid, width: int | None = None) -> Layout:
    """The plain layout when it fits ``width`` (or there is none), else the first of
    :data:`_STEPS` that fits; the plain layout again when none does."""
    plain = _layout(grid, True, _NONE, 3)
    if width is None or plain.span <= width:
        return plain
    for extra, drop, gap, floor in _STEPS:
        lay = _layout(grid, extra, drop, gap)
        if floor is not None:
            lay = _squeeze(grid, lay, width, floor)
        if lay.span <= width:
            return lay
    return plain


def fold(text: str, width: int) -> list[str]:
    """``text`` cut into pieces of at most ``width`` terminal columns (at least one character each);
    continuation pieces keep the text's indentation (a nested name stays under its block) while
    that leaves room for half the width."""
    if display_width(text) <= width:
        return [text]
    body = text.lstrip(" ")
    indent = len(text) - len(body)
    if body.startswith("▸ "):
        indent += 2
    indent = indent if indent <= width // 2 and indent + 2 <= width else 0
    out, piece, used, fresh = [], "", 0, True  # fresh: no character of the text in this piece yet
    for ch in text:
        w = display_width(ch)
        if not fresh and used + w > width:
            out.append(piece)
            piece, used, fresh = " " * indent, indent, True
        piece += ch
        used += w
        fresh = False
    return out if fresh else [*out, piece]


def _cells(grid: Grid, lay: Layout, row: Sequence[Cell]) -> list[list[list[Span]]]:
    """Per shown column, the cell's physical lines as spans (names may take several)."""
    out = []
    for i, w in zip(lay.keep, lay.widths, strict=True):
        cell, col = row[i], grid.columns[i]
        if col.role is Role.LABEL:
            out.append([[(piece, cell.style)] for piece in fold(cell.text, w)])
            continue
        spans = [(cell.text, cell.style)]
        if lay.extra and cell.extra:
            spans.append((cell.extra, "dim"))
        out.append([spans])
    return out


def _line(rights: Sequence[bool], lay: Layout, parts: Iterable[list[Span]]) -> StyledLine:
    """One physical line: the cells padded to their columns' widths, no trailing blanks.
    (``rights``: whether each shown column is right-aligned.)"""
    spans: list[Span] = []
    blank = INDENT  # blanks owed before the next text
    gap = 0
    for cell, right, w in zip(parts, rights, lay.widths, strict=True):
        blank += gap
        gap = lay.gap
        if len(cell) == 1:  # the common case: one span
            text = cell[0][0]
            room = max(w - display_width(text), 0) if text else w
            if text:
                spans.append((" " * (blank + room * right), ""))
                spans.append(cell[0])
                blank = 0 if right else room
            else:
                blank += room
            continue
        cell = [s for s in cell if s[0]]
        room = max(w - sum(display_width(t) for t, _ in cell), 0)
        if cell:
            spans.append((" " * (blank + room * right), ""))
            spans += cell
            blank = 0
        blank += room * (not right or not cell)
    return tuple(spans)


def styled_lines(grid: Grid, lay: Layout) -> list[StyledLine]:
    """The whole table: title, header, rule, rows (wrapped names on continuation lines), footer."""
    header = [[(grid.columns[i].name, "bold")] for i in lay.keep]
    rights = [grid.columns[i].right for i in lay.keep]
    out: list[StyledLine] = [((grid.title, "bold"),), (), _line(rights, lay, header),
                             ((" " + "─" * (lay.span - 1), "dim"),)]
    for row in grid.rows:
        cells = _cells(grid, lay, row)
        if all(len(c) == 1 for c in cells):
            out.append(_line(rights, lay, [c[0] for c in cells]))
            continue
        for k in range(max(len(c) for c in cells)):
            out.append(_line(rights, lay, (c[k] if k < len(c) else [] for c in cells)))
    if grid.footer:
        out.append(())
        out += [((line, ""),) for line in grid.footer]
    return out


def plain(lines: Iterable[StyledLine]) -> str:
    """The lines as text, each ending in a newline."""
    return "".join("".join(t for t, _ in line) + "\n" for line in lines)


def plain_text(grid: Grid, lay: Layout) -> str:
    """``plain(styled_lines(grid, lay))``, the same characters, built as text: a row whose cells
    each take one line (nearly every row) is one join, without spans."""
    shell = styled_lines(Grid(grid.title, grid.columns, (), grid.footer), lay)  # title, header, rule; footer
    rights = [grid.columns[i].right for i in lay.keep]
    cols = [(i, w, r, grid.columns[i].role is Role.LABEL) for i, w, r in zip(lay.keep, lay.widths, rights, strict=True)]
    out = [plain(shell[:4])]
    for row in grid.rows:
        line = _plain_row(row, cols, lay)
        if line is None:  # a name that wraps: the general way
            cells = _cells(grid, lay, row)
            line = plain(_line(rights, lay, (c[k] if k < len(c) else [] for c in cells))
                         for k in range(max(len(c) for c in cells)))
        out.append(line)
    out.append(plain(shell[4:]))
    return "".join(out)


def _plain_row(row: Sequence[Cell], cols: list[tuple[int, int, bool, bool]], lay: Layout) -> str | None:
    """One row as :func:`_line` lays it out, or None if a name or kind would wrap."""
    pieces = []
    blank, gap = INDENT, 0
    for i, w, right, label in cols:
        blank += gap
        gap = lay.gap
        cell = row[i]
        text = cell.text
        if not label and lay.extra and cell.extra:
            text += cell.extra
        width = len(text) if text.isascii() else display_width(text)  # (display_width, inlined)
        if label and width > w:
            return None
        if text:
            room = max(w - width, 0)
            pieces.append(" " * (blank + room * right))
            pieces.append(text)
            blank = 0 if right else room
        else:
            blank += w
    pieces.append("\n")
    return "".join(pieces)


def render(grid: Grid, width: int | None = None) -> str:
    """``grid`` as plain text laid out for ``width`` columns (``None``: a pipe, no limit)."""
    return plain_text(grid, fit(grid, width))
