"""``${...}`` expressions, evaluated over vars and block arguments (never by ``eval``).

spec/grammar.py parses the text into a small tree; this module walks it with the operators
of spec/operators.py and the functions of spec/functions.py, and turns any problem into a
positioned error: E140 (a bad expression), E141 (an unknown name), E153 (too long).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from itertools import chain, islice

from cnncalc.errors import LimitError, SourcePos, SpecError, clip, did_you_mean
from cnncalc.source.yamltree import YNode
from cnncalc.spec.functions import FUNCTIONS
from cnncalc.spec.grammar import FRAMES, KEYWORDS, MAX_NEST, Node, Parser, Problem
from cnncalc.spec.operators import (
    Value,
    ValueProblem,
    arith,
    bounded,
    compare,
    index,
    number,
    power,
    truth,
    value_of,
    why,
)
from cnncalc.spec.placeholders import protect, restore

# What a ${...} can name: the vars, under a block's arguments (a ChainMap: arguments first,
# the spec's vars last, shared by every block use rather than copied into each).
Env = Mapping[str, YNode]


class Hints:
    """Suggestions for an unknown name, computed once per name and scope: a block used n times
    would otherwise scan every var n times (quadratic).  ``quiet``: no suggestions at all (the
    layer budget counts work and discards its errors)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self.memo: dict[tuple[str, tuple[str, ...]], str | None] = {}

    def unknown(self, name: str, env: Env) -> tuple[str, str | None]:
        """(the message's list of names, the hint) for ``name``, unknown in ``env``."""
        if self.quiet:
            return "", None
        own = tuple(k for m in env.maps[:-1] for k in m) if isinstance(env, ChainMap) else ()
        key = (name, own)
        if key not in self.memo:
            self.memo[key] = did_you_mean(name, [*env, *FUNCTIONS])
        return f" ({known_names(env)})", self.memo[key]


def known_names(env: Env) -> str:
    """The first names ``env`` holds, for a message (without walking all of them)."""
    names = list(islice(dict.fromkeys(chain.from_iterable(env.maps) if isinstance(env, ChainMap) else env), 13))
    if not names:
        return "no vars or block arguments here"
    return "names here: " + ", ".join(clip(n, 20) for n in names[:12]) + (", ..." if len(names) > 12 else "")
# protect/restore live in spec/placeholders.py; imported from here by older callers
__all__ = ["FRAMES", "KEYWORDS", "MAX_NEST", "Env", "Hints", "Value", "evaluate", "known_names", "protect", "restore"]


class _Evaluator:
    """Evaluates a parsed tree over ``env`` (vars and block arguments, as YAML nodes)."""

    def __init__(self, env: Env, hints: Hints) -> None:
        self.env, self.hints = env, hints

    def run(self, node: Node) -> Value:
        try:
            return self.ev(node)
        except ValueProblem as exc:  # from a value or a function: at the node's operator
            raise Problem(str(exc), _offset(node)) from None

    def ev(self, node: Node) -> Value:
        tag = node[0]
        try:
            return self._ev(node)
        except ValueProblem as exc:
            if tag in ("lit", "ops", "and", "or", "if"):
                raise
            raise Problem(str(exc), node[-1]) from None
        except (OverflowError, ZeroDivisionError, ValueError) as exc:
            raise Problem(why(exc), _offset(node)) from None

    def _ev(self, node: Node) -> Value:
        tag = node[0]
        if tag == "lit":
            return node[1]  # type: ignore[no-any-return]
        if tag == "name":
            return self.lookup(node[1], node[2])
        if tag == "ops":
            value = self.ev(node[1])
            for op, rhs, off in node[2]:
                try:
                    value = arith(op, value, self.ev(rhs))
                except ValueProblem as exc:
                    raise Problem(str(exc), off) from None
                except (OverflowError, ZeroDivisionError, ValueError) as exc:
                    raise Problem(why(exc), off) from None
            return value
        if tag in ("neg", "pos"):
            v = number(self.ev(node[1]), f"the operand of '{'-' if tag == 'neg' else '+'}'")
            return bounded(-v if tag == "neg" else v)
        if tag == "pow":
            return power(number(self.ev(node[1]), "the base of '**'"), number(self.ev(node[2]), "the exponent"))
        if tag == "index":
            return index(self.ev(node[1]), self.ev(node[2]))
        if tag == "call":
            return self.call(node[1], node[2], node[3])
        if tag == "cmp":
            return compare(node[1], self.ev(node[2]), self.ev(node[3]))
        if tag == "not":
            return not truth(self.ev(node[1]), "'not'")
        if tag in ("and", "or"):
            for item, off in zip(node[1], [None, *node[2]], strict=True):
                try:
                    holds = truth(self.ev(item), f"'{tag}'")
                except ValueProblem as exc:
                    raise Problem(str(exc), off if off is not None else _offset(item)) from None
                if holds != (tag == "and"):
                    return holds
            return bool(tag == "and")
        assert tag == "if"
        try:
            holds = truth(self.ev(node[2]), "the condition of 'if'")
        except ValueProblem as exc:
            raise Problem(str(exc), _offset(node[2])) from None
        return self.ev(node[1]) if holds else self.ev(node[3])

    def lookup(self, name: str, off: int) -> Value:
        node = self.env.get(name)
        if node is None:
            if name in FUNCTIONS:
                raise Problem(f"'{name}' is a function: call it, as {name}(...)", off)
            known, hint = self.hints.unknown(name, self.env)
            raise Problem(f"unknown name '{clip(name)}'{known}", off, "E141", hint)
        return value_of(node)

    def call(self, name: str, args: list[Node], off: int) -> Value:
        f = FUNCTIONS.get(name)
        if f is None:
            hint = did_you_mean(name, list(FUNCTIONS)) or "functions: " + ", ".join(FUNCTIONS)
            raise Problem(f"unknown function '{clip(name)}'", off, hint=hint)
        if len(args) < f.least or 0 <= f.most < len(args):
            want = f"{f.least}" if f.least == f.most else f"{f.least} to {f.most}" if f.most > 0 else f"{f.least} or more"
            raise Problem(f"{name} takes {want} arguments, got {len(args)}", off)
        return bounded(f.call(*(self.ev(a) for a in args)))


def _offset(node: Node) -> int:
    """Where a node's text starts (its first operand's, for operators written after it)."""
    tag = node[0]
    if tag in ("ops", "pow", "index"):
        return _offset(node[1])
    if tag == "cmp":
        return _offset(node[2])
    if tag in ("and", "or"):
        return _offset(node[1][0])
    if tag == "if":
        return _offset(node[1])
    return node[-1]  # type: ignore[no-any-return]


def evaluate(text: str, env: Env, pos: SourcePos, max_len: int = 200,
             at: Callable[[int], SourcePos] | None = None, hints: Hints | None = None) -> Value:
    """The value of expression ``text`` over ``env``; ``at`` maps an offset in ``text`` to its
    position in the source (default: ``pos`` for all of it).  Errors: E140, E141, E153."""
    if len(text) > max_len:
        raise LimitError(
            f"expression of {len(text)} characters is over the {max_len} limit (raise it with --max-expr)",
            pos,
            code="E153",
        )
    try:
        return _Evaluator(env, hints or Hints()).run(Parser(text).run())
    except Problem as p:
        where = at(p.offset) if at is not None else pos
        raise SpecError(f"in expression '{clip('${' + text + '}', 60)}': {p.why}", where, hint=p.hint,
                        code=p.code) from None
