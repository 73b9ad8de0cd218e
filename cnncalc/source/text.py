"""Checks on spec text before and after YAML reads it: characters, line breaks, positions.

Positions are 1-based lines and columns as editors count them: YAML 1.2's line breaks
(``\\n``, ``\\r\\n``, ``\\r``); the YAML 1.1 breaks PyYAML also honours are refused.
"""

from __future__ import annotations

import re

import yaml

from cnncalc.errors import LINE_BREAK, SourcePos, SpecError

# Characters the YAML reader refuses (YAML 1.1 "printable" set, as PyYAML's
# reader).  Checked up front so the message can point at the exact character.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Line breaks as YAML 1.2 and editors count them.  NEL, U+2028 and U+2029 are breaks
# to PyYAML (YAML 1.1) only: they would end a comment early and shift every position
# after them, so they are refused, with their position.
_BREAK = LINE_BREAK
_YAML11_BREAK = re.compile("[\x85\u2028\u2029]")


def mark_pos(file: str, mark: yaml.Mark | None) -> SourcePos:
    """A PyYAML mark as a 1-based position."""
    if mark is None:
        return SourcePos(file, 1, 1)
    return SourcePos(file, mark.line + 1, mark.column + 1)


def offset_pos(text: str, offset: int, file: str) -> SourcePos:
    """The 1-based line and column of character ``offset`` (YAML's line breaks)."""
    line, start = 1, 0
    for m in _BREAK.finditer(text, 0, offset):
        line, start = line + 1, m.end()
    return SourcePos(file, line, offset - start + 1)


def check_characters(text: str, file: str) -> None:
    m = _NON_PRINTABLE.search(text)
    if m is None:
        m = _YAML11_BREAK.search(text)
        if m is None:
            return
        name = {"\x85": "NEL (U+0085)", "\u2028": "LINE SEPARATOR (U+2028)"}.get(m.group(0), "PARAGRAPH SEPARATOR (U+2029)")
        raise SpecError(
            f"invalid YAML: {name} is a line break to YAML 1.1 but not to YAML 1.2 or to editors;"
            " it would shift every line number after it",
            offset_pos(text, m.start(), file),
            hint="replace it with a newline or a space (inside double quotes, write it as an escape)",
            code="E101",
        )
    ch = m.group(0)
    what = "a NUL byte (is this a binary file?)" if ch == "\x00" else f"the control character U+{ord(ch):04X}"
    raise SpecError(
        f"invalid YAML: {what} is not allowed in a spec",
        offset_pos(text, m.start(), file),
        hint="delete it or write it as an escape inside double quotes",
        code="E101",
    )


def syntax_error(exc: yaml.YAMLError, text: str, file: str) -> SpecError:
    """A parser error as a positioned E101.  An unclosed quote or bracket is detected at the
    end of the file; it is reported at its opener (the context mark), where the fix is."""
    if not isinstance(exc, yaml.MarkedYAMLError):  # reader errors are caught by _check_characters
        return SpecError(f"invalid YAML: {exc}", SourcePos(file, 1, 1), code="E101")
    problem = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    ctx = exc.context_mark
    if ctx is not None and mark is not None and mark.index >= len(text.rstrip()) and exc.context:
        return SpecError(f"invalid YAML: {exc.context} that is never closed ({problem})", mark_pos(file, ctx), code="E101",
                         hint="close it, or check the quotes and brackets after it")
    pos = mark_pos(file, mark)
    hint = None
    if ctx is not None and mark is not None and ctx.line != mark.line and (exc.context or "").startswith(
            "while parsing a flow"):
        bracket = "[" if "sequence" in (exc.context or "") else "{"
        closer = "]" if bracket == "[" else "}"
        hint = (f"the '{bracket}' at line {ctx.line + 1}, column {ctx.column + 1} is not closed before this line:"
                f" is its '{closer}' missing?")
    lines = _BREAK.split(text)
    if pos.line > len(lines) or (pos.line == len(lines) and not lines[-1]):  # past the end: its last line
        last = len(_BREAK.split(text.rstrip("\r\n")))
        pos = SourcePos(file, max(last, 1), 1)
    return SpecError(f"invalid YAML: {problem}", pos, hint=hint, code="E101")
