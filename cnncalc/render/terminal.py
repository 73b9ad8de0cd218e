"""Styled lines -> terminal text with colours, through rich.

The only place in ``render`` that imports rich, and only when standard output is a terminal.
Lines become ``rich.text.Text`` objects built from plain strings and style names: no markup is
ever parsed, so a layer named ``[link=file:///etc/passwd]x[/link]`` or ``[/bold]`` is printed as
those characters.  The layout (widths, wrapping) is decided before, by ``render.layout``;
rich only adds the colours the console supports (none under ``NO_COLOR``).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.text import Text

from cnncalc.render.layout import StyledLine


def to_text(lines: Iterable[StyledLine]) -> Text:
    """One rich ``Text`` for all the lines (styles by name; user text never read as markup)."""
    out = Text(no_wrap=True, overflow="ignore", end="")
    for line in lines:
        for text, style in line:
            out.append(text, style or None)
        out.append("\n")
    return out


def ansi(lines: Iterable[StyledLine], console: Console) -> str:
    """The lines as the console would print them (colour codes included), for the caller to write.
    Soft wrap: rich neither wraps nor crops; a line too long for the terminal is the terminal's to wrap."""
    with console.capture() as captured:
        console.print(to_text(lines), soft_wrap=True, markup=False, highlight=False, emoji=False)
    return captured.get()
