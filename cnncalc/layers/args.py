"""Argument types shared by the kinds: how YAML is parsed into a value (errors positioned),
the JSON Schema an editor checks it with, and the name the docs give it.

Every argument is declared with one :class:`ArgType` (``arg(pos_int, 1, "doc")``), so the
parser, the schema (``cnncalc schema``) and the reference (docs/layers.md) cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cnncalc.errors import MAX_ERRORS, CnnCalcError, SourcePos, SpecError, clip, did_you_mean, raise_all
from cnncalc.layers.base import Layer
from cnncalc.layers.frozen import arg_fields
from cnncalc.layers.geometry import Padding
from cnncalc.records import MISSING, record
from cnncalc.source.values import as_bool, as_float, as_int_list, as_pair, as_str, describe
from cnncalc.source.yamltree import YMap, YNode, YScalar


@record(frozen=True, slots=True)
class ArgType:
    """An argument's type: its parser, its JSON Schema and its name in the docs."""

    parse: Callable[[YNode, str], Any]
    schema: Mapping[str, Any]
    name: str

    def __call__(self, node: YNode, what: str) -> Any:
        return self.parse(node, what)


INT1: Mapping[str, Any] = {"type": "integer", "minimum": 1}
INT0: Mapping[str, Any] = {"type": "integer", "minimum": 0}


def _pair_schema(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return {"oneOf": [item, {"type": "array", "items": item, "minItems": 2, "maxItems": 2}]}


pos_int = ArgType(lambda node, what: as_int_list(node, what, (1,), 1)[0], INT1, "integer ≥ 1")
nonneg_int = ArgType(lambda node, what: as_int_list(node, what, (1,), 0)[0], INT0, "integer ≥ 0")
pair = ArgType(lambda node, what: as_pair(node, what, 1), _pair_schema(INT1), "n or [h, w], ≥ 1")
nonneg_pair = ArgType(lambda node, what: as_pair(node, what, 0), _pair_schema(INT0), "n or [h, w], ≥ 0")
boolean = ArgType(as_bool, {"type": "boolean"}, "true or false")
name_ref = ArgType(as_str, {"type": "string"}, "a layer name")


def choice(*options: str) -> ArgType:
    def parse(node: YNode, what: str) -> str:
        word = as_str(node, what)
        if word not in options:
            hint = did_you_mean(word, list(options)) or "one of: " + ", ".join(options)
            raise SpecError(f"{what} must be one of {', '.join(options)}; got '{word}'", node.pos, hint=hint, code="E111")
        return word

    return ArgType(parse, {"enum": list(options)}, " | ".join(options))


def real(lo: float, hi: float, name: str) -> ArgType:
    """A real number in [lo, hi] (only for arguments that never enter a count)."""
    return ArgType(lambda node, what: as_float(node, what, lo, hi),
                   {"type": "number", "minimum": lo, "maximum": hi}, name)


def _pad_form(node: YNode, what: str) -> Padding:
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


PADS: Mapping[str, Any] = {"oneOf": [INT0, {"type": "array", "items": INT0, "minItems": 2, "maxItems": 2},
                                     {"type": "array", "items": INT0, "minItems": 4, "maxItems": 4}]}
pad_form = ArgType(_pad_form, {"oneOf": [*PADS["oneOf"], {"enum": ["same", "valid"]}]},
                   "p, [ph, pw], [top, bottom, left, right], valid or same")


def explicit_pads(what_for: str) -> ArgType:
    """Padding amounts only ('same' depends on a kernel this kind does not have)."""
    def parse(node: YNode, what: str) -> Padding:
        pad = _pad_form(node, what)
        if pad == "same":
            raise SpecError(f"{what_for} needs explicit amounts; 'same' depends on a kernel", node.pos, code="E111")
        return pad

    return ArgType(parse, {"oneOf": [*PADS["oneOf"], {"enum": ["valid"]}]}, "p, [ph, pw] or [top, bottom, left, right]")


# --- a kind's arguments parsed from YAML -------------------------------------------------

def _unknown_arg_hint(key: str, kind: str, known: list[str]) -> str:
    if key == "activation":  # Keras' Conv2D(..., activation="relu")
        return f"an activation is its own layer here: write it as the next entry (e.g. '- relu') after this {kind}"
    return did_you_mean(key, known) or f"{kind} takes: {', '.join(known) or 'none'}"


def build(cls: type[Layer], node: YNode | None, pos: SourcePos, kind: str) -> Layer:
    """Parse a layer's arguments from YAML, collecting every error at once."""
    specs = {f.name: f for f in arg_fields(cls)}
    given: dict[str, YNode] = {}
    errors: list[CnnCalcError] = []
    if node is None or (isinstance(node, YScalar) and node.is_null()):
        pass
    elif isinstance(node, YMap):
        for key, value in node.pairs:
            if key.value in specs:
                given[key.value] = value
            elif len(errors) <= MAX_ERRORS:  # raise_all reports MAX_ERRORS: more is wasted work
                errors.append(SpecError(f"unknown argument '{clip(key.value)}' for {kind}", key.pos,
                                        hint=_unknown_arg_hint(key.value, kind, list(specs)), code="E121"))
    elif cls.main is not None:
        given[cls.main] = node
    else:
        raise SpecError(f"{kind} takes no main argument; got {describe(node)}", node.pos, code="E122")
    values: dict[str, Any] = {}
    for name, f in specs.items():
        if name in given:
            try:
                values[name] = f.metadata["parse"](given[name], name)
            except CnnCalcError as exc:
                errors.append(exc)
        elif f.default is MISSING:
            errors.append(SpecError(f"{kind} needs '{name}' ({f.metadata['doc']})", pos, code="E123"))
    raise_all(errors)
    layer = cls(**values)
    try:
        layer.validate()
    except CnnCalcError as exc:
        raise exc.at(node.pos if node is not None else pos)
    return layer
