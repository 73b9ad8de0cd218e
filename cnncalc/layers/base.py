"""The layer protocol, its argument schema and the explicit registry.

A layer kind is one frozen dataclass, and it owns every fact about itself: its fields
(declared with :func:`arg`) are the YAML schema and the documentation; and it states

* ``infer`` — the output shape, and ``cost`` — parameters and MACs (torchvision's count);
* ``reads`` — which input positions each output position reads, per axis
  (:mod:`cnncalc.layers.geometry`): receptive fields, warnings, hints and export use it;
* ``formulas`` — its numbers as formulas with the values substituted (``cnncalc explain``);
* ``variants`` — the common alternatives a student may have computed instead (a failed
  claim's hint);
* ``macs_formula`` and ``conventions`` — its MAC formula as text, and how other tools count it.

``@register`` refuses a kind that leaves any of these to the root class (a family base class
may state them for its kinds, explicitly), and refuses duplicates.  Nothing ever chooses
behaviour by matching class names.  Feature modules (analysis, explain, export) present
these facts; they never re-derive them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from cnncalc.errors import MAX_ERRORS, CnnCalcError, ShapeError, SourcePos, SpecError, clip, did_you_mean, raise_all
from cnncalc.layers.counting import Rule
from cnncalc.layers.formula import Line
from cnncalc.layers.geometry import Reads, Window, same_padding
from cnncalc.shapes import Cost, Shape
from cnncalc.source.values import describe
from cnncalc.source.yamltree import YMap, YNode, YScalar

Parser = Callable[[YNode, str], Any]
Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # top, bottom, left, right
Padding = Pad4 | str  # or "same"


def arg(parse: Parser, default: Any = MISSING, doc: str = "") -> Any:
    """Declare a layer argument: how to parse it, its default and its doc line."""
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass(frozen=True, slots=True)
class Variant:
    """A common alternative to a layer as written: another layer to recompute, or its outcome."""

    label: str  # "with padding 'same'", "without the bias", ...
    layer: Layer | None = None
    output: Shape | None = None
    cost: Cost | None = None


@dataclass(frozen=True, kw_only=True)
class Layer:
    """Base of every layer kind.  Subclasses set ``kind``, declare args and state every fact."""

    kind: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    main: ClassVar[str | None] = None  # the argument a bare scalar sets
    arity: ClassVar[int] = 1  # inputs taken; 0 means two or more (merges)
    refs: ClassVar[tuple[str, ...]] = ()  # args naming earlier outputs: extra inputs
    macs_formula: ClassVar[str]  # the core (torchvision) MAC count as text, "0" when none
    conventions: ClassVar[Rule]  # how fvcore, ptflops and `all` count it

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        """The output shape, or a ShapeError saying which rule the input breaks."""
        raise NotImplementedError

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        """Parameters and MACs (torchvision's convention: conv and dense multiply-adds)."""
        raise NotImplementedError

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        """Which input positions each output position reads along ``axis`` (0 = H, 1 = W)."""
        raise NotImplementedError

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        """This layer's numbers as formulas; every Eq's value is the reported number."""
        raise NotImplementedError

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        """The usual alternatives to this layer as written (for a failed claim's hint)."""
        raise NotImplementedError

    def windows(self, x: Shape) -> tuple[Window, Window] | None:
        """The sliding window per axis (H, W), for kinds that have one."""
        return None

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        """Facts worth showing beside the numbers (resolved padding, ...)."""
        return ()

    def validate(self) -> None:
        """Cross-argument checks, raising SpecError (positions added by caller)."""


REGISTRY: dict[str, type[Layer]] = {}
L = TypeVar("L", bound=type[Layer])


FACTS = ("infer", "cost", "reads", "formulas", "variants", "macs_formula", "conventions")


def missing_facts(cls: type[Layer]) -> list[str]:
    """The facts ``cls`` leaves to the root :class:`Layer` (it must state each, or inherit it
    from a family base class that does)."""
    own = [k for k in cls.__mro__ if k is not Layer and issubclass(k, Layer)]
    return [f for f in FACTS if not any(f in vars(k) for k in own)]


def register(cls: L) -> L:
    """Add a layer kind (and its aliases) to the registry; a duplicate or a missing fact is a bug."""
    missing = missing_facts(cls)
    assert not missing, f"layer kind {cls.kind!r} does not state: {', '.join(missing)}"
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


# --- shape helpers ---------------------------------------------------------------

def need_image(x: Shape, kind: str) -> None:
    if not x.is_image:
        raise ShapeError(f"{kind} needs an H x W x C input, got the vector {x}", code="E301")


def resolve_padding(pad: Padding, x: Shape, extent: Pair, stride: Pair) -> Pad4:
    """Explicit padding as given, or Keras 'same' resolved for input ``x``: (top, bottom, left, right)."""
    if pad == "same":
        t, b = same_padding(x.h, extent[0], stride[0])
        left, r = same_padding(x.w, extent[1], stride[1])
        return (t, b, left, r)
    assert isinstance(pad, tuple)
    return pad


def checked_out(w: Window, axis: int, kind: str, x: Shape) -> int:
    """A window's output count, refusing a kernel wider than the padded input."""
    if w.extent > w.span:
        name = ("height", "width")[axis]
        raise ShapeError(
            f"{kind}: the {name} kernel extent {w.extent} is larger than the padded input"
            f" {w.span} (input {x}, padding {w.before}+{w.after})",
            code="E302",
        )
    return w.out
