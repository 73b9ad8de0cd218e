"""The ``${...}`` expression language: parsed and evaluated here, never by ``eval``.

Grammar, lowest precedence first (Python's, on a subset of Python)::

    expression  := disjunction ["if" disjunction "else" expression]
    disjunction := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation    := "not" negation | comparison
    comparison  := sum [("==" | "!=" | "<" | "<=" | ">" | ">=") sum]
    sum         := product (("+" | "-") product)*
    product     := unary (("*" | "/" | "//" | "%") unary)*
    unary       := ("-" | "+") unary | power
    power       := postfix ["**" unary]
    postfix     := atom ("[" expression "]")*
    atom        := NUMBER | 'text' | true | false | NAME | NAME "(" arguments ")" | "(" expression ")"

Values are exact integers, doubles (Python floats: ``/`` and a decimal literal make
one, as in Python and so in torchvision), true/false, text, and the lists and
mappings of vars.  Every integer is bounded by 10^18, every double is finite, and
the nesting (brackets, calls, indexing, signs, ``not``, ``**``, conditionals) by
MAX_NEST: no input can exhaust the stack or the memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cnncalc.errors import clip
from cnncalc.spec.operators import INT, MAX_VALUE, ValueProblem, finite

MAX_NEST = 32
# Python frames the parser and evaluator may take at the deepest nesting (the builder
# leaves this much room on the stack, graph/bounds.stack_room).
FRAMES = 12 * MAX_NEST + 50

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<text>'[^']*'|"[^"]*")
  | (?P<op>\*\*|//|==|!=|<=|>=|[-+*/%()\[\],<>]))""", re.VERBOSE)
KEYWORDS = frozenset({"if", "else", "and", "or", "not", "true", "false", "True", "False"})
_COMPARE = ("==", "!=", "<", "<=", ">", ">=")

Node = tuple[Any, ...]


class Problem(Exception):
    """Internal: what went wrong, where in the expression text, and its code."""

    def __init__(self, why: str, offset: int, code: str = "E140", hint: str | None = None) -> None:
        super().__init__(why)
        self.why, self.offset, self.code, self.hint = why, offset, code, hint


class Parser:
    """Text -> a tree of tuples (``Node``), with the offset of every operator for messages."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str, int]] = []
        i = 0
        while i < len(text):
            m = _TOKEN.match(text, i)
            if m is None:
                if not text[i:].strip():
                    break
                start = len(text) - len(text[i:].lstrip())
                raise Problem(f"unexpected '{clip(text[start:].strip(), 10)}'", start)
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind), m.start(kind)))
            i = m.end()
        self.tokens.append(("end", "", len(text)))
        self.i = 0
        self.depth = 0

    def peek(self) -> str:
        kind, tok, _ = self.tokens[self.i]
        return tok if kind in ("op", "name") else kind

    def take(self, want: str | None = None) -> tuple[str, str, int]:
        kind, tok, off = self.tokens[self.i]
        if want is not None and self.peek() != want:
            got = f", got '{clip(tok, 20)}'" if kind != "end" else " at the end"
            raise Problem(f"expected '{want}'{got}", off)
        self.i += 1
        return kind, tok, off

    def enter(self, off: int) -> None:
        self.depth += 1
        if self.depth > MAX_NEST:
            raise Problem(f"nested too deeply (more than {MAX_NEST} brackets, calls, signs or branches)", off)

    def run(self) -> Node:
        if self.peek() == "end":
            raise Problem("the expression is empty", 0)
        tree = self.expression()
        if self.peek() != "end":
            raise Problem(f"unexpected '{clip(self.tokens[self.i][1], 20)}'", self.tokens[self.i][2])
        return tree

    def expression(self) -> Node:
        body = self.disjunction()
        if self.peek() != "if":
            return body
        self.enter(self.take()[2])
        cond = self.disjunction()
        self.take("else")
        orelse = self.expression()
        self.depth -= 1
        return ("if", body, cond, orelse)

    def disjunction(self) -> Node:
        return self._logic("or", self.conjunction)

    def conjunction(self) -> Node:
        return self._logic("and", self.negation)

    def _logic(self, word: str, operand: Callable[[], Node]) -> Node:
        items = [operand()]
        offs = []
        while self.peek() == word:
            offs.append(self.take()[2])
            items.append(operand())
        return items[0] if len(items) == 1 else (word, items, offs)

    def negation(self) -> Node:
        if self.peek() != "not":
            return self.comparison()
        off = self.take()[2]
        self.enter(off)
        inner = self.negation()
        self.depth -= 1
        return ("not", inner, off)

    def comparison(self) -> Node:
        left = self.chain(("+", "-"), self.product)
        if self.peek() not in _COMPARE:
            return left
        _, op, off = self.take()
        right = self.chain(("+", "-"), self.product)
        if self.peek() in _COMPARE:
            raise Problem("comparisons do not chain here: write 'a < b and b < c'", self.tokens[self.i][2])
        return ("cmp", op, left, right, off)

    def product(self) -> Node:
        return self.chain(("*", "/", "//", "%"), self.unary)

    def chain(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        """Left-associative operators of one precedence, kept flat: a long sum is one node."""
        first = operand()
        rest = []
        while self.peek() in ops:
            _, op, off = self.take()
            rest.append((op, operand(), off))
        return ("ops", first, rest) if rest else first

    def unary(self) -> Node:
        if self.peek() not in ("-", "+"):
            return self.power()
        _, op, off = self.take()
        self.enter(off)  # each sign counts: 3,000 of them were a RecursionError
        inner = self.unary()
        self.depth -= 1
        return ("neg" if op == "-" else "pos", inner, off)

    def power(self) -> Node:
        base = self.postfix()
        if self.peek() != "**":
            return base
        off = self.take()[2]
        self.enter(off)
        exponent = self.unary()  # right-associative, binds tighter than a sign on its left
        self.depth -= 1
        return ("pow", base, exponent, off)

    def postfix(self) -> Node:
        node = self.atom()
        levels = 0
        while self.peek() == "[":  # a[i][j] nests: each index counts, until the chain ends
            off = self.take()[2]
            self.enter(off)
            levels += 1
            key = self.expression()
            self.take("]")
            node = ("index", node, key, off)
        self.depth -= levels
        return node

    def atom(self) -> Node:
        kind, tok, off = self.take()
        if kind == "num":
            return ("lit", _number(tok, off), off)
        if kind == "text":
            return ("lit", tok[1:-1], off)
        if tok == "(" and kind == "op":
            self.enter(off)
            inner = self.expression()
            self.take(")")
            self.depth -= 1
            return inner
        if kind == "name" and tok not in KEYWORDS:
            if self.peek() != "(":
                return ("name", tok, off)
            self.enter(self.take()[2])
            args = [] if self.peek() == ")" else [self.expression()]
            while self.peek() == ",":
                self.take()
                args.append(self.expression())
            self.take(")")
            self.depth -= 1
            return ("call", tok, args, off)
        if tok in ("true", "True", "false", "False"):
            return ("lit", tok.lower() == "true", off)
        raise Problem("the expression ends too early" if kind == "end" else f"unexpected '{clip(tok, 20)}'", off)


def _number(tok: str, off: int) -> int | float:
    try:
        if INT.fullmatch(tok):
            if len(tok) > 19 or int(tok) > MAX_VALUE:
                raise ValueProblem("value out of range (limit 10^18)")
            return int(tok)
        return finite(float(tok))
    except ValueProblem as exc:
        raise Problem(str(exc), off) from None
