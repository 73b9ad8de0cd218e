"""Spec -> Graph: entries become typed layer nodes with resolved inputs.

Handles names and references, merges of paths (``concat``/``add``/
``multiply``), auxiliary heads, ``repeat`` and user blocks.  Nodes are
created in topological order (a reference can only name an earlier output),
so analysis is one pass.  Every spec error found is collected and raised
together; the layer count is checked *before* anything is expanded.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from .blocks import Env, substitute
from .errors import CnnCalcError, GraphError, LimitError, SourcePos, SpecError, raise_all
from .expect import LAYER_FIELDS, TOTAL_FIELDS, Claim, parse_claims
from .layers import REGISTRY, Layer, build
from .layers.base import did_you_mean
from .shapes import Shape
from .spec import BlockDef, Limits, Spec
from .values import as_int, as_str, describe
from .yamltree import YMap, YNode, YScalar, YSeq

INPUT = -1  # index of the graph input in Node.inputs
# Distinct errors reported before building stops (as clang's -ferror-limit): past
# a screenful they are noise, and each one's "did you mean" costs a scan of names.
MAX_ERRORS = 20
META = ("name", "expect", "repeat")


@dataclass(frozen=True, slots=True)
class Node:
    name: str
    layer: Layer
    inputs: tuple[int, ...]
    pos: SourcePos
    trace: tuple[SourcePos, ...] = ()  # block uses that led here, innermost last
    group: tuple[str, ...] = ()  # enclosing block instances, outermost first
    aux: bool = False
    claims: tuple[Claim, ...] = ()

    @property
    def kind(self) -> str:
        return self.layer.kind


@dataclass(frozen=True, slots=True)
class GroupInfo:
    block: str
    pos: SourcePos
    claims: tuple[Claim, ...] = ()


@dataclass(frozen=True, slots=True)
class Graph:
    name: str
    input: Shape
    nodes: tuple[Node, ...]
    output: int
    claims: tuple[Claim, ...] = ()
    groups: dict[str, GroupInfo] = field(default_factory=dict)


@dataclass(slots=True)
class Scope:
    names: dict[str, int] = field(default_factory=dict)
    parent: Scope | None = None
    prefix: str = ""

    def find(self, name: str) -> int | None:
        s: Scope | None = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None

    def visible(self) -> list[str]:
        out: list[str] = []
        s: Scope | None = self
        while s is not None:
            out += list(s.names)
            s = s.parent
        return out


@dataclass(frozen=True, slots=True)
class Ctx:
    env: Env
    scope: Scope
    group: tuple[str, ...] = ()
    trace: tuple[SourcePos, ...] = ()
    aux: bool = False


@dataclass(slots=True)
class Entry:
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
                raise SpecError(f"unknown key '{k.value}' beside the layer kind", k.pos, hint=hint, code="E121")
    if len(kinds) != 1:
        what = "no layer kind" if not kinds else "several kinds: " + ", ".join(k.value for k, _ in kinds)
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
        entry.repeat = as_int(r, "repeat", minimum=1)
    return entry


def _user_names(spec: Spec) -> set[str]:
    """Every ``name:`` value written anywhere in the spec's layers and blocks."""
    found: set[str] = set()
    stack: list[YNode] = [spec.layers, *(b.layers for b in spec.blocks.values())]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, YSeq):
            stack.extend(node.items)
        elif isinstance(node, YMap):
            if isinstance(n := node.get("name"), YScalar):
                found.add(n.value)
            stack.extend(v for _, v in node.pairs)
    return found


