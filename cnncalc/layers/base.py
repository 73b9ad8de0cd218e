"""The layer protocol, its argument schema and the explicit registry.

A layer kind is one frozen dataclass, and it owns every fact about itself: its fields
(declared with :func:`arg`) are the YAML schema and the documentation; and it states

* ``infer`` — the output shape, and ``cost`` — parameters and MACs (torchvision's count);
* ``reads`` — which input positions each output position reads, per axis
  (:mod:`cnncalc.layers.geometry`): receptive fields, warnings, hints and export use it;
* ``formulas`` — its numbers as formulas with the values substituted (``cnncalc explain``);
* ``variants`` — the common alternatives a student may have computed instead (a failed
  claim's hint);
* ``macs_formula`` and ``conventions`` — its MAC formula as text, and how other tools count it;
* ``autograd`` — what training keeps for its backward, and the backward's MACs
  (:mod:`cnncalc.layers.autograd`, docs/training.md).

``@register`` refuses duplicates and a kind that leaves any of these to the root class (a family
base class may state them for its kinds).  Nothing chooses behaviour by matching class names;
feature modules (analysis, explain, export) present these facts, never re-derive them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from cnncalc.errors import SourcePos
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.counting import Rule
from cnncalc.layers.formula import Line
from cnncalc.layers.geometry import Reads, Window
from cnncalc.shapes import Cost, Shape
from cnncalc.source.yamltree import YNode

Parser = Callable[[YNode, str], Any]


if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # type checkers read the decorator; at run time it only marks the class
    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda c: c


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


@dataclass(frozen=True, slots=True)
class Ref:
    """An earlier output that one of a kind's ``refs`` arguments names, as the graph builder found it."""

    arg: str  # the argument ("like", "pool", ...)
    index: int  # its node (-1: the network input), and the layer that made it and its inputs
    layer: Layer | None
    inputs: tuple[int, ...]
    pos: SourcePos  # where the name is written


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(arg,))
class Layer:
    """Base of every layer kind.  Subclasses set ``kind``, declare args and state every fact.

    A kind is a frozen value made of its arguments, as a frozen keyword-only dataclass would be
    (``__init__``, ``==``, ``hash``, ``repr``, :meth:`replace`); the class statement itself
    gathers the ``arg(...)`` declarations (:meth:`__init_subclass__`) instead of generating
    code per class, which made importing the ~60 kinds a third of cnncalc's start-up.
    """

    __args__: ClassVar[tuple[Field[Any], ...]] = ()  # the arguments, in declaration order

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

    def autograd(self, step: Step) -> Tensor:
        """One training step of this layer as PyTorch runs it: what it keeps, its backward MACs,
        and its output tensor (docs/training.md has the rules, measured)."""
        raise NotImplementedError

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        """The values of each trainable tensor of its PyTorch module, in the module's order (what an
        optimizer steps through one by one); they sum to the trainable parameters."""
        raise NotImplementedError

    def scalar_buffers(self) -> int:
        """int64 counters among its buffers (BatchNorm's num_batches_tracked): 8 bytes each."""
        return 0

    def windows(self, x: Shape) -> tuple[Window, Window] | None:
        """The sliding window per axis (H, W), for kinds that have one."""
        return None

    def notes(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[str, ...]:
        """Facts worth showing beside the numbers (resolved padding, ...)."""
        return ()

    def validate(self) -> None:
        """Cross-argument checks, raising SpecError (positions added by caller)."""

    def link(self, refs: tuple[Ref, ...]) -> tuple[Layer, tuple[int, ...]]:
        """This layer once its ``refs`` are found, and the inputs it reads after the current tensor
        (default: those outputs).  Unpool takes its max pool's window and input here, or refuses."""
        return self, tuple(r.index for r in refs)

    # --- a frozen value made of its arguments ----------------------------------------------

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        args = {f.name: f for f in cls.__args__}  # inherited first; a redeclared one keeps its place
        for name, value in list(vars(cls).items()):
            if isinstance(value, Field):
                value.name = name
                args[name] = value
                if value.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value.default)
        cls.__args__ = tuple(args.values())

    def __init__(self, **values: Any) -> None:
        for f in self.__args__:
            if f.name in values:
                value = values.pop(f.name)
            elif f.default is not MISSING:
                value = f.default
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {f.name!r}")
            object.__setattr__(self, f.name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {sorted(values)}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in self.__args__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in self.__args__)})"

    def replace(self, **changes: Any) -> Layer:
        """This layer with some arguments changed (``dataclasses.replace`` for a kind)."""
        return type(self)(**{f.name: changes.pop(f.name, getattr(self, f.name)) for f in self.__args__}, **changes)


REGISTRY: dict[str, type[Layer]] = {}
L = TypeVar("L", bound=type[Layer])


FACTS = ("infer", "cost", "reads", "formulas", "variants", "macs_formula", "conventions", "autograd",
         "param_tensors")


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
    """A kind's arguments, in declaration order (inherited ones first)."""
    return [f for f in cls.__args__ if "parse" in f.metadata]
