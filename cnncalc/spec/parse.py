"""Spec text -> :class:`Spec`: the top level checked, layer entries kept as nodes.

Layer entries stay positioned YAML nodes here because block arguments
(``$filters``) are substituted during graph building; the graph builder turns
them into typed layers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.errors import LINE_BREAK, CnnCalcError, SourcePos, SpecError, clip, did_you_mean, raise_all
from cnncalc.layers.base import REGISTRY
from cnncalc.limits import Limits
from cnncalc.records import field, record
from cnncalc.shapes import Shape
from cnncalc.source.values import as_shape, as_str, describe
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq, parse_yaml
from cnncalc.spec.expressions import Env
from cnncalc.spec.placeholders import protect, restore
from cnncalc.spec.substitution import substitute
from cnncalc.spec.training import Setup, parse_setup
from cnncalc.spec.vars import read_vars

if TYPE_CHECKING:
    from cnncalc.spec.scaling import Scaling


@record(frozen=True, slots=True)
class BlockDef:
    """A user block: its name, its arguments with their defaults (None: required), its layers."""

    name: str
    params: dict[str, YNode | None]  # argument -> default (None: required)
    layers: YSeq
    pos: SourcePos


@record(frozen=True, slots=True)
class Spec:
    """A parsed spec: name, input shape, layers still as positioned YAML (block arguments are
    substituted when the graph is built), blocks, vars, top-level claims, and the spec errors
    found so far (the graph builder reports them with its own)."""

    name: str
    input: Shape
    layers: YSeq
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    expect: YMap | None = None
    pos: SourcePos = SourcePos("<spec>", 1, 1)
    broken: frozenset[str] = frozenset()  # blocks whose definition is already reported as wrong
    errors: tuple[CnnCalcError, ...] = ()  # spec errors found here; the graph builder reports them with its own
    vars: Env = field(default_factory=dict)  # the top-level vars, overrides applied: every ${...} sees them
    budget: Setup | None = None  # the training step a budget claim (kept_bytes, peak_bytes, ...) is judged at
    scaling: Scaling | None = None  # which vars are widths, depths, resolution (spec.scaling)
    outputs: YNode | None = None  # `outputs: [a, b]`, names the graph builder resolves
    dollars: bool = True  # whether the text has a '$' at all: without one, nothing is ever substituted


TOP_KEYS = ("name", "input", "layers", "blocks", "expect", "vars", "budget", "scaling", "outputs")
META_KEYS = ("name", "expect", "repeat")  # beside a layer's kind; graph.META


def _parse_blocks(node: YNode) -> tuple[dict[str, BlockDef], list[CnnCalcError]]:
    blocks: dict[str, BlockDef] = {}
    errors: list[CnnCalcError] = []
    if isinstance(node, YScalar) and node.is_null():
        return {}, []
    if not isinstance(node, YMap):
        return {}, [
            SpecError(f"'blocks' must be a mapping of block names, got {describe(node)}", node.pos, code="E105")
        ]
    for key, body in node.pairs:
        if key.value in REGISTRY or key.value in ("aux", *META_KEYS):
            what = "a layer kind" if key.value in REGISTRY or key.value == "aux" else "a layer entry key"
            errors.append(SpecError(f"block name '{clip(key.value)}' is {what}; choose another name", key.pos, code="E108"))
            continue
        if not isinstance(body, YMap):
            errors.append(SpecError(f"block '{clip(key.value)}' must be a mapping with 'layers'", body.pos, code="E105"))
            continue
        params: dict[str, YNode | None] = {}
        for k, v in body.pairs:
            if k.value not in ("args", "layers"):
                hint = did_you_mean(k.value, ["args", "layers"])
                errors.append(
                    SpecError(f"unknown key '{clip(k.value)}' in block '{clip(key.value)}'", k.pos, hint=hint, code="E106")
                )
        args = body.get("args")
        if isinstance(args, YMap):
            params = {k.value: (None if isinstance(v, YScalar) and v.is_null() else v) for k, v in args.pairs}
        elif isinstance(args, YSeq):
            for item in args.items:
                try:
                    arg = as_str(item, "block argument")
                except CnnCalcError as exc:
                    errors.append(exc)
                    continue
                if arg in params:
                    errors.append(SpecError(f"block argument '{clip(arg)}' is listed twice", item.pos, code="E103"))
                params[arg] = None
        elif args is not None and not (isinstance(args, YScalar) and args.is_null()):
            errors.append(SpecError("block 'args' must map names to defaults", args.pos, code="E105"))
        layers = body.get("layers")
        if not isinstance(layers, YSeq) or not layers.items:
            errors.append(
                SpecError(f"block '{clip(key.value)}' needs 'layers': a non-empty list", (layers or body).pos, code="E105")
            )
            continue
        blocks[key.value] = BlockDef(key.value, params, layers, key.pos)
    return blocks, errors


_META_LINE = re.compile(r"\s*(name|expect|repeat)\s*:")
_ITEM_LINE = re.compile(r"\s*-\s+([^#]*?)\s*(#.*)?")


def _entry_hint(text: str, line: int) -> str | None:
    """The form that works, when a YAML error is a layer entry's ``name:``, ``expect:`` or
    ``repeat:`` under a bare kind (``- relu``) or under a list of layers (``- [a, b]``)."""
    lines = LINE_BREAK.split(text)
    meta = _META_LINE.match(lines[line - 1]) if 1 <= line <= len(lines) else None
    if meta is None:
        return None
    above = next((t for t in reversed(lines[: line - 1]) if t.strip() and not t.lstrip().startswith("#")), "")
    item = _ITEM_LINE.fullmatch(above)
    if item is None or not item.group(1):
        return None
    key, body = meta.group(1), item.group(1)
    if body.startswith("["):
        return (f"a list of layers takes no '{key}:'; make the layers a block"
                f" (blocks: {{stage: {{layers: {clip(body)}}}}}) and write '- stage:' with '{key}:' under it")
    if ":" not in body:
        return f"to write '{key}:' beside a bare kind, end the kind with a colon: '- {clip(body)}:'"
    return None


_PLAIN_SHAPE = re.compile(r"[0-9]+(?:x[0-9]+)+")  # "160x160x3": YAML reads it as this plain text


def shape_argument(text: str, source: str, what: str, limits: Limits = Limits()) -> Shape:
    """A shape given on the command line (``calc``'s INPUT, ``--input``); ``source`` names it in errors.
    The usual ``HxWxC`` skips the YAML parser (40 us each; ``-i`` may give a hundred): YAML would
    compose it into the same plain scalar at 1:1."""
    if _PLAIN_SHAPE.fullmatch(text):
        return as_shape(YScalar(text, True, SourcePos(source, 1, 1)), what)
    node = parse_yaml(text, source, max_depth=limits.max_depth)
    if node is None:
        raise SpecError(f"{what} is empty; give a shape like 32x32x3", SourcePos(source, 1, 1), code="E112")
    return as_shape(node, what)


def parse(text: str, file: str, limits: Limits = Limits(), overrides: Mapping[str, str] | None = None) -> Spec:
    """Check the top level of a spec.  Errors that leave a usable spec are returned in
    ``Spec.errors`` (so the graph builder can add the layers' errors to them, and one run
    reports every error of a file); a spec with nothing to build raises at once.

    ``overrides`` replace the defaults of ``vars:`` (``--set name=value``: the value is YAML
    text); naming a var the spec does not declare is an error (E141)."""
    protected, table = protect(text)  # ${...} may sit inside {flow} collections
    try:
        root = parse_yaml(protected, file, max_depth=limits.max_depth, max_aliased=limits.max_aliased)
    except CnnCalcError as exc:  # a message may quote a key or an alias with a placeholder in it
        exc.message = table.text(exc.message)
        if exc.code == "E101" and exc.hint is None and exc.pos is not None:
            exc.hint = _entry_hint(text, exc.pos.line)
        raise
    restore(root, table)
    start = SourcePos(file, 1, 1)
    if root is None or isinstance(root, YScalar) and root.is_null():
        raise SpecError("spec is empty: it needs at least 'input' and 'layers'", start, code="E105")
    if not isinstance(root, YMap):
        raise SpecError(f"a spec is a mapping with 'input' and 'layers', got {describe(root)}", root.pos, code="E105")
    env, errors = read_vars(root.get("vars"), overrides or {}, limits)
    raise_all(errors)  # everything below may use the vars: its errors would only echo these
    scaling: Scaling | None = None
    errors = []
    if root.get("scaling") is not None:  # (its module loads only for a spec that has one)
        from cnncalc.spec.scaling import read_scaling

        scaling, errors = read_scaling(root.get("scaling"), env)
    for key, _ in root.pairs:
        if key.value not in TOP_KEYS:
            hint = did_you_mean(key.value, list(TOP_KEYS)) or "top-level keys: " + ", ".join(TOP_KEYS)
            errors.append(SpecError(f"unknown top-level key '{clip(key.value)}'", key.pos, hint=hint, code="E106"))
    name = Path(file).stem
    if (n := root.get("name")) is not None:
        try:
            name = as_str(substitute(n, env, limits.max_expr), "name")
        except CnnCalcError as exc:
            errors.append(exc)
    shape = Shape((1, 1, 1))
    inp = root.get("input")
    if inp is None:
        errors.append(SpecError("spec needs 'input', e.g. input: 32x32x3", root.pos, code="E105"))
    else:
        try:
            shape = as_shape(substitute(inp, env, limits.max_expr), "input")
        except CnnCalcError as exc:
            errors.append(exc)
    layers = root.get("layers")
    if not isinstance(layers, YSeq) or not layers.items:
        where = layers.pos if layers is not None else root.pos
        errors.append(SpecError("spec needs 'layers': a non-empty list of layers", where, code="E105"))
        layers = YSeq([], where)
    blocks: dict[str, BlockDef] = {}
    if (b := root.get("blocks")) is not None:
        blocks, errs = _parse_blocks(b)
        errors += errs
    expect = root.get("expect")
    if isinstance(expect, YScalar) and expect.is_null():
        expect = None
    expect = _substituted(expect, env, limits, errors)
    if expect is not None and not isinstance(expect, YMap):
        errors.append(SpecError("'expect' must be a mapping, e.g. {params: 61706}", expect.pos, code="E130"))
        expect = None
    setup = None
    if (budget := _substituted(root.get("budget"), env, limits, errors)) is not None:
        setup, errs = parse_setup(budget)
        errors += errs
    outputs = _substituted(root.get("outputs"), env, limits, errors)
    declared = set(b.keys()) if isinstance(b := root.get("blocks"), YMap) else set()
    broken = frozenset(declared - set(blocks) - set(REGISTRY))
    if not layers.items:  # nothing to build: the errors so far are all there is
        raise_all(errors)
    return Spec(name, shape, layers, blocks, expect, root.pos, broken, tuple(errors), env, setup, scaling, outputs,
                "$" in text)


def _substituted(node: YNode | None, env: Env, limits: Limits, errors: list[CnnCalcError]) -> YNode | None:
    """A top-level value with its ``$name`` and ``${...}`` replaced; None (its error kept) if one fails."""
    if node is None:
        return None
    try:
        return substitute(node, env, limits.max_expr)
    except CnnCalcError as exc:
        errors.append(exc)
        return None


def parse_spec(text: str, file: str, limits: Limits = Limits(), overrides: Mapping[str, str] | None = None) -> Spec:
    """:func:`parse`, raising its errors at once (the graph builder is what reports them together
    with the layers' own; this is for callers that stop at the spec)."""
    spec = parse(text, file, limits, overrides)
    raise_all(list(spec.errors))
    return spec
