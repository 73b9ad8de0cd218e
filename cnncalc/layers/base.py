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

from collections.abc import Iterator
from typing import ClassVar, TypeVar

from cnncalc.errors import SourcePos
from cnncalc.layers.autograd import Step, Tensor
from cnncalc.layers.counting import Rule
from cnncalc.layers.formula import Line
from cnncalc.layers.frozen import Frozen
from cnncalc.layers.geometry import Reads, Window
from cnncalc.records import record
from cnncalc.shapes import Cost, Shape


@record(frozen=True, slots=True)
class Variant:
    """A common alternative to a layer as written: another layer to recompute, or its outcome."""

    label: str  # "with padding 'same'", "without the bias", ...
    layer: Layer | None = None
    output: Shape | None = None
    cost: Cost | None = None


@record(frozen=True, slots=True)
class Ref:
    """An earlier output that one of a kind's ``refs`` arguments names, as the graph builder found it."""

    arg: str  # the argument ("like", "pool", ...)
    index: int  # its node (-1: the network input), and the layer that made it and its inputs
    layer: Layer | None
    inputs: tuple[int, ...]
    pos: SourcePos  # where the name is written


class Layer(Frozen):
    """Base of every layer kind.  Subclasses set ``kind``, declare args and state every fact;
    a kind is a frozen value made of its arguments (:class:`~cnncalc.layers.frozen.Frozen`).
    """

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

    def gradient_inputs(self, count: int) -> range:
        """The inputs a gradient flows back to, of ``count``: all; a kind's ``refs`` inputs give it
        only a size or indices, so a kind that has refs differentiates only its first input."""
        return range(1 if self.refs else count)

    def link(self, refs: tuple[Ref, ...]) -> tuple[Layer, tuple[int, ...]]:
        """This layer once its ``refs`` are found, and the inputs it reads after the current tensor
        (default: those outputs).  Unpool takes its max pool's window and input here, or refuses."""
        return self, tuple(r.index for r in refs)


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
