"""Normalisation layers: affine parameters trainable, BN statistics not.

Normalisation counts 0 MACs in the torchvision convention (it folds into the
preceding conv at inference).
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import ShapeError
from cnncalc.layers.base import Layer, arg, boolean, need_image, pos_int, register
from cnncalc.shapes import Cost, Shape


@dataclass(frozen=True, kw_only=True)
class _Norm(Layer):
    affine: bool = arg(boolean, True, "learn a scale and a shift per channel")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        return inputs[0]


@register
@dataclass(frozen=True, kw_only=True)
class BatchNorm(_Norm):
    """BatchNorm over channels: 2·C trainable (γ, β), 2·C non-trainable (running mean, var)."""

    kind = "bn"
    aliases = ("batchnorm", "batch_norm")

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        c = inputs[0].c
        return Cost(trainable=2 * c * self.affine, non_trainable=2 * c)


@register
@dataclass(frozen=True, kw_only=True)
class LayerNorm(_Norm):
    """LayerNorm over the channel axis (Keras LayerNormalization): 2·C trainable."""

    kind = "layernorm"
    aliases = ("layer_norm",)

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=2 * inputs[0].c * self.affine)


@register
@dataclass(frozen=True, kw_only=True)
class GroupNorm(_Norm):
    """GroupNorm: ``groups`` must divide C; 2·C trainable."""

    kind = "groupnorm"
    aliases = ("group_norm",)
    main = "groups"
    groups: int = arg(pos_int, doc="number of channel groups")

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        x = inputs[0]
        if x.c % self.groups:
            raise ShapeError(f"groupnorm: groups={self.groups} must divide the channels of input {x}", code="E303")
        return x

    def cost(self, inputs: tuple[Shape, ...], out: Shape) -> Cost:
        return Cost(trainable=2 * inputs[0].c * self.affine)


@register
@dataclass(frozen=True, kw_only=True)
class InstanceNorm(_Norm):
    """InstanceNorm2d: per sample and channel over H x W; PyTorch's defaults keep no parameters."""

    kind = "instancenorm"
    aliases = ("instance_norm",)
    affine: bool = arg(boolean, False, "learn a scale and a shift per channel (2·C trainable)")
    track_running_stats: bool = arg(boolean, False, "keep running mean and var (2·C non-trainable)")

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
