"""Block arguments: ``$name`` and ``${expression}`` substitution, never ``eval``.

Expressions are integer arithmetic over block arguments: ``+ - * // %``,
parentheses, unary minus, ``min(...)`` and ``max(...)``.  A small
recursive-descent parser evaluates them; its depth is bounded by the
expression-size limit, so no input can exhaust the stack.
"""

from __future__ import annotations

import re

from cnncalc.errors import LimitError, SourcePos, SpecError, clip
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq
from cnncalc.spec.placeholders import protect, restore

_TOKEN = re.compile(r"\s*(?:([0-9]+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*%(),]))")
_WHOLE_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_EMBEDDED = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
MAX_NEST = 32

__all__ = ["Env", "evaluate", "protect", "restore", "substitute"]  # protect/restore: spec.placeholders

Env = dict[str, YNode]


class _Expr:
    def __init__(self, text: str, env: Env, pos: SourcePos) -> None:
        self.pos, self.env, self.text = pos, env, text
        self.tokens: list[str] = []
        i = 0
        while i < len(text):
            m = _TOKEN.match(text, i)
            if not m or m.end() == i:
                if text[i:].strip() == "":
                    break
                self.fail(f"unexpected '{text[i:].strip()[:10]}'")
            assert m is not None
            self.tokens.append(m.group(m.lastindex or 0))
            i = m.end()
        self.i = 0
        self.depth = 0

    def fail(self, why: str) -> None:
        raise SpecError(f"in expression '{clip('${' + self.text + '}', 60)}': {why}", self.pos, code="E140")

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            self.fail(f"expected {want or 'a value'}" + (f", got '{clip(tok)}'" if tok else " at the end"))
        self.i += 1
        assert tok is not None
        return tok

    def run(self) -> int:
        value = self.sum()
        if self.peek() is not None:
            self.fail(f"unexpected '{self.peek()}'")
        return value

    def sum(self) -> int:
        value = self.product()
        while self.peek() in ("+", "-"):
            op = self.take()
            rhs = self.product()
            value = value + rhs if op == "+" else value - rhs
        return value

    def product(self) -> int:
        value = self.unary()
        while self.peek() in ("*", "//", "%"):
            op = self.take()
            rhs = self.unary()
            if op == "*":
                value *= rhs
            elif rhs == 0:
                self.fail("division by zero")
            else:
                value = value // rhs if op == "//" else value % rhs
            if abs(value) > 10**18:
                self.fail("value out of range")
        return value

    def unary(self) -> int:
        # Each sign counts toward the nesting bound (3,000 of them were a RecursionError).
        signs = 0
        while self.peek() == "-":
            self.take()
            signs += 1
            if self.depth + signs > MAX_NEST:
                self.fail("nested too deeply")
        self.depth += signs
        value = self.atom()
        self.depth -= signs
        return -value if signs % 2 else value

    def atom(self) -> int:
        self.depth += 1
        if self.depth > MAX_NEST:
            self.fail("nested too deeply")
        tok = self.take()
        if tok.isdigit():
            if len(tok) > 18:  # int() of thousands of digits would raise, and no size needs them
                self.fail("value out of range")
            value = int(tok)
        elif tok == "(":
            value = self.sum()
            self.take(")")
        elif tok in ("min", "max"):
            self.take("(")
            items = [self.sum()]
            while self.peek() == ",":
                self.take()
                items.append(self.sum())
            self.take(")")
            value = min(items) if tok == "min" else max(items)
        elif tok[0].isalpha() or tok[0] == "_":
            value = self.lookup(tok)
        else:
            self.fail(f"unexpected '{clip(tok)}'")
        self.depth -= 1
        return value

    def lookup(self, name: str) -> int:
        node = self.env.get(name)
        if node is None:
            self.fail(f"unknown argument '{clip(name)}'" + (f" (arguments: {', '.join(self.env)})" if self.env else ""))
        if not (isinstance(node, YScalar) and node.plain and re.fullmatch(r"-?[0-9]+", node.value.strip())):
            self.fail(f"'{clip(name)}' is not an integer here")
        assert isinstance(node, YScalar)
        if len(node.value.strip()) > 19:  # as above: refused before int() sees it
            self.fail(f"'{clip(name)}' is out of range")
        return int(node.value)


def evaluate(text: str, env: Env, pos: SourcePos, max_len: int = 200) -> int:
    if len(text) > max_len:
        raise LimitError(
            f"expression of {len(text)} characters is over the {max_len} limit (raise it with --max-expr)",
            pos,
            code="E153",
        )
    return _Expr(text, env, pos).run()


def substitute(node: YNode, env: Env, max_len: int = 200, memo: dict[int, YNode] | None = None) -> YNode:
    """A copy of ``node`` with ``$arg`` and ``${expr}`` replaced from ``env``.

    Collections shared through YAML aliases are copied once and stay shared
    (``memo``): copying them per use would take exponential time on nested aliases.
    """
    if isinstance(node, (YSeq, YMap)):
        memo = {} if memo is None else memo
        if (done := memo.get(id(node))) is not None:
            return done
        if isinstance(node, YSeq):
            memo[id(node)] = YSeq([substitute(x, env, max_len, memo) for x in node.items], node.pos)
        else:
            out = YMap([], node.pos)
            for k, v in node.pairs:
                out._index[k.value] = len(out.pairs)
                out.pairs.append((k, substitute(v, env, max_len, memo)))
            memo[id(node)] = out
        return memo[id(node)]
    if "$" not in node.value:
        return node
    text = node.value.strip()
    if m := _WHOLE_REF.fullmatch(text):
        if m.group(1) not in env:
            known = ", ".join(env) or "none (not inside a block)"
            raise SpecError(f"unknown argument '${clip(m.group(1))}' (arguments: {known})", node.pos, code="E141")
        return env[m.group(1)]
    if text.startswith("${") and text.endswith("}") and text.count("${") == 1:
        return YScalar(str(evaluate(text[2:-1], env, node.pos, max_len)), True, node.pos)

    def repl(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return str(evaluate(m.group(1), env, node.pos, max_len))
        ref = env.get(m.group(2))
        if not isinstance(ref, YScalar):
            raise SpecError(f"unknown or non-scalar argument '${clip(m.group(2))}'", node.pos, code="E141")
        return ref.value

    return YScalar(_EMBEDDED.sub(repl, node.value), node.plain, node.pos)
