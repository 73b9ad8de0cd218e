"""The common command line, run without typer: ``cnncalc summary specs/resnet50.yaml -f json``.

Importing typer (and the pydantic it validates options with) costs more than cnncalc's whole
analysis of ResNet-50.  This parser reads the table of :mod:`cnncalc.cli.params` and accepts
only plain, well-formed command lines: known options with valid values, in the forms
``--name value``, ``--name=value`` and ``-f value``.  Anything else — ``--help``, an unknown
or repeated option, a value out of range or not among the choices, ``--``, shell completion —
returns None, and the caller hands the whole command line to typer, which prints its own help
or usage error.  Both call the same implementation with the same arguments
(``tests/test_cli.py`` checks them side by side).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from cnncalc.cli.params import COMMANDS, Command, Param, arguments, params_of
from cnncalc.cli.streams import Exit

BY_NAME = {c.name: c for c in COMMANDS}


def _value(p: Param, text: str) -> Any:
    """``text`` as ``p``'s value, or None when typer should judge it."""
    if p.kind == "int":
        if not text.isascii() or not text.isdigit():
            return None
        n = int(text)
        if (p.min is not None and n < p.min) or (p.max is not None and n > p.max):
            return None
        return n
    if p.kind == "choice":
        return text if text in p.choices else None
    if p.check is not None:  # a value typer would refuse: typer says why
        try:
            p.check(text)
        except ValueError:
            return None
    return text


def parse(command: Command, args: list[str]) -> dict[str, Any] | None:
    """The parameter values of a plain, well-formed command line; None otherwise."""
    params = params_of(command)
    flags = {f: p for p in params for f in p.flags}
    positional = [p for p in params if p.positional]
    values: dict[str, Any] = {}
    many: dict[str, list[str]] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-") or token == "-":
            rest.append(token)
            continue
        name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        p = flags.get(name)
        if p is None or (p.kind != "many" and p.name in values):
            return None  # unknown (--help included) or repeated: typer says what it makes of it
        if p.kind == "flag":
            if eq:
                return None
            values[p.name] = True
            continue
        if eq:
            text = attached
        elif i < len(args):
            text, i = args[i], i + 1
        else:
            return None
        if text.startswith("-") and text != "-":
            return None  # a value that looks like an option: leave the ambiguity to typer
        if p.kind == "many":
            many.setdefault(p.name, []).append(text)
            continue
        value = _value(p, text)
        if value is None:
            return None
        values[p.name] = value
    for p in positional:
        if p.kind == "args":
            if not rest:
                return None
            values[p.name], rest = rest, []
        elif rest:
            values[p.name] = rest.pop(0)
        else:
            return None
    if rest:
        return None
    for p in params:
        if p.kind == "many":
            got = many.get(p.name)
            if got is not None and p.check is not None:
                try:
                    p.check(got)
                except ValueError:
                    return None
            values[p.name] = got
        elif p.name not in values:
            if p.required:
                return None
            values[p.name] = p.default
    return values


def run(argv: list[str]) -> int | None:
    """Run a plain command line and return its exit status; None: not one (typer's turn)."""
    if not argv or any(k.startswith("_CNNCALC") and k.endswith("_COMPLETE") for k in os.environ):
        return None
    command = BY_NAME.get(argv[0])
    values = parse(command, argv[1:]) if command is not None else None
    if command is None or values is None:
        return None
    impl = getattr(importlib.import_module("cnncalc.cli.commands"), command.name)
    try:
        impl(**arguments(command, values))
    except Exit as exc:
        return exc.code
    return 0
