"""Normalisation layers: affine parameters trainable, BN statistics not.

Normalisation counts 0 MACs in the torchvision convention (it folds into the
preceding conv at inference).
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError
from cnncalc.layers.args import boolean, pos_int
from cnncalc.layers.base import Layer, Variant, arg, register
from cnncalc.layers.counting import AFFINE_2_1, AFFINE_5_4, Rule, per_out
from cnncalc.layers.formula import Eq, Line, X
from cnncalc.layers.geometry import SAME, Reads, need_image
from cnncalc.shapes import Cost, Shape


class _Norm(Layer):
    """The normalisation family: shape kept, position by position (statistics aside), 0 MACs."""

    macs_formula = "0"
    affine: bool = arg(boolean, default=True, doc="learn a scale and a shift per channel")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0]

    def reads(self, inputs: tuple[Shape, ...], out: Shape, axis: int) -> Reads:
        return SAME  # the statistics are over the batch or the map; the values map position to position

    def variants(self, inputs: tuple[Shape, ...]) -> Iterator[Variant]:
        return iter(())

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        c = inputs[0].c
        if not self.affine:
            return ["no parameters (affine: false)"]
        return [Eq(("params",), f"2 {X} {c}", cost.params), "a scale and a shift per channel"]


@register
class BatchNorm(_Norm):
    """BatchNorm over channels: 2·C trainable (γ, β), 2·C non-trainable (running mean, var)."""

    kind = "bn"
    aliases = ("batchnorm", "batch_norm")
    conventions = Rule(AFFINE_2_1, AFFINE_2_1, per_out(2))

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        c = inputs[0].c
        return Cost(trainable=2 * c * self.affine, non_trainable=2 * c)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        c = inputs[0].c
        lines: list[Line] = ([Eq(("trainable",), f"2 {X} {c}", cost.trainable)] if self.affine
                             else ["trainable = 0 (affine: false)"])
        lines.append(Eq(("non_trainable",), f"2 {X} {c}", cost.non_trainable))
        lines.append("γ and β are trained; the running mean and variance are buffers, not parameters")
        lines.append(Eq(("params",), f"{cost.trainable} + {cost.non_trainable}", cost.params))
        return lines


@register
class LayerNorm(_Norm):
    """LayerNorm over the channel axis (Keras LayerNormalization): 2·C trainable."""

    kind = "layernorm"
    aliases = ("layer_norm",)
    conventions = Rule(AFFINE_5_4, per_out(1, " (ptflops looks for `affine`, LayerNorm has none)"), AFFINE_5_4)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=2 * inputs[0].c * self.affine)


@register
class GroupNorm(_Norm):
    """GroupNorm: ``groups`` must divide C; 2·C trainable."""

    kind = "groupnorm"
    aliases = ("group_norm",)
    main = "groups"
    conventions = Rule(AFFINE_5_4, AFFINE_2_1, AFFINE_5_4)
    groups: int = arg(pos_int, doc="number of channel groups")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        if x.c % self.groups:
            raise ShapeError(f"groupnorm: groups={self.groups} must divide the channels of input {x}", code="E303")
        return x

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=2 * inputs[0].c * self.affine)


@register
class InstanceNorm(_Norm):
    """InstanceNorm2d: per sample and channel over H x W; PyTorch's defaults keep no parameters."""

    kind = "instancenorm"
    aliases = ("instance_norm",)
    conventions = Rule(AFFINE_5_4, AFFINE_2_1, AFFINE_5_4)
    affine: bool = arg(boolean, default=False, doc="learn a scale and a shift per channel (2·C trainable)")
    track_running_stats: bool = arg(boolean, default=False, doc="keep running mean and var (2·C non-trainable)")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        need_image(x, self.kind)  # statistics over H x W
        if x.h * x.w == 1:  # PyTorch: "Expected more than 1 spatial element when training"
            raise ShapeError(f"instancenorm over a single pixel (input {x}) normalises every value to 0; "
                             "PyTorch refuses it", code="E311")
        return x

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        c = inputs[0].c
        return Cost(trainable=2 * c * self.affine, non_trainable=2 * c * self.track_running_stats)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        c = inputs[0].c
        lines: list[Line] = [Eq(("trainable",), f"2 {X} {c}", cost.trainable)] if self.affine else [
            "trainable = 0 (affine: false, PyTorch's default)"]
        lines.append(Eq(("non_trainable",), f"2 {X} {c}", cost.non_trainable) if self.track_running_stats else
                     "non_trainable = 0 (track_running_stats: false, PyTorch's default)")
        lines.append("statistics over H x W, per sample and channel; 0 MACs (see --conventions)")
        return lines
