"""Block arguments: ``$name`` and ``${expression}`` substitution, never ``eval``.

Expressions are integer arithmetic over block arguments: ``+ - * // %``,
parentheses, unary minus, ``min(...)`` and ``max(...)``.  A small
recursive-descent parser evaluates them; its depth is bounded by the
expression-size limit, so no input can exhaust the stack.
"""

from __future__ import annotations

import re

from cnncalc.errors import LimitError, SourcePos, SpecError
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq

_TOKEN = re.compile(r"\s*(?:([0-9]+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*%(),]))")
_WHOLE_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_EMBEDDED = re.compile(r"\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
MAX_NEST = 32

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
        raise SpecError(f"in expression '${{{self.text}}}': {why}", self.pos, code="E140")

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            self.fail(f"expected {want or 'a value'}" + (f", got '{tok}'" if tok else " at the end"))
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
        if self.peek() == "-":
            self.take()
            return -self.unary()
        return self.atom()

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
            self.fail(f"unexpected '{tok}'")
        self.depth -= 1
        return value

    def lookup(self, name: str) -> int:
        node = self.env.get(name)
        if node is None:
            self.fail(f"unknown argument '{name}'" + (f" (arguments: {', '.join(self.env)})" if self.env else ""))
        if not (isinstance(node, YScalar) and node.plain and re.fullmatch(r"-?[0-9]+", node.value.strip())):
            self.fail(f"'{name}' is not an integer here")
        assert isinstance(node, YScalar)
        if len(node.value.strip()) > 19:  # as above: refused before int() sees it
            self.fail(f"'{name}' is out of range")
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
            raise SpecError(f"unknown argument '${m.group(1)}' (arguments: {known})", node.pos, code="E141")
        return env[m.group(1)]
    if text.startswith("${") and text.endswith("}") and text.count("${") == 1:
        return YScalar(str(evaluate(text[2:-1], env, node.pos, max_len)), True, node.pos)

    def repl(m: re.Match[str]) -> str:
        if m.group(1) is not None:
            return str(evaluate(m.group(1), env, node.pos, max_len))
        ref = env.get(m.group(2))
        if not isinstance(ref, YScalar):
            raise SpecError(f"unknown or non-scalar argument '${m.group(2)}'", node.pos, code="E141")
        return ref.value

    return YScalar(_EMBEDDED.sub(repl, node.value), node.plain, node.pos)


# --- ${...} inside YAML flow collections ------------------------------------
# In ``{filters: ${4 * growth}}`` the braces of the expression would end the
# flow mapping.  Before parsing, each ``${...}`` is swapped for a placeholder
# of the same length (so every column stays right) and swapped back in the
# parsed scalars afterwards.

_PROTECT = re.compile(r"\$\{[^{}\n]*\}")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_PLACEHOLDER = re.compile(r"\$Q[0-9a-z]+Q*")


def _placeholder(i: int, length: int) -> str | None:
    code = ""
    while True:
        i, r = divmod(i, 36)
        code = _DIGITS[r] + code
        if i == 0:
            break
    body = "$Q" + code
    return body + "Q" * (length - len(body)) if len(body) <= length else None


def protect(text: str) -> tuple[str, dict[str, str]]:
    """Swap every ``${...}`` for a same-length placeholder; returns the table."""
    table: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        ph = _placeholder(len(table), len(m.group(0)))
        if ph is None:  # too many tiny expressions: leave this one as written
            return m.group(0)
        table[ph] = m.group(0)
        return ph

    return _PROTECT.sub(swap, text), table


def restore(root: YNode | None, table: dict[str, str]) -> None:
    """Put the original ``${...}`` text back into the parsed scalars, in place."""
    if not table or root is None:
        return
    def back(m: re.Match[str]) -> str:
        # One linear pattern, then the longest placeholder the match starts with (an
        # alternation of every placeholder made this quadratic: minutes for a 4 MB spec).
        text = m.group(0)
        for end in range(len(text), 2, -1):
            if text[:end] in table:
                return table[text[:end]] + text[end:]
        return text

    stack: list[YNode] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # YAML aliases share nodes
            continue
        seen.add(id(node))
        if isinstance(node, YScalar):
            if "$Q" in node.value:
                node.value = _PLACEHOLDER.sub(back, node.value)
        elif isinstance(node, YSeq):
            stack.extend(node.items)
        else:
            for k, v in node.pairs:
                stack.extend((k, v))
