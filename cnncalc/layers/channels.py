"""Channel operations: shuffle and split (ShuffleNet).  Positions map to themselves; no parameters."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError, SpecError
from cnncalc.layers.args import nonneg_int, pos_int
from cnncalc.layers.autograd import Step, Tensor, keeps_nothing
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import NOTHING
from cnncalc.layers.formula import Eq, Line
from cnncalc.layers.frozen import arg
from cnncalc.layers.geometry import SAME, Reads, need_image
from cnncalc.shapes import Cost, Shape


class ChannelOp(Layer):
    """Kinds that act on channels and keep positions: no alternatives to suggest."""

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return ()

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return SAME

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())


@register
class ChannelShuffle(ChannelOp):
    """ShuffleNet's channel shuffle: ``groups`` must divide C; no parameters."""

    kind = "channel_shuffle"
    main = "groups"
    macs_formula = "0"
    conventions = NOTHING
    groups: int = arg(pos_int, doc="number of groups")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)
        if x.c % self.groups:
            raise ShapeError(f"channel_shuffle: groups={self.groups} must divide the channels of {x}", code="E303")
        return x

    def autograd(self, step: Step) -> Tensor:
        """A new output, nothing kept."""
        return keeps_nothing(step)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [f"{inputs[0].c} channels reordered in {self.groups} groups; shape unchanged; 0 MACs"]


@register
class ChannelSplit(ChannelOp):
    """Slice ``index`` (from 0) of ``parts`` equal channel slices, as ``torch.chunk(x, parts,
    dim=1)[index]`` (ShuffleNetV2's channel split); no parameters, 0 MACs."""

    kind = "channel_split"
    macs_formula = "0"
    conventions = NOTHING
    parts: int = arg(pos_int, doc="number of equal slices; must divide C")
    index: int = arg(nonneg_int, doc="which slice, from 0")

    def validate(self) -> None:
        if self.index >= self.parts:
            raise SpecError(f"channel_split: index {self.index} is not below parts={self.parts}", code="E111")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        if x.c % self.parts:
            raise ShapeError(f"channel_split: parts={self.parts} must divide the channels of {x}", code="E303")
        return x.with_c(x.c // self.parts)

    def autograd(self, step: Step) -> Tensor:
        """A view of its input's channels (nothing kept): a layer that keeps it keeps all of them."""
        out, n = step.out, step.batch
        shape = (n, out.c, out.h, out.w) if out.is_image else (n, out.c)
        return step.view(step.inputs[0], shape, numel=n * out.numel)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost()

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        return [Eq(("C_out",), f"{inputs[0].c} / {self.parts}", out.c), f"slice {self.index} of {self.parts}; 0 MACs"]
