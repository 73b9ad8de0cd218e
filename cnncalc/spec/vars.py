"""Top-level ``vars:``: named defaults every ``${...}`` of a spec can use, and their
overrides (``--set name=value`` on the command line, ``overrides=`` in the library).

Vars are read in order; a var's value may use the vars above it (``stem: ${make_divisible(
32 * width, 8)}``), and an override replaces a default before anything below it is
computed, so derived vars follow it.  An override's value is YAML (a number, a word, a
flow list or mapping); its source is ``<--set N>``, the N-th override, written
``name=value``, so a value at fault is shown where it was typed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cnncalc.errors import CnnCalcError, SourcePos, SpecError, clip, did_you_mean
from cnncalc.limits import Limits
from cnncalc.source.values import describe
from cnncalc.source.yamltree import YMap, YNode, YScalar, parse_yaml, walk
from cnncalc.spec.expressions import KEYWORDS
from cnncalc.spec.functions import FUNCTIONS
from cnncalc.spec.substitution import substitute

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def set_source(index: int) -> str:
    """The source name of the ``index``-th override (1-based), as ``calc`` names ``<arg N>``."""
    return f"<--set {index}>"


def override_sources(overrides: Mapping[str, str]) -> dict[str, str]:
    """Each override's text by source name, for error excerpts: ``{"<--set 1>": "width=0.75"}``."""
    return {set_source(i): f"{name}={value}" for i, (name, value) in enumerate(overrides.items(), 1)}


def read_vars(node: YNode | None, overrides: Mapping[str, str], limits: Limits) -> tuple[dict[str, YNode], list[CnnCalcError]]:
    """The vars of a spec (``node`` is its ``vars:`` value) with ``overrides`` applied, each
    computed from the ones above it; and every error found."""
    errors: list[CnnCalcError] = []
    declared: list[tuple[YScalar, YNode]] = []
    if node is not None and not (isinstance(node, YScalar) and node.is_null()):
        if isinstance(node, YMap):
            for key, value in node.pairs:
                try:
                    _check_name(key)
                    declared.append((key, value))
                except CnnCalcError as exc:
                    errors.append(exc)
        else:
            errors.append(SpecError(f"'vars' must be a mapping of names to values, got {describe(node)}",
                                    node.pos, code="E142"))
    names = [k.value for k, _ in declared]
    given: dict[str, YNode] = {}
    for i, (name, text) in enumerate(overrides.items(), 1):
        try:
            given[name] = _override(i, name, text, names, limits)
        except CnnCalcError as exc:
            errors.append(exc)
    env: dict[str, YNode] = {}
    for key, default in declared:
        try:
            env[key.value] = substitute(given.get(key.value, default), env, limits.max_expr)
        except CnnCalcError as exc:
            errors.append(exc)
            env[key.value] = given.get(key.value, default)  # later vars still see a name, not a hole
    return env, errors


def _check_name(key: YScalar) -> None:
    if not _NAME.fullmatch(key.value):
        raise SpecError(f"var name '{clip(key.value)}' is not usable in ${{...}}: a var name is letters, digits"
                        " and '_', not starting with a digit", key.pos, code="E142")
    if key.value in KEYWORDS or key.value in FUNCTIONS:
        what = "a function" if key.value in FUNCTIONS else "a word of the expression language"
        raise SpecError(f"var name '{key.value}' is {what}; choose another name", key.pos, code="E142")


def _override(index: int, name: str, text: str, names: list[str], limits: Limits) -> YNode:
    """An override's value as YAML, positioned in its ``name=value`` source."""
    source = set_source(index)
    if name not in names:
        hint = did_you_mean(name, names) or (
            "this spec declares no vars" if not names else "its vars: " + ", ".join(clip(n, 20) for n in names[:12]))
        raise SpecError(f"--set names no var of this spec: '{clip(name)}'", SourcePos(source, 1, 1), hint=hint,
                        code="E141")
    try:
        node = parse_yaml(text, source, max_depth=limits.max_depth)
    except CnnCalcError as exc:  # positioned in the value: move it past "name="
        if exc.pos is not None and exc.pos.line == 1:
            exc.pos = SourcePos(source, 1, exc.pos.col + len(name) + 1)
        raise
    if node is None or isinstance(node, YScalar) and node.is_null():
        raise SpecError(f"--set {clip(name)}= gives no value", SourcePos(source, 1, len(name) + 2),
                        hint=f"write it as {clip(name)}=VALUE", code="E142")
    _shift(node, len(name) + 1)
    return node


def _shift(root: YNode, columns: int) -> None:
    """Move the nodes on the first line ``columns`` to the right (past ``name=``)."""
    for node in walk(root, keys=True):
        if node.pos.line == 1:
            node.pos = SourcePos(node.pos.file, 1, node.pos.col + columns)
