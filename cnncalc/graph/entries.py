"""Layer entries: one YAML list item split into kind, arguments, name, expect, repeat.

Shared by the graph builder and by the budget that bounds expansion before it starts.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import MutableMapping

from cnncalc.errors import SourcePos, SpecError, clip, did_you_mean
from cnncalc.records import record
from cnncalc.source.values import as_int, as_str, describe
from cnncalc.source.yamltree import YMap, YNode, YScalar, walk
from cnncalc.spec.expressions import Env, Hints
from cnncalc.spec.parse import BlockDef, Spec
from cnncalc.spec.substitution import substitute

META = ("name", "expect", "repeat")  # keys beside a layer's kind


@record(slots=True)
class Entry:
    """One layer entry split into its parts: kind, arguments, name, expect and repeat, with positions."""

    kind: str
    kind_pos: SourcePos
    args: YNode | None
    name: YScalar | None = None
    expect: YMap | None = None
    repeat: int = 1
    pos: SourcePos = SourcePos("", 1, 1)


def split_entry(node: YNode) -> Entry:
    """``- relu`` or ``- kind: args`` with optional name/expect/repeat beside it."""
    if isinstance(node, YScalar) and not node.is_null():
        return Entry(node.value, node.pos, None, pos=node.pos)
    if not isinstance(node, YMap) or not node.pairs:
        raise SpecError(f"a layer is a kind name or 'kind: arguments', got {describe(node)}", node.pos, code="E120")
    kinds = [(k, v) for k, v in node.pairs if k.value not in META]
    if len(kinds) > 1:
        for k, _ in kinds:
            if (hint := did_you_mean(k.value, list(META))) is not None:
                raise SpecError(f"unknown key '{clip(k.value)}' beside the layer kind", k.pos, hint=hint, code="E121")
    if len(kinds) != 1:
        what = "no layer kind" if not kinds else "several kinds: " + ", ".join(clip(k.value) for k, _ in kinds[:5])
        raise SpecError(f"a layer entry has exactly one kind; found {what}", node.pos, code="E120")
    key, args = kinds[0]
    entry = Entry(key.value, key.pos, args, pos=key.pos)
    if (n := node.get("name")) is not None:
        as_str(n, "name")
        assert isinstance(n, YScalar)
        entry.name = n
    if (e := node.get("expect")) is not None:
        if not isinstance(e, YMap):
            raise SpecError("'expect' must be a mapping, e.g. {output: 5x5x3}", e.pos, code="E130")
        entry.expect = e
    if (r := node.get("repeat")) is not None:
        entry.repeat = as_int(r, "repeat", minimum=0)
    return entry


def user_names(spec: Spec) -> set[str]:
    """Every ``name:`` value written anywhere in the spec's layers and blocks."""
    return {n.value for node in walk(spec.layers, *(b.layers for b in spec.blocks.values()))
            if isinstance(node, YMap) and isinstance(n := node.get("name"), YScalar)}


def block_env(block: BlockDef, e: Entry, vars: Env, max_expr: int = 200, hints: Hints | None = None) -> Env:
    """What a block use's body sees: its arguments (given values over defaults), then the
    spec's vars, which they shadow; unknown or missing arguments are errors.  The vars are
    shared, not copied: a use costs its own arguments, however many vars the spec has."""
    given: dict[str, YNode] = {}
    if isinstance(e.args, YMap):
        for k, v in e.args.pairs:
            if k.value not in block.params:
                hint = did_you_mean(k.value, list(block.params)) or "arguments: " + (", ".join(block.params) or "none")
                raise SpecError(f"unknown argument '{clip(k.value)}' for block '{clip(block.name)}'", k.pos, hint=hint,
                                code="E121")
            given[k.value] = v
    elif e.args is not None and not (isinstance(e.args, YScalar) and e.args.is_null()):
        if len(block.params) != 1:
            raise SpecError(f"block '{clip(block.name)}' takes a mapping of arguments", e.args.pos, code="E122")
        given[next(iter(block.params))] = e.args
    own: dict[str, YNode] = {}
    for name, default in block.params.items():
        if name in given:
            own[name] = given[name]
        elif default is None:
            raise SpecError(f"block '{clip(block.name)}' needs argument '{clip(name)}'", e.kind_pos, code="E123")
        else:
            # a default may use the vars, the arguments given, and those declared before it:
            # `width2: ${2 * width}`
            visible = ChainMap(own, {k: v for k, v in given.items() if k not in own}, _vars_of(vars))
            own[name] = substitute(default, visible, max_expr, hints=hints)
    return ChainMap(own, _vars_of(vars))


def _vars_of(env: Env) -> MutableMapping[str, YNode]:
    """The spec's vars under ``env`` (a block's body uses another block: its arguments are not
    visible inside the inner one, lexical scoping)."""
    if isinstance(env, ChainMap):
        return env.maps[-1]
    return env if isinstance(env, dict) else dict(env)
