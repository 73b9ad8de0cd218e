"""Spec -> Graph: entries become typed layer nodes with resolved inputs.

Handles names and references, merges of paths (``concat``/``add``/
``multiply``), auxiliary heads, ``repeat`` and user blocks.  Nodes are
created in topological order (a reference can only name an earlier output),
so analysis is one pass.  Every spec error found is collected and raised
together; the layer count is checked *before* anything is expanded.
"""

from __future__ import annotations

from collections.abc import Callable

from cnncalc.errors import (
    MAX_ERRORS,
    CnnCalcError,
    GraphError,
    LimitError,
    ShapeError,
    SourcePos,
    SpecError,
    clip,
    did_you_mean,
    flatten,
    raise_all,
)
from cnncalc.graph.bounds import Budget, stack_room
from cnncalc.graph.entries import Entry, block_env, split_entry, user_names
from cnncalc.graph.names import Names, Scope
from cnncalc.graph.nodes import INPUT, Graph, GroupInfo, Node
from cnncalc.graph.outputs import one_output_claim, resolve_outputs
from cnncalc.layers import REGISTRY, Layer
from cnncalc.layers.args import build
from cnncalc.layers.base import Ref
from cnncalc.limits import Limits
from cnncalc.records import record
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq
from cnncalc.spec.expect import LAYER_FIELDS, TOTAL_FIELDS, Claim, parse_claims
from cnncalc.spec.expressions import Env, Hints
from cnncalc.spec.parse import BlockDef, Spec
from cnncalc.spec.substitution import substitute


@record(frozen=True, slots=True)
class Ctx:
    """Where an entry is being built: its block arguments, name scope, enclosing groups, the
    block uses that led here, and whether it is inside an aux head."""

    env: Env
    scope: Scope
    group: tuple[str, ...] = ()
    trace: tuple[SourcePos, ...] = ()
    aux: bool = False