class Builder:
    def __init__(self, spec: Spec, limits: Limits) -> None:
        self.spec, self.limits = spec, limits
        self.nodes: list[Node] = []
        self.errors: list[CnnCalcError] = []
        self.counters: dict[str, int] = {}
        self.groups: dict[str, GroupInfo] = {}
        self.memo: dict[Any, int] = {}
        self.distinct: set[tuple[str, str]] = set()  # (position, message) of the errors so far
        self.top = Scope()
        self.used: set[str] = set()  # blocks expanded at least once
        self.user_names = _user_names(spec)  # generated names never repeat one of these

    # -- counting before expanding -------------------------------------------
    def count(
        self, items: list[YNode], env: Env, stack: tuple[tuple[str, SourcePos], ...], depth: int = 0
    ) -> int:
        """Work that expanding ``items`` would do (about its layer count), without doing it.

        Bounds every way a short spec can ask for unbounded work before any of it
        is done: the expanded layer count (``repeat`` and aliases multiply; each
        repetition counts at least one, so an empty block repeated 10^12 times is
        refused too), the nesting of blocks, merges and aux heads once blocks are
        expanded (``depth``: the builder recurses on it) and block cycles.
        Counts are memoised per (items, arguments, depth), so a list shared
        through YAML aliases is counted once, however often it is used.
        """
        key = (
            tuple(id(i) for i in items),
            tuple((k, v.value if isinstance(v, YScalar) else id(v)) for k, v in env.items()),
            depth,
        )
        if key in self.memo:
            return self.memo[key]
        total = 0
        for item in items:
            try:
                e = split_entry(substitute(item, env, self.limits.max_expr) if env else item)
            except CnnCalcError:  # reported when building; one unit of work here
                total += 1
                continue
            one = 1
            if e.kind in self.spec.blocks:
                if any(e.kind == name for name, _ in stack):
                    chain = " -> ".join([n for n, _ in stack] + [e.kind])
                    raise GraphError(
                        f"block '{e.kind}' uses itself: {chain}", e.kind_pos, trace=_uses(stack), code="E220"
                    )
                self._deeper(depth, e, stack)
                block = self.spec.blocks[e.kind]
                try:
                    inner = self.block_env(block, e, env)
                except CnnCalcError:
                    inner = {}
                one = self.count(block.layers.items, inner, (*stack, (e.kind, e.kind_pos)), depth + 1)
            elif e.kind == "aux" and isinstance(e.args, YSeq):
                self._deeper(depth, e, stack)
                one = self.count(e.args.items, env, stack, depth + 1)
            elif e.kind in REGISTRY and REGISTRY[e.kind].arity == 0 and isinstance(e.args, YSeq):
                for p in e.args.items:
                    if isinstance(p, (YSeq, YMap)):
                        self._deeper(depth, e, stack)
                        one += self.count(p.items if isinstance(p, YSeq) else [p], env, stack, depth + 1)
            total += e.repeat * max(one, 1)
            if total > self.limits.max_layers:
                raise LimitError(
                    f"the spec expands to more than {self.limits.max_layers:,} layers"
                    " (raise the limit with --max-layers)",
                    e.kind_pos,
                    trace=_uses(stack),
                    code="E155",
                )
        self.memo[key] = total
        return total

    def _deeper(self, depth: int, e: Entry, stack: tuple[tuple[str, SourcePos], ...]) -> None:
        """Refuse to nest one level below ``depth`` if that passes the limit."""
        if depth + 1 > self.limits.max_depth:
            names = [n for n, _ in stack]
            shown = names if len(names) <= 6 else [*names[:3], "...", *names[-2:]]
            via = " through blocks " + " -> ".join(shown) if stack else ""
            raise LimitError(
                f"blocks, merges and aux heads nest more than {self.limits.max_depth} levels deep{via}"
                " (raise the limit with --max-depth)",
                e.kind_pos,
                trace=_uses(stack),
                code="E154",
            )

    def check_cycles(self) -> None:
        """Blocks that use themselves, directly or through others, even if unused.

        A static walk of the block bodies (merge paths and aux heads included);
        ``count`` catches the same cycles, with arguments substituted, on the
        blocks that are used.
        """
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        for root in self.spec.blocks:
            if root in state:
                continue
            path: list[tuple[str, SourcePos]] = [(root, self.spec.blocks[root].pos)]
            todo: list[list[tuple[str, SourcePos]]] = [_block_uses(self.spec.blocks[root].layers, self.spec)]
            state[root] = 1
            while todo:
                if not todo[-1]:
                    todo.pop()
                    state[path.pop()[0]] = 2
                    continue
                name, pos = todo[-1].pop()
                if state.get(name) == 1:
                    names = [n for n, _ in path]
                    chain = " -> ".join([*names[names.index(name):], name])
                    raise GraphError(f"block '{name}' uses itself: {chain}", pos, code="E220")
                if name not in state:
                    state[name] = 1
                    path.append((name, pos))
                    todo.append(_block_uses(self.spec.blocks[name].layers, self.spec))

    # -- building ------------------------------------------------------------
    def build(self) -> Graph:
        stopped = None
        try:
            with _stack_room(self.limits.max_depth):
                self.check_cycles()
                self.count(self.spec.layers.items, {}, ())
                out = self.chain(self.spec.layers.items, INPUT, Ctx({}, self.top))
                self.check_unused_blocks()
        except _TooManyErrors as exc:
            stopped = LimitError(f"stopped after {MAX_ERRORS} errors; fix these first", exc.pos, code="E157")
        top = self.claims(self.spec.expect, TOTAL_FIELDS)
        unique: dict[tuple[str, str], CnnCalcError] = {}
        for err in self.errors:  # a block used n times reports its error once, at the first use
            unique.setdefault((str(err.pos), err.message), err)
        raise_all([*unique.values(), *([stopped] if stopped else [])])
        return Graph(self.spec.name, self.spec.input, tuple(self.nodes), out, top, self.groups)

    def chain(self, items: list[YNode], cur: int, ctx: Ctx) -> int:
        for item in items:
            try:
                cur = self.entry(item, cur, ctx)
            except LimitError as exc:  # stop at once: going on could be the very cost refused
                raise exc.at(None, ctx.trace) from None
            except CnnCalcError as exc:
                self.errors.append(exc.at(None, ctx.trace) if exc.trace == () else exc)
                self.distinct.add((str(exc.pos), exc.message))
                if len(self.distinct) >= MAX_ERRORS:
                    raise _TooManyErrors(exc.pos) from None
        return cur

    def entry(self, item: YNode, cur: int, ctx: Ctx) -> int:
        e = split_entry(substitute(item, ctx.env, self.limits.max_expr))
        if e.repeat > 1 and e.name is not None:
            # A named repetition is one group (e.g. ResNet's layer1): the name refers to
            # the last output and `expect` to the subtotals of all copies.
            instance = ctx.scope.prefix + e.name.value
            self.groups[instance] = GroupInfo("repeat", e.kind_pos, self.claims(e.expect, LAYER_FIELDS))
            inner = Ctx(ctx.env, ctx.scope, (*ctx.group, instance), ctx.trace, ctx.aux)
            copy = Entry(e.kind, e.kind_pos, e.args, None, None, 1, e.pos)
            for _ in range(e.repeat):
                cur = self.apply(copy, cur, inner, True)
            self.bind(e.name, cur, ctx)
            return cur
        for i in range(e.repeat):
            cur = self.apply(e, cur, ctx, i == e.repeat - 1)
        return cur

    def fresh(self, base: str) -> str:
        while True:
            self.counters[base] = self.counters.get(base, 0) + 1
            name = f"{base}{self.counters[base]}"
            if name not in self.user_names:
                return name

    def bind(self, name: YScalar | None, index: int, ctx: Ctx) -> str | None:
        if name is None:
            return None
        if not name.value.strip() or "." in name.value:
            raise SpecError(
                f"name '{name.value}' is not usable: names are non-empty and have no '.'"
                " (a dot separates a block instance from the names inside it)",
                name.pos,
                code="E212",
            )
        if name.value in REGISTRY or name.value in self.spec.blocks or name.value == "aux":
            raise SpecError(f"name '{name.value}' is a layer kind; choose another name", name.pos, code="E210")
        if name.value in ctx.scope.names:
            raise SpecError(f"name '{name.value}' is used twice", name.pos, code="E211")
        ctx.scope.names[name.value] = index
        return ctx.scope.prefix + name.value

    def claims(self, node: YMap | None, fields: tuple[str, ...]) -> tuple[Claim, ...]:
        try:
            return parse_claims(node, fields)
        except CnnCalcError as exc:
            self.errors.append(exc)
            return ()

    def add(self, layer: Layer, inputs: tuple[int, ...], e: Entry, ctx: Ctx, last: bool) -> int:
        index = len(self.nodes)
        shown = self.bind(e.name if last else None, index, ctx) or self.fresh(layer.kind)
        claims = self.claims(e.expect, LAYER_FIELDS) if last else ()
        self.nodes.append(Node(shown, layer, inputs, e.kind_pos, ctx.trace, ctx.group, ctx.aux, claims))
        return index

    def apply(self, e: Entry, cur: int, ctx: Ctx, last: bool) -> int:
        if e.kind == "aux":
            if not isinstance(e.args, YSeq):
                raise SpecError("aux takes a list of layers", (e.args or YScalar("", True, e.kind_pos)).pos, code="E124")
            # Names inside a head are visible only inside it: the main flow cannot
            # depend on a layer that does not run at inference.
            scope = Scope(parent=ctx.scope, prefix=ctx.scope.prefix)
            group = ctx.group
            if e.name is not None or e.expect is not None:
                instance = ctx.scope.prefix + (e.name.value if e.name is not None else self.fresh("aux"))
                self.groups[instance] = GroupInfo("aux", e.kind_pos, self.claims(e.expect, LAYER_FIELDS))
                group = (*group, instance)
            self.chain(e.args.items, cur, Ctx(ctx.env, scope, group, ctx.trace, True))
            return cur
        if e.kind in self.spec.blocks:
            return self.expand(self.spec.blocks[e.kind], e, cur, ctx, last)
        cls = REGISTRY.get(e.kind)
        if cls is None:
            options = [*REGISTRY, *self.spec.blocks, "aux"]
            hint = did_you_mean(e.kind, options)
            if hint is None and (near := did_you_mean(e.kind, ctx.scope.visible())) is not None:
                hint = near.replace("did you mean", "did you mean the layer named")
            hint = hint or "see `cnncalc kinds` for the layer kinds"
            raise SpecError(f"unknown layer kind '{e.kind}'", e.kind_pos, hint=hint, code="E120")
        if cls.arity == 0:
            if not isinstance(e.args, YSeq) or len(e.args.items) < 2:
                where = e.args.pos if e.args is not None else e.kind_pos
                raise SpecError(f"{e.kind} takes a list of two or more paths or names", where, code="E124")
            inputs = tuple(self.path(p, cur, ctx) for p in e.args.items)
            return self.add(build(cls, None, e.kind_pos, e.kind), inputs, e, ctx, last)
        layer = build(cls, e.args, e.kind_pos, e.kind)
        refs = [cur]
        for ref in cls.refs:
            node = e.args.get(ref) if isinstance(e.args, YMap) else None
            if isinstance(node, YScalar) and getattr(layer, ref) is not None:
                refs.append(self.lookup(node, ctx))
        return self.add(layer, tuple(refs), e, ctx, last)

    def lookup(self, ref: YScalar, ctx: Ctx) -> int:
        found = ctx.scope.find(ref.value)
        if found is None:
            hint = did_you_mean(ref.value, ctx.scope.visible())
            raise GraphError(f"no earlier layer is named '{ref.value}'", ref.pos, hint=hint, code="E201")
        return found

    def path(self, p: YNode, cur: int, ctx: Ctx) -> int:
        if isinstance(p, YScalar):
            return cur if p.is_null() else self.lookup(p, ctx)
        if isinstance(p, YMap):
            return self.chain([p], cur, ctx)
        items = p.items
        first = items[0] if items else None
        if isinstance(first, YScalar) and first.value not in REGISTRY and first.value not in self.spec.blocks:
            # find() first: a suggestion scans every visible name, once per path otherwise
            near = did_you_mean(first.value, ctx.scope.visible()) if ctx.scope.find(first.value) is None else None
            if near is not None:
                raise GraphError(f"no earlier layer is named '{first.value}'", first.pos, hint=near, code="E201")
        if items and isinstance(items[0], YScalar) and ctx.scope.find(items[0].value) is not None:
            return self.chain(items[1:], self.lookup(items[0], ctx), ctx)
        return self.chain(items, cur, ctx)

    def block_env(self, block: BlockDef, e: Entry, env: Env) -> Env:
        given: dict[str, YNode] = {}
        if isinstance(e.args, YMap):
            for k, v in e.args.pairs:
                if k.value not in block.params:
                    hint = did_you_mean(k.value, list(block.params)) or "arguments: " + (", ".join(block.params) or "none")
                    raise SpecError(f"unknown argument '{k.value}' for block '{block.name}'", k.pos, hint=hint, code="E121")
                given[k.value] = v
        elif e.args is not None and not (isinstance(e.args, YScalar) and e.args.is_null()):
            if len(block.params) != 1:
                raise SpecError(f"block '{block.name}' takes a mapping of arguments", e.args.pos, code="E122")
            given[next(iter(block.params))] = e.args
        out: Env = {}
        for name, default in block.params.items():
            value = given.get(name, default)
            if value is None:
                raise SpecError(f"block '{block.name}' needs argument '{name}'", e.kind_pos, code="E123")
            out[name] = value
        return out

    def check_unused_blocks(self) -> None:
        """Build each block no layer uses, with its defaults, only to report its spec errors."""
        kept = (self.nodes, self.counters, self.groups)
        for name, block in self.spec.blocks.items():
            if name in self.used or any(v is None for v in block.params.values()):
                continue
            self.nodes, self.counters, self.groups = [], {}, {}
            env = {k: v for k, v in block.params.items() if v is not None}
            try:
                self.count(block.layers.items, env, ((name, block.pos),))
            except CnnCalcError as exc:
                self.errors.append(exc)
                continue
            self.used.add(name)
            self.chain(block.layers.items, INPUT, Ctx(env, Scope(prefix=name + "."), (name,), (block.pos,)))
        self.nodes, self.counters, self.groups = kept

    def expand(self, block: BlockDef, e: Entry, cur: int, ctx: Ctx, last: bool) -> int:
        self.used.add(block.name)
        env = self.block_env(block, e, ctx.env)
        named = e.name.value if (e.name is not None and last) else None
        instance = ctx.scope.prefix + (named or self.fresh(block.name))
        claims = self.claims(e.expect, LAYER_FIELDS) if last else ()
        self.groups[instance] = GroupInfo(block.name, e.kind_pos, claims)
        scope = Scope(parent=None, prefix=instance + ".")
        scope.parent = None  # blocks see only their own names: lexical scoping
        inner = Ctx(env, scope, (*ctx.group, instance), (*ctx.trace, e.kind_pos), ctx.aux)
        out = self.chain(block.layers.items, cur, inner)
        if named is not None and e.name is not None:
            self.bind(e.name, out, ctx)
        return out


