"""Spec text -> :class:`Spec`: the top level checked, layer entries kept as nodes.

Layer entries stay positioned YAML nodes here because block arguments
(``$filters``) are substituted during graph building; the graph builder turns
them into typed layers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .blocks import protect, restore
from .errors import CnnCalcError, LimitError, SourcePos, SpecError, raise_all
from .layers.base import did_you_mean
from .shapes import Shape
from .values import as_shape, as_str, describe
from .yamltree import YMap, YNode, YScalar, YSeq, parse_yaml


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits; each has a CLI flag to raise it."""

    max_bytes: int = 4_000_000
    max_depth: int = 64
    max_layers: int = 100_000
    max_expr: int = 200  # characters in one ${...} expression


@dataclass(frozen=True, slots=True)
class BlockDef:
    name: str
    params: dict[str, YNode | None]  # argument -> default (None: required)
    layers: YSeq
    pos: SourcePos


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    input: Shape
    layers: YSeq
    blocks: dict[str, BlockDef] = field(default_factory=dict)
    expect: YMap | None = None
    pos: SourcePos = SourcePos("<spec>", 1, 1)


TOP_KEYS = ("name", "input", "layers", "blocks", "expect")


def read_source(path: str | Path, limits: Limits = Limits()) -> str:
    """Read a spec file as UTF-8 text, refusing oversized or binary files."""
    p = Path(path)
    pos = SourcePos(str(path), 1, 1)
    try:
        size = p.stat().st_size
        if size > limits.max_bytes:
            raise LimitError(
                f"spec file is {size:,} bytes, over the {limits.max_bytes:,} limit (raise it with --max-bytes)",
                pos,
                code="E152",
            )
        data = p.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read spec: {exc.strerror or exc}", pos, code="E100") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError("spec is not UTF-8 text", SourcePos(str(path), line, col), code="E100") from None


def _parse_blocks(node: YNode) -> tuple[dict[str, BlockDef], list[CnnCalcError]]:
    blocks: dict[str, BlockDef] = {}
    errors: list[CnnCalcError] = []
    if not isinstance(node, YMap):
        return {}, [SpecError(f"'blocks' must be a mapping of block names, got {describe(node)}", node.pos, code="E105")]
    for key, body in node.pairs:
        if not isinstance(body, YMap):
            errors.append(SpecError(f"block '{key.value}' must be a mapping with 'layers'", body.pos, code="E105"))
            continue
        params: dict[str, YNode | None] = {}
        for k, v in body.pairs:
            if k.value not in ("args", "layers"):
                hint = did_you_mean(k.value, ["args", "layers"])
                errors.append(SpecError(f"unknown key '{k.value}' in block '{key.value}'", k.pos, hint=hint, code="E106"))
        args = body.get("args")
        if isinstance(args, YMap):
            params = {k.value: (None if isinstance(v, YScalar) and v.is_null() else v) for k, v in args.pairs}
        elif isinstance(args, YSeq):
            for item in args.items:
                params[as_str(item, "block argument")] = None
        elif args is not None and not (isinstance(args, YScalar) and args.is_null()):
            errors.append(SpecError("block 'args' must map names to defaults", args.pos, code="E105"))
        layers = body.get("layers")
        if not isinstance(layers, YSeq):
            errors.append(SpecError(f"block '{key.value}' needs a 'layers' list", (layers or body).pos, code="E105"))
            continue
        blocks[key.value] = BlockDef(key.value, params, layers, key.pos)
    return blocks, errors


def parse_spec(text: str, file: str, limits: Limits = Limits()) -> Spec:
    """Check the top level of a spec; every error found is raised together."""
    protected, table = protect(text)  # ${...} may sit inside {flow} collections
    root = parse_yaml(protected, file, max_depth=limits.max_depth)
    restore(root, table)
    start = SourcePos(file, 1, 1)
    if root is None:
        raise SpecError("spec is empty: it needs at least 'input' and 'layers'", start, code="E105")
    if not isinstance(root, YMap):
        raise SpecError(f"a spec is a mapping with 'input' and 'layers', got {describe(root)}", root.pos, code="E105")
    errors: list[CnnCalcError] = []
    for key, _ in root.pairs:
        if key.value not in TOP_KEYS:
            hint = did_you_mean(key.value, list(TOP_KEYS)) or "top-level keys: " + ", ".join(TOP_KEYS)
            errors.append(SpecError(f"unknown top-level key '{key.value}'", key.pos, hint=hint, code="E106"))
    name = Path(file).stem
    if (n := root.get("name")) is not None:
        try:
            name = as_str(n, "name")
        except CnnCalcError as exc:
            errors.append(exc)
    shape = Shape((1, 1, 1))
    inp = root.get("input")
    if inp is None:
        errors.append(SpecError("spec needs 'input', e.g. input: 32x32x3", root.pos, code="E105"))
    else:
        try:
            shape = as_shape(inp, "input")
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
    if expect is not None and not isinstance(expect, YMap):
        errors.append(SpecError("'expect' must be a mapping, e.g. {params: 61706}", expect.pos, code="E130"))
        expect = None
    raise_all(errors)
    return Spec(name, shape, layers, blocks, expect, root.pos)


def load(path: str | Path, limits: Limits = Limits()) -> tuple[Spec, str]:
    """Read and parse a spec file; returns the spec and its text (for messages)."""
    text = read_source(path, limits)
    return parse_spec(text, str(path), limits), text
