"""The layer protocol, its argument schema and the explicit registry.

A layer kind is one frozen dataclass: its fields (declared with :func:`arg`)
are the YAML schema and the documentation; ``infer`` computes the output shape
and ``cost`` the parameters and MACs.  ``@register`` refuses duplicates, and
nothing ever chooses behaviour by matching class names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from cnncalc.errors import CnnCalcError, ShapeError, SourcePos, SpecError, did_you_mean, raise_all
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import as_bool, as_int_list, as_pair, as_str, describe
from cnncalc.source.yamltree import YMap, YNode, YScalar

Parser = Callable[[YNode, str], Any]
Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # top, bottom, left, right
Padding = Pad4 | str  # or "same"


def arg(parse: Parser, default: Any = MISSING, doc: str = "") -> Any:
    """Declare a layer argument: how to parse it, its default and its doc line."""
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base of every layer kind.  Subclasses set ``kind`` and declare args."""

    kind: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    main: ClassVar[str | None] = None  # the argument a bare scalar sets
    arity: ClassVar[int] = 1  # inputs taken; 0 means two or more (merges)
    refs: ClassVar[tuple[str, ...]] = ()  # args naming earlier outputs: extra inputs

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        raise NotImplementedError

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        """Facts worth showing beside the numbers (resolved padding, ...)."""
        return ()

    def validate(self) -> None:
        """Cross-argument checks, raising SpecError (positions added by caller)."""


REGISTRY: dict[str, type[Layer]] = {}
L = TypeVar("L", bound=type[Layer])


def register(cls: L) -> L:
    """Add a layer kind (and its aliases) to the registry; duplicates are bugs."""
    for name in (cls.kind, *cls.aliases):
        assert name and name not in REGISTRY, f"layer kind {name!r} registered twice"
        REGISTRY[name] = cls
    return cls


def arg_fields(cls: type[Layer]) -> list[Field[Any]]:
    return [f for f in fields(cls) if "parse" in f.metadata]


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
            else:
                errors.append(SpecError(f"unknown argument '{key.value}' for {kind}", key.pos,
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


# --- argument parsers shared by several families -------------------------------

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


# --- shape helpers --------------------------------------------------------------

def need_image(x: Shape, kind: str) -> None:
    if not x.is_image:
        raise ShapeError(f"{kind} needs an H x W x C input, got the vector {x}", code="E301")


def same_padding(size: int, k_eff: int, stride: int) -> tuple[int, int]:
    """Keras/TensorFlow 'same': out = ceil(in / stride), odd pixel after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return total // 2, total - total // 2


def resolve_padding(pad: Padding, x: Shape, k_eff: Pair, stride: Pair) -> Pad4:
    if pad == "same":
        t, b = same_padding(x.h, k_eff[0], stride[0])
        left, r = same_padding(x.w, k_eff[1], stride[1])
        return (t, b, left, r)
    assert isinstance(pad, tuple)
    return pad


def window_out(size: int, before: int, after: int, k_eff: int, stride: int, axis: str, kind: str, x: Shape) -> int:
    """floor((in + before + after - k_eff) / stride) + 1, refusing empty outputs."""
    span = size + before + after
    if k_eff > span:
        raise ShapeError(
            f"{kind}: the {axis} kernel extent {k_eff} is larger than the padded input"
            f" {span} (input {x}, padding {before}+{after})",
            code="E302",
        )
    return (span - k_eff) // stride + 1
