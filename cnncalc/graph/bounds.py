"""Bound the work a spec asks for before any of it is done.

Aliases, ``repeat`` and nested blocks can turn a short file into billions of
layers or unbounded nesting; :class:`Budget` counts what expansion would do
(memoised, without creating anything), detects block cycles, and makes room on
Python's stack for the builder's recursion.
"""

from __future__ import annotations

import sys
from collections import ChainMap
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from cnncalc.errors import CnnCalcError, GraphError, LimitError, SourcePos, clip
from cnncalc.graph.entries import META, block_env, split_entry
from cnncalc.layers import REGISTRY
from cnncalc.limits import Limits
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq
from cnncalc.spec.expressions import FRAMES, Env, Hints
from cnncalc.spec.parse import Spec
from cnncalc.spec.substitution import substitute


class Budget:
    """The work a spec asks for, counted before anything is expanded: layers after blocks,
    repeats and aliases, nesting depth, and block cycles (each refused with its limit's error)."""

    def __init__(self, spec: Spec, limits: Limits) -> None:
        self.spec, self.limits = spec, limits
        self.memo: dict[Any, int] = {}
        self.quiet = Hints(quiet=True)  # its errors are counted, not shown: no suggestions to compute

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
        own = env.maps[0] if isinstance(env, ChainMap) else {}  # the vars are the same for every use
        key = (
            tuple(id(i) for i in items),
            tuple((k, v.value if isinstance(v, YScalar) else id(v)) for k, v in own.items()),
            depth,
        )
        if key in self.memo:
            return self.memo[key]
        total = 0
        for item in items:
            try:
                node = substitute(item, env, self.limits.max_expr, hints=self.quiet) if self.spec.dollars else item
                e = None if isinstance(node, YSeq) else split_entry(node)
            except CnnCalcError:  # reported when building; one unit of work here
                total += 1
                continue
            if e is None:  # a path as an entry: its layers, one level deeper
                assert isinstance(node, YSeq)
                self._deeper(depth, node.pos, stack)
                total += max(self.count(node.items, env, stack, depth + 1), 1)
                continue
            one = 1
            if e.kind in self.spec.blocks:
                if any(e.kind == name for name, _ in stack):
                    chain = " -> ".join(clip(n) for n in [*(n for n, _ in stack), e.kind])
                    raise GraphError(
                        f"block '{clip(e.kind)}' uses itself: {chain}", e.kind_pos, trace=_uses(stack), code="E220"
                    )
                self._deeper(depth, e.kind_pos, stack)
                block = self.spec.blocks[e.kind]
                try:
                    inner = block_env(block, e, self.spec.vars, self.limits.max_expr, self.quiet)
                except CnnCalcError:
                    inner = {}
                one = self.count(block.layers.items, inner, (*stack, (e.kind, e.kind_pos)), depth + 1)
            elif e.kind == "aux" and isinstance(e.args, YSeq):
                self._deeper(depth, e.kind_pos, stack)
                one = self.count(e.args.items, env, stack, depth + 1)
            elif e.kind in REGISTRY and REGISTRY[e.kind].arity == 0 and isinstance(e.args, YSeq):
                for p in e.args.items:
                    if isinstance(p, (YSeq, YMap)):
                        self._deeper(depth, e.kind_pos, stack)
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

    def _deeper(self, depth: int, pos: SourcePos, stack: tuple[tuple[str, SourcePos], ...]) -> None:
        """Refuse to nest one level below ``depth`` if that passes the limit."""
        if depth + 1 > self.limits.max_depth:
            names = [clip(n) for n, _ in stack]
            shown = names if len(names) <= 6 else [*names[:3], "...", *names[-2:]]
            via = " through blocks " + " -> ".join(shown) if stack else ""
            raise LimitError(
                f"blocks, merges and aux heads nest more than {self.limits.max_depth} levels deep{via}"
                " (raise the limit with --max-depth)",
                pos,
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
                    chain = " -> ".join(clip(n) for n in [*names[names.index(name):], name])
                    raise GraphError(f"block '{clip(name)}' uses itself: {chain}", pos, code="E220")
                if name not in state:
                    state[name] = 1
                    path.append((name, pos))
                    todo.append(_block_uses(self.spec.blocks[name].layers, self.spec))


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
def stack_room(max_depth: int) -> Iterator[None]:
    """Make room on Python's stack for the builder's recursion.

    ``count`` has bounded the nesting to ``max_depth`` levels; building takes
    about five frames per level (chain -> entry -> apply -> path -> chain) and
    a substitution as deep as the YAML.  The default limits fit Python's
    default recursion limit; a raised --max-depth raises it while building.
    """
    old = sys.getrecursionlimit()
    need = _frames_in_use() + 8 * max_depth + 200 + FRAMES  # FRAMES: one ${...} at the deepest point
    if need > old:
        sys.setrecursionlimit(need)
    try:
        yield
    finally:
        if need > old:
            sys.setrecursionlimit(old)


