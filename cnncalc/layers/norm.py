"""Normalisation layers: affine parameters trainable, BN statistics not (AlexNet's LRN: lrn.py).

Normalisation counts 0 MACs in the torchvision convention (it folds into the
preceding conv at inference).
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import ShapeError
from cnncalc.layers.args import boolean, pos_int
from cnncalc.layers.autograd import Step, Tensor, channels_last, is_contiguous, layout_strides
from cnncalc.layers.base import Layer, Variant, register
from cnncalc.layers.counting import AFFINE_2_1, AFFINE_5_4, Rule, per_out
from cnncalc.layers.formula import Eq, Line, X
from cnncalc.layers.frozen import arg
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

    def param_tensors(self, inputs: tuple[Shape, ...], out: Shape) -> tuple[int, ...]:
        return (inputs[0].c, inputs[0].c) if self.affine else ()  # a scale and a shift per channel

    def statistics(self, step: Step) -> tuple[int, int]:
        """(values of each statistics tensor kept, how many such tensors): mean and inverse std."""
        raise NotImplementedError

    def prepared(self, step: Step, x: Tensor) -> Tensor:
        """The tensor its kernel reads and its backward keeps: the input itself."""
        return x

    def autograd(self, step: Step) -> Tensor:
        """When a gradient flows or the affine parameters need theirs: keeps its input (as
        :meth:`prepared`) and its statistics (fp32 under autocast when its weights are fp32, else
        the input's dtype); the output is laid out as that input."""
        x = self.prepared(step, step.inputs[0])
        if step.needs or self.affine:
            values, count = self.statistics(step)
            dtype = "fp32" if step.low and self.affine else x.dtype
            step.keep(x, *(step.new(values, dtype, False) for _ in range(count)))
        return step.output(x.dtype, step.needs or self.affine, like=x)

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

    def statistics(self, step: Step) -> tuple[int, int]:
        return step.shapes[0].c, 2  # per batch, not per sample

    def scalar_buffers(self) -> int:
        return 1  # num_batches_tracked

    def autograd(self, step: Step) -> Tensor:
        """As the other norms, but its statistics are fp32 under autocast (its running statistics
        are fp32) and the model's dtype otherwise."""
        x = step.inputs[0]
        if step.needs or self.affine:
            dtype = "fp32" if step.low else x.dtype
            step.keep(x, *(step.new(step.shapes[0].c, dtype, False) for _ in range(2)))
        return step.output(x.dtype, step.needs or self.affine)

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

    def statistics(self, step: Step) -> tuple[int, int]:
        x = step.shapes[0]
        return step.batch * (x.h * x.w if x.is_image else 1), 2  # one mean and rstd per position

    def autograd(self, step: Step) -> Tensor:
        """As the other norms; on an image the module normalises ``x.movedim(1, -1)`` and moves the
        channels back: its output is channels-last."""
        y = super().autograd(step)
        if not step.shapes[0].is_image:
            return y
        return Tensor(y.storage, y.numel, y.dtype, y.grad, y.shape, layout_strides(y.shape, True))


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

    def statistics(self, step: Step) -> tuple[int, int]:
        return step.batch * self.groups, 2

    def prepared(self, step: Step, x: Tensor) -> Tensor:
        """PyTorch's group_norm makes its input contiguous in its own layout: an input that is not
        (a crop, a channel split) is copied, and the copy kept."""
        return x if is_contiguous(x, channels_last(x)) else step.new(x.numel, x.dtype, x.grad, x.shape, like=x)


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

    def scalar_buffers(self) -> int:
        return int(self.track_running_stats)  # num_batches_tracked

    def statistics(self, step: Step) -> tuple[int, int]:
        # mean and invstd, and the weight and running statistics repeated per sample
        return step.batch * step.shapes[0].c, 2 + self.affine + 2 * self.track_running_stats

    def prepared(self, step: Step, x: Tensor) -> Tensor:
        """Reshaped to 1 x N·C x H x W: an input that is not contiguous (a crop, a split, a
        channels-last tensor) is first copied to a contiguous one, and the copy kept."""
        return x if is_contiguous(x) else step.new(x.numel, x.dtype, x.grad, x.shape)

    def formulas(self, inputs: tuple[Shape, ...], out: Shape, cost: Cost) -> list[Line]:
        c = inputs[0].c
        lines: list[Line] = [Eq(("trainable",), f"2 {X} {c}", cost.trainable)] if self.affine else [
            "trainable = 0 (affine: false, PyTorch's default)"]
        lines.append(Eq(("non_trainable",), f"2 {X} {c}", cost.non_trainable) if self.track_running_stats else
                     "non_trainable = 0 (track_running_stats: false, PyTorch's default)")
        lines.append("statistics over H x W, per sample and channel; 0 MACs (see --conventions)")
        return lines