class _TooManyErrors(Exception):
    """Internal: MAX_ERRORS distinct errors collected; building stops (not a CnnCalcError,
    so no handler on the way out collects it as one more error)."""

    def __init__(self, pos: SourcePos | None) -> None:
        super().__init__()
        self.pos = pos


def _uses(stack: tuple[tuple[str, SourcePos], ...]) -> tuple[SourcePos, ...]:
    return tuple(pos for _, pos in stack)


def _block_uses(layers: YSeq, spec: Spec) -> list[tuple[str, SourcePos]]:
    """(block name, position) of every block use in ``layers``, merge paths and aux heads included."""
    out: list[tuple[str, SourcePos]] = []
    todo: list[YNode] = list(layers.items)
    seen: set[int] = set()
    while todo:
        item = todo.pop()
        if id(item) in seen:  # aliases share nodes
            continue
        seen.add(id(item))
        if isinstance(item, YSeq):
            todo.extend(item.items)
            continue
        key, args = (item, None) if isinstance(item, YScalar) else next(
            ((k, v) for k, v in item.pairs if k.value not in META), (None, None)
        )
        if key is None:
            continue
        if key.value in spec.blocks:
            out.append((key.value, key.pos))
        elif isinstance(args, YSeq) and key.value == "aux":
            todo.extend(args.items)
        elif isinstance(args, YSeq) and getattr(REGISTRY.get(key.value), "arity", 1) == 0:
            todo.extend(p for p in args.items if not isinstance(p, YScalar))  # a scalar path is a reference
    return out[::-1]


def _frames_in_use() -> int:
    frame: FrameType | None = sys._getframe()
    n = 0
    while frame is not None:
        frame, n = frame.f_back, n + 1
    return n


@contextmanager
def _stack_room(max_depth: int) -> Iterator[None]:
    """Make room on Python's stack for the builder's recursion.

    ``count`` has bounded the nesting to ``max_depth`` levels; building takes
    about five frames per level (chain -> entry -> apply -> path -> chain) and
    a substitution as deep as the YAML.  The default limits fit Python's
    default recursion limit; a raised --max-depth raises it while building.
    """
    old = sys.getrecursionlimit()
    need = _frames_in_use() + 8 * max_depth + 200
    if need > old:
        sys.setrecursionlimit(need)
    try:
        yield
    finally:
        if need > old:
            sys.setrecursionlimit(old)


def build_graph(spec: Spec, limits: Limits = Limits()) -> Graph:
    return Builder(spec, limits).build()
