"""``$name`` and ``${expression}`` in YAML values, replaced from vars and block arguments.

``$name`` alone stands for the named value itself (a number, a list, ``same``);
``${...}`` alone becomes its result (a list or mapping of a var stays one); either
inside other text (``stage${i}``) is written out as text.  A result carries the
expression it came from (``YScalar.origin``), so a decimal where an integer is needed
is reported with the expression that gave it (E143).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from cnncalc.errors import SourcePos, SpecError, clip
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq
from cnncalc.spec.expressions import Env, Hints, evaluate
from cnncalc.spec.operators import Value

_WHOLE_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_EMBEDDED = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def substitute(node: YNode, env: Env, max_len: int = 200, memo: dict[int, YNode] | None = None,
               hints: Hints | None = None) -> YNode:
    """A copy of ``node`` with ``$name`` and ``${expr}`` replaced from ``env``.

    Collections shared through YAML aliases are copied once and stay shared
    (``memo``): copying them per use would take exponential time on nested aliases.
    ``hints`` keeps the suggestions for unknown names (one per name and scope).
    """
    if isinstance(node, (YSeq, YMap)):
        memo = {} if memo is None else memo
        if (done := memo.get(id(node))) is not None:
            return done
        if isinstance(node, YSeq):
            memo[id(node)] = YSeq([substitute(x, env, max_len, memo, hints) for x in node.items], node.pos)
        else:
            out = YMap([], node.pos)
            for k, v in node.pairs:
                out._index[k.value] = len(out.pairs)
                out.pairs.append((k, substitute(v, env, max_len, memo, hints)))
            memo[id(node)] = out
        return memo[id(node)]
    if "$" not in node.value:
        return node
    text = node.value.strip()
    if m := _WHOLE_REF.fullmatch(text):
        return _named(m.group(1), env, node.pos, hints)
    lead = len(node.value) - len(node.value.lstrip())
    if text.startswith("${") and text.endswith("}") and text.count("${") == 1:
        value = evaluate(text[2:-1], env, node.pos, max_len, _columns(node, lead + 2), hints)
        return value if isinstance(value, (YSeq, YMap)) else YScalar(as_text(value), True, node.pos, origin=text)

    def repl(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            value = evaluate(m.group(1), env, node.pos, max_len, _columns(node, m.start(1)), hints)
            if isinstance(value, (YSeq, YMap)):
                raise SpecError(f"'{clip(m.group(0), 60)}' is a list or a mapping: only a number or text can"
                                " stand inside other text", node.pos, code="E140")
            return as_text(value)
        ref = _named(m.group(2), env, node.pos, hints)
        if not isinstance(ref, YScalar):
            raise SpecError(f"'${clip(m.group(2))}' is a list or a mapping: only a number or text can stand"
                            " inside other text", node.pos, code="E141")
        return ref.value

    return YScalar(_EMBEDDED.sub(repl, node.value), node.plain, node.pos, node.tag, origin=node.value)


def as_text(value: Value) -> str:
    """A scalar result as YAML text that reads back as the same value: a double as Python's
    shortest repr (so 1.1 reads back as the same double), true/false as YAML 1.2 writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _named(name: str, env: Env, pos: SourcePos, hints: Hints | None) -> YNode:
    found = env.get(name)
    if found is None:
        known, hint = (hints or Hints()).unknown(name, env)
        raise SpecError(f"unknown name '${clip(name)}'{known}", pos, hint=hint, code="E141")
    return found


def _columns(node: YScalar, start: int) -> Callable[[int], SourcePos] | None:
    """Offsets in an expression -> source columns, when the scalar is written as it reads
    (plain, on one line); otherwise errors point at the scalar's start."""
    if not node.plain or node.tag or not node.oneline:
        return None
    pos = node.pos
    return lambda offset: SourcePos(pos.file, pos.line, pos.col + start + offset)
