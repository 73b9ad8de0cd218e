"""Argument parsers shared by the kinds: a YAML node in, a typed value out, errors positioned."""

from __future__ import annotations

from cnncalc.errors import SpecError, did_you_mean
from cnncalc.layers.base import Padding, Pair, Parser
from cnncalc.source.values import as_bool, as_int_list, as_pair, as_str, describe
from cnncalc.source.yamltree import YNode, YScalar


def pos_int(node: YNode, what: str) -> int:
    return as_int_list(node, what, (1,), 1)[0]


def nonneg_int(node: YNode, what: str) -> int:
    return as_int_list(node, what, (1,), 0)[0]


def pair(node: YNode, what: str) -> Pair:
    return as_pair(node, what, 1)


def nonneg_pair(node: YNode, what: str) -> Pair:
    return as_pair(node, what, 0)


def boolean(node: YNode, what: str) -> bool:
    return as_bool(node, what)


def choice(*options: str) -> Parser:
    def parse(node: YNode, what: str) -> str:
        word = as_str(node, what)
        if word not in options:
            hint = did_you_mean(word, list(options)) or "one of: " + ", ".join(options)
            raise SpecError(f"{what} must be one of {', '.join(options)}; got '{word}'", node.pos, hint=hint, code="E111")
        return word

    return parse


def pad_form(node: YNode, what: str) -> Padding:
    """int, [ph, pw], [top, bottom, left, right], 'valid' (0) or 'same'."""
    if isinstance(node, YScalar) and node.plain and node.value in ("same", "valid"):
        return "same" if node.value == "same" else (0, 0, 0, 0)
    if isinstance(node, YScalar) and not node.value.strip().lstrip("+-").isdigit():
        raise SpecError(
            f"{what} must be an integer, [ph, pw], [top, bottom, left, right], 'valid' or 'same';"
            f" got {describe(node)}",
            node.pos,
            hint=did_you_mean(node.value, ["same", "valid"]),
            code="E110",
        )
    v = as_int_list(node, what, (2, 4), 0)
    if len(v) == 1:
        return (v[0], v[0], v[0], v[0])
    if len(v) == 2:
        return (v[0], v[0], v[1], v[1])
    return (v[0], v[1], v[2], v[3])
