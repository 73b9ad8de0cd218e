"""``calc`` layers the shell split: ``cnncalc calc 28x28x3 conv: {filters: 8, kernel: 3}``.

Unquoted, that layer reaches cnncalc as four arguments (``conv:``, ``{filters:``, ``8,``,
``kernel:``, ``3}``), each a YAML error of its own.  :func:`split_by_shell` recognises the pieces
(an argument ending in ``:`` or ``,``, or with a bracket left open, continues in the next one)
and the error shows the command line that works, each layer quoted.
"""

from __future__ import annotations

import shlex

from cnncalc.errors import SourcePos, SpecError, shown
from cnncalc.spec.calc import arg_name


def _continues(text: str) -> bool:
    """Whether ``text`` cannot end a layer: a key or item waiting for its value, or an open bracket."""
    depth = sum(text.count(c) for c in "{[") - sum(text.count(c) for c in "}]")
    return depth > 0 or text.rstrip().endswith((":", ","))


def rejoin(args: list[str]) -> list[str]:
    """The layers ``args`` were before the shell split them (``args`` itself when none was split)."""
    out: list[str] = []
    current: list[str] = []
    for a in args:
        current.append(a)
        if not _continues(" ".join(current)):
            out.append(" ".join(current))
            current = []
    return [*out, " ".join(current)] if current else out


def split_by_shell(shape: str, layers: list[str]) -> SpecError | None:
    """An E109 error when ``layers`` are the pieces of layers the shell split at spaces."""
    joined = rejoin(layers)
    if joined == layers:
        return None
    first = next(i for i, a in enumerate(layers) if _continues(a))
    command = " ".join(["cnncalc calc", shlex.quote(shape), *(shlex.quote(layer) for layer in joined)])
    return SpecError(
        f"the shell split the layers at their spaces: '{shown(layers[first])}' continues in the next argument",
        SourcePos(arg_name(first + 2), 1, 1),
        hint=f"quote each layer: {command}",
        code="E109",
    )
