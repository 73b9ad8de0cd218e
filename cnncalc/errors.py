"""Source positions and the error hierarchy.

Every user-facing problem is a :class:`CnnCalcError` carrying a 1-based
``file:line:col``.  Errors found late (shape errors inside an expanded block)
also carry a ``trace``: the positions of the block uses that led there, so a
message can point both at the line inside the block and at the use.
Bugs are not user errors: they stay assertions and ordinary exceptions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from cnncalc.records import record

# Line breaks as YAML 1.2 and editors count them (yamltree refuses NEL, U+2028, U+2029).
LINE_BREAK = re.compile("\r\n|[\n\r]")
# What a terminal would act on, or what would reorder, break or hide text: C0 and C1 controls,
# DEL, the bidirectional marks, overrides and isolates ("Trojan Source"), and the Unicode line
# and paragraph separators (U+2028, U+2029: a line break to editors and log viewers).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@record(frozen=True, slots=True)
class SourcePos:
    """A 1-based position in a source text (``file`` is a display name)."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


def clip(text: str, width: int = 40) -> str:
    """``text`` shortened for a message (a pasted 5000-digit number stays readable)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control or bidi character written as an escape (ESC as ``\\x1b``):
    user text printed to a terminal can never move the cursor, set a title or hide itself."""
    return _UNSAFE.sub(_escape, text)


def shown(text: str, width: int = 40) -> str:
    """User text as a message quotes it: clipped to ``width`` characters, controls made visible."""
    return visible(clip(text, width))


def display_width(text: str) -> int:
    """Terminal columns of ``text``: wide East Asian characters take two, combining marks none."""
    import unicodedata

    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def did_you_mean(word: str, options: list[str]) -> str | None:
    import difflib  # only when a message suggests something

    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean '{clip(close[0])}'?" if close else None


class CnnCalcError(Exception):
    """Root of every error a user can cause.  ``code`` is stable and documented."""

    code = "E000"

    def __init__(
        self,
        message: str,
        pos: SourcePos | None = None,
        *,
        hint: str | None = None,
        trace: tuple[SourcePos, ...] = (),
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.hint = hint
        self.trace = trace
        if code is not None:
            self.code = code

    def at(self, pos: SourcePos | None, trace: tuple[SourcePos, ...] = ()) -> CnnCalcError:
        """Attach a position if the error has none yet (used for late errors)."""
        if self.pos is None:
            self.pos = pos
        if not self.trace:
            self.trace = trace
        return self

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        return f"{where}{self.message}"


class SpecError(CnnCalcError):
    """The YAML text or the spec structure is wrong (syntax, kinds, keys, values)."""

    code = "E100"


class LimitError(SpecError):
    """A resource limit (size, depth, layer count, expression size) was exceeded."""

    code = "E150"


class GraphError(CnnCalcError):
    """Names, references, blocks and merges do not fit together."""

    code = "E200"


class ShapeError(CnnCalcError):
    """A layer cannot be applied to the shape it receives."""

    code = "E300"


class ErrorGroup(CnnCalcError):
    """Several errors found in one run (all spec errors of a file are reported)."""

    code = "E001"

    def __init__(self, errors: Iterable[CnnCalcError]) -> None:
        self.errors = list(errors)
        assert self.errors, "ErrorGroup needs at least one error"
        super().__init__(f"{len(self.errors)} errors", self.errors[0].pos)


def flatten(err: CnnCalcError) -> list[CnnCalcError]:
    """The individual errors inside ``err`` (itself, unless it is a group)."""
    if isinstance(err, ErrorGroup):
        return [e for sub in err.errors for e in flatten(sub)]
    return [err]


# Distinct errors reported in one run (as clang's -ferror-limit): past a screenful they
# are noise, and 40,000 of them (one spec line can hold that many) took minutes to print.
MAX_ERRORS = 20


def raise_all(errors: list[CnnCalcError]) -> None:
    """Raise the collected errors: nothing, the single one, or a group of at most
    MAX_ERRORS, then one E157 saying that the rest were not reported."""
    flat = [e for err in errors for e in flatten(err)]
    if len(flat) > MAX_ERRORS:
        stop = LimitError(f"stopped after {MAX_ERRORS} errors; fix these first", flat[MAX_ERRORS].pos, code="E157")
        flat = [*flat[:MAX_ERRORS], stop]
    if len(flat) == 1:
        raise flat[0]
    if flat:
        raise ErrorGroup(flat)


_WIDTH = 120  # longest source excerpt shown; longer lines are cut around the caret
_TRACE = 5  # block uses shown in full; a longer chain keeps its two ends


def _excerpt(pos: SourcePos, sources: Mapping[str, str], split: dict[str, list[str]]) -> list[str]:
    lines = split.get(pos.file)
    if lines is None:  # each source is split once per message, not once per error
        text = sources.get(pos.file)
        if text is None:
            return []
        lines = split[pos.file] = LINE_BREAK.split(text)
    if not 1 <= pos.line <= len(lines) or (pos.line == len(lines) and not lines[-1]):
        return []
    # One character per column, none that a terminal would act on (a spec may hold ESC).
    src = _UNSAFE.sub("\ufffd", lines[pos.line - 1].replace("\t", " "))
    col = min(max(pos.col, 1), len(src) + 1)
    if len(src) > _WIDTH:  # a minified or generated line: show the part around the caret
        start = max(0, min(col - 1 - _WIDTH // 2, len(src) - _WIDTH))
        cut = src[start : start + _WIDTH]
        src = ("…" if start else "") + cut + ("…" if start + _WIDTH < len(src) else "")
        col = col - start + (1 if start else 0)
    gutter = f"{pos.line:>4} | "
    return [gutter + src, " " * (len(gutter) - 2) + "| " + " " * display_width(src[: col - 1]) + "^"]


def format_error(err: CnnCalcError, sources: Mapping[str, str]) -> str:
    """``file:line:col: error[CODE]: message``, the source line, a caret, notes."""
    out: list[str] = []
    split: dict[str, list[str]] = {}
    for e in flatten(err):
        where = f"{visible(str(e.pos))}: " if e.pos else ""
        out.append(f"{where}error[{e.code}]: {visible(e.message)}")
        if e.pos:
            out.extend(_excerpt(e.pos, sources, split))
        trace: list[SourcePos | None] = list(e.trace)
        skipped = len(trace) - _TRACE
        if skipped > 0:  # outermost uses first, the innermost (nearest the error) last
            trace = [*trace[:2], None, *trace[-(_TRACE - 2) :]]
        for use in trace:
            if use is None:
                out.append(f"  ... {skipped} more block uses")
                continue
            out.append(f"{visible(str(use))}: note: in the block used here")
            out.extend(_excerpt(use, sources, split))
        if e.hint:
            out.append(f"  hint: {visible(e.hint)}")
    return "\n".join(out)