class Builder:
    """Builds a :class:`~cnncalc.graph.nodes.Graph` from a :class:`~cnncalc.spec.parse.Spec`, collecting
    every spec error of the file (up to MAX_ERRORS) before raising them together."""

    def __init__(self, spec: Spec, limits: Limits) -> None:
        self.spec, self.limits = spec, limits
        self.nodes: list[Node] = []
        self.errors: list[CnnCalcError] = []
        self.groups: dict[str, GroupInfo] = {}
        self.budget = Budget(spec, limits)
        self.distinct: set[tuple[str, str]] = set()  # (position, message) of the errors so far
        self.top = Scope({"input": INPUT})  # `input` names the scope's input: here the network's
        self.used: set[str] = set()  # blocks expanded at least once
        self.spent = 0  # layers the spec's expansion adds, counted before building
        self.suggested: dict[tuple[str, SourcePos, str], str | None] = {}
        self.hints = Hints()  # suggestions for unknown names in ${...}, once per name and scope
        self.unjudged: list[Claim] = []  # claims inside blocks no layer uses
        self.names = Names(user_names(spec), {*REGISTRY, *spec.blocks, "aux"})

    # -- building ------------------------------------------------------------
    def build(self) -> Graph:
        """The graph, or every error of the spec at once: the spec's own first, then the layers'."""
        try:
            graph = self._build()
        except CnnCalcError as exc:
            if not self.spec.errors:
                raise
            # A shape problem may only be a consequence of a spec error reported beside it.
            raise_all([*self.spec.errors, *(e for e in flatten(exc) if not isinstance(e, ShapeError))])
            raise
        raise_all(list(self.spec.errors))
        return graph

    def _build(self) -> Graph:
        stopped = None
        try:
            with stack_room(self.limits.max_depth):
                self.budget.check_cycles()
                self.spent = self.budget.count(self.spec.layers.items, self.spec.vars, ())
                out = self.chain(self.spec.layers.items, INPUT, Ctx(self.spec.vars, self.top))
                self.check_unused_blocks()
        except _TooManyErrors as exc:
            stopped = LimitError(f"stopped after {MAX_ERRORS} errors; fix these first", exc.pos, code="E157")
        outs = (INPUT,) if stopped else resolve_outputs(
            self.spec.outputs, out, lambda ref: self.lookup(ref, Ctx(self.spec.vars, self.top)), self.errors)
        top = one_output_claim(self.claims(self.spec.expect, TOTAL_FIELDS), len(outs), self.errors)
        unique: dict[tuple[str, str], CnnCalcError] = {}
        for err in (e for group in self.errors for e in flatten(group)):  # once, at the first use
            unique.setdefault((str(err.pos), err.message), err)
        raise_all([*unique.values(), *([stopped] if stopped else [])])
        return Graph(self.spec.name, self.spec.input, tuple(self.nodes), outs, top, self.groups, tuple(self.unjudged),
                     self.spec.budget)

    def chain(self, items: list[YNode], cur: int, ctx: Ctx) -> int:
        for item in items:
            try:
                cur = self.entry(item, cur, ctx)
            except LimitError as exc:  # stop at once: going on could be the very cost refused
                raise exc.at(None, ctx.trace) from None
            except CnnCalcError as exc:
                self.errors.append(exc.at(None, ctx.trace) if exc.trace == () else exc)
                # Building stops after MAX_ERRORS distinct errors: each one's "did you mean"
                # costs a scan of names.  A block used n times reports its errors once.
                self.distinct.update((str(e.pos), e.message) for e in flatten(exc))
                if len(self.distinct) >= MAX_ERRORS:
                    raise _TooManyErrors(exc.pos) from None
        return cur

    def entry(self, item: YNode, cur: int, ctx: Ctx) -> int:
        node = substitute(item, ctx.env, self.limits.max_expr, hints=self.hints) if self.spec.dollars else item
        if isinstance(node, YSeq):  # a path, `- [name, layers...]`: the flow goes on from its end
            return self.path(node, cur, ctx)
        e = split_entry(node)
        if e.repeat == 0:  # e.g. `repeat: ${n - 1}` in a stage of one block: nothing is added
            if e.name is not None or e.expect is not None:
                raise SpecError("repeat: 0 adds no layer, so there is nothing to name or check", e.pos, code="E111")
            cls = REGISTRY.get(e.kind)
            if cls is None and e.kind not in (*self.spec.blocks, *self.spec.broken, "aux"):
                raise self.unknown_kind(e, ctx)
            if cls is not None and cls.arity != 0:
                build(cls, e.args, e.kind_pos, e.kind)  # its arguments are still checked
            return cur
        if e.repeat > 1 and e.name is not None:
            # A named repetition is one group (e.g. ResNet's layer1): the name refers to
            # the last output and `expect` to the subtotals of all copies.
            instance = self.names.claim(e.name, ctx.scope.prefix)
            self.groups[instance] = GroupInfo("repeat", e.kind_pos, self.claims(e.expect, LAYER_FIELDS))
            inner = Ctx(ctx.env, ctx.scope, (*ctx.group, instance), ctx.trace, ctx.aux)
            copy = Entry(e.kind, e.kind_pos, e.args, None, None, 1, e.pos)
            for _ in range(e.repeat):
                cur = self.apply(copy, cur, inner, True)
            ctx.scope.names[e.name.value] = cur
            return cur
        for i in range(e.repeat):
            cur = self.apply(e, cur, ctx, i == e.repeat - 1)
        return cur

    def unknown_kind(self, e: Entry, ctx: Ctx) -> SpecError:
        if ctx.scope.find(e.kind) is not None:  # `- stem`: an output by name where a layer goes
            return SpecError(f"'{clip(e.kind)}' is a layer name, not a layer kind", e.kind_pos, code="E120",
                             hint=f"to go on from that output, write it as a path: '- [{clip(e.kind)}, ...]'")
        hint = self.suggest(e.kind, e.kind_pos, lambda: [*REGISTRY, *self.spec.blocks, "aux"])
        if hint is None and (near := self.suggest(e.kind, e.kind_pos, ctx.scope.visible, "name")) is not None:
            hint = near.replace("did you mean", "did you mean the layer named")
        hint = hint or "see `cnncalc kinds` for the layer kinds"
        return SpecError(f"unknown layer kind '{clip(e.kind)}'", e.kind_pos, hint=hint, code="E120")

    def claims(self, node: YMap | None, fields: tuple[str, ...]) -> tuple[Claim, ...]:
        try:
            return parse_claims(node, fields)
        except CnnCalcError as exc:
            self.errors.append(exc)
            return ()

    def add(self, layer: Layer, inputs: tuple[int, ...], e: Entry, ctx: Ctx, last: bool) -> int:
        index = len(self.nodes)
        if e.name is not None and last:
            shown = self.names.claim(e.name, ctx.scope.prefix)
            ctx.scope.names[e.name.value] = index
        else:
            shown = self.names.fresh(layer.kind, e.kind_pos)
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
            if last and (e.name is not None or e.expect is not None):  # an unnamed repeat: the last copy
                instance = (self.names.claim(e.name, ctx.scope.prefix) if e.name is not None
                            else self.names.fresh("aux", e.kind_pos, ctx.scope.prefix))
                self.groups[instance] = GroupInfo("aux", e.kind_pos, self.claims(e.expect, LAYER_FIELDS))
                group = (*group, instance)
            self.chain(e.args.items, cur, Ctx(ctx.env, scope, group, ctx.trace, True))
            return cur
        if e.kind in self.spec.blocks:
            return self.expand(self.spec.blocks[e.kind], e, cur, ctx, last)
        if e.kind in self.spec.broken:  # its definition's error is reported already
            return cur
        cls = REGISTRY.get(e.kind)
        if cls is None:
            raise self.unknown_kind(e, ctx)
        if cls.arity == 0:
            if not isinstance(e.args, YSeq) or len(e.args.items) < 2:
                where = e.args.pos if e.args is not None else e.kind_pos
                raise SpecError(f"{e.kind} takes a list of two or more paths or names", where, code="E124")
            inputs = tuple(self.path(p, cur, ctx) for p in e.args.items)
            return self.add(build(cls, None, e.kind_pos, e.kind), inputs, e, ctx, last)
        layer = build(cls, e.args, e.kind_pos, e.kind)
        refs = []
        for ref in cls.refs:
            node = e.args.get(ref) if isinstance(e.args, YMap) else e.args if ref == cls.main else None
            if isinstance(node, YScalar) and getattr(layer, ref) is not None:
                i = self.lookup(node, ctx)
                made = None if i == INPUT else self.nodes[i]
                refs.append(Ref(ref, i, made.layer if made else None, made.inputs if made else (), node.pos))
        layer, extra = layer.link(tuple(refs))
        return self.add(layer, (cur, *extra), e, ctx, last)

    def suggest(self, word: str, pos: SourcePos, options: Callable[[], list[str]], what: str = "") -> str | None:
        """``did_you_mean``, once per word and position: in a block used n times (or a path
        repeated) the same error would scan every visible name n times, quadratic."""
        key = (word, pos, what)
        if key not in self.suggested:
            self.suggested[key] = did_you_mean(word, options())
        return self.suggested[key]

    def lookup(self, ref: YScalar, ctx: Ctx) -> int:
        found = ctx.scope.find(ref.value)
        if found is None:
            hint = (self.suggest(ref.value, ref.pos, ctx.scope.visible)
                    or self.names.why_unseen(ref.value, ctx.scope.prefix))
            raise GraphError(f"no earlier layer is named '{clip(ref.value)}'", ref.pos, hint=hint, code="E201")
        return found

    def path(self, p: YNode, cur: int, ctx: Ctx) -> int:
        if isinstance(p, YScalar):
            return cur if p.is_null() else self.lookup(p, ctx)
        if isinstance(p, YMap):
            return self.chain([p], cur, ctx)
        items = p.items
        first = items[0] if items else None
        if isinstance(first, YScalar) and first.value not in (*REGISTRY, *self.spec.blocks, *self.spec.broken, "aux"):
            # find() first: a suggestion scans every visible name, once per path otherwise
            near = self.suggest(first.value, first.pos, ctx.scope.visible) if ctx.scope.find(first.value) is None else None
            if near is not None:
                raise GraphError(f"no earlier layer is named '{clip(first.value)}'", first.pos, hint=near, code="E201")
        if items and isinstance(items[0], YScalar) and ctx.scope.find(items[0].value) is not None:
            return self.chain(items[1:], self.lookup(items[0], ctx), ctx)
        return self.chain(items, cur, ctx)

    def check_unused_blocks(self) -> None:
        """Build each block no layer uses, with its defaults, only to report its spec errors.
        The layer limit is for the whole spec: what these builds add counts toward it
        (100 unused blocks were each allowed the whole limit: minutes of work)."""
        kept = (self.nodes, self.groups, self.names.save())
        for name, block in self.spec.blocks.items():
            if name in self.used or any(v is None for v in block.params.values()):
                continue
            self.nodes, self.groups = [], {}
            self.names.restore(({}, {}))
            use = Entry(name, block.pos, None, pos=block.pos)
            try:
                env = block_env(block, use, self.spec.vars, self.limits.max_expr, self.hints)  # its defaults
                self.spent += self.budget.count(block.layers.items, env, ((name, block.pos),))
            except CnnCalcError as exc:
                self.errors.append(exc)
                continue
            if self.spent > self.limits.max_layers:
                self.errors.append(LimitError(
                    f"the spec expands to more than {self.limits.max_layers:,} layers with its unused blocks,"
                    " each checked once with its defaults (raise the limit with --max-layers)",
                    block.pos, code="E155"))
                break
            self.used.add(name)
            self.chain(block.layers.items, INPUT, Ctx(env, Scope({"input": INPUT}, prefix=name + "."), (name,),
                                                      (block.pos,)))
            self.unjudged += [c for n in self.nodes for c in n.claims]
            self.unjudged += [c for g in self.groups.values() for c in g.claims]
        self.nodes, self.groups, names = kept
        self.names.restore(names)

    def expand(self, block: BlockDef, e: Entry, cur: int, ctx: Ctx, last: bool) -> int:
        self.used.add(block.name)
        env = block_env(block, e, self.spec.vars, self.limits.max_expr, self.hints)
        named = e.name if last else None
        instance = (self.names.claim(named, ctx.scope.prefix) if named is not None
                    else self.names.fresh(block.name, e.kind_pos, ctx.scope.prefix))
        claims = self.claims(e.expect, LAYER_FIELDS) if last else ()
        self.groups[instance] = GroupInfo(block.name, e.kind_pos, claims)
        scope = Scope({"input": cur}, parent=None, prefix=instance + ".")  # its own names, and its input
        inner = Ctx(env, scope, (*ctx.group, instance), (*ctx.trace, e.kind_pos), ctx.aux)
        out = self.chain(block.layers.items, cur, inner)
        if named is not None:
            ctx.scope.names[named.value] = out
        return out


class _TooManyErrors(Exception):
    """Internal: MAX_ERRORS distinct errors collected; building stops (not a CnnCalcError,
    so no handler on the way out collects it as one more error)."""

    def __init__(self, pos: SourcePos | None) -> None:
        super().__init__()
        self.pos = pos


def build_graph(spec: Spec, limits: Limits = Limits()) -> Graph:
    return Builder(spec, limits).build()
