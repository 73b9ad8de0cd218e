"""Source text of the small nn.Module classes an exported model may need.

PyTorch has a module for most layer kinds; these few cover the rest (merges,
Keras-style dense and layer norm on images, squeeze-excite, crops, Keras 'same'
average pooling, deformable convolution, unpooling to a tensor's size).  Only the ones a spec uses are
written into its exported file, in this order.
"""

from __future__ import annotations

HELPERS: dict[str, str] = {
    "Concat": '''
class Concat(nn.Module):
    """Join on the channel axis (dim 1): C = sum of the input channels."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)
''',
    "Add": '''
class Add(nn.Module):
    """Element-wise sum of inputs of equal shape."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for t in xs[1:]:
            out = out + t
        return out
''',
    "Multiply": '''
class Multiply(nn.Module):
    """Element-wise product; a (N, C) or (N, C, 1, 1) gate broadcasts over the largest input."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        full = max(range(len(xs)), key=lambda i: xs[i].numel())
        out = xs[full]
        for i, t in enumerate(xs):
            if i != full:
                gate = t if t.shape == out.shape else t.reshape(t.shape[0], -1, *[1] * (out.dim() - 2))
                out = out * gate
        return out
''',
    "DenseHWC": '''
class DenseHWC(nn.Linear):
    """Keras Dense on an image: one Linear over the channels at every position."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
''',
    "ChannelLayerNorm": '''
class ChannelLayerNorm(nn.LayerNorm):
    """Keras LayerNormalization on an image: normalise over the channels at every position."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)
''',
    "SqueezeExcitation": '''
class SqueezeExcitation(nn.Module):
    """Squeeze-and-excitation as torchvision.ops.SqueezeExcitation: pool, 1x1 conv to
    ``squeeze`` channels, activation, 1x1 conv back, gate, scale the input."""

    def __init__(
        self,
        channels: int,
        squeeze: int,
        activation: type[nn.Module] = nn.ReLU,
        gate: type[nn.Module] = nn.Sigmoid,
    ) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = activation()
        self.gate = gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = self.gate(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return x * scale
''',
    "Crop2d": '''
class Crop2d(nn.Module):
    """Remove (top, bottom, left, right) rows and columns; or, given a reference tensor, crop
    to its height and width: centred (an odd extra row or column goes from the bottom/right),
    or from ``offset`` (top, left) as Caffe's Crop layer."""

    def __init__(
        self, top: int = 0, bottom: int = 0, left: int = 0, right: int = 0, offset: tuple[int, int] | None = None
    ) -> None:
        super().__init__()
        self.edges = (top, bottom, left, right)
        self.offset = offset

    def forward(self, x: torch.Tensor, like: torch.Tensor | None = None) -> torch.Tensor:
        top, bottom, left, right = self.edges
        if like is not None:
            dh, dw = x.shape[2] - like.shape[2], x.shape[3] - like.shape[3]
            top, left = self.offset if self.offset is not None else (dh // 2, dw // 2)
            bottom, right = dh - top, dw - left
        return x[:, :, top : x.shape[2] - bottom, left : x.shape[3] - right]
''',
    "ResizeLike": '''
class ResizeLike(nn.Module):
    """Resize to the height and width of a reference tensor (nn.Upsample with its size taken at run time)."""

    def __init__(self, mode: str = "nearest") -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return nn.functional.interpolate(x, size=like.shape[2:], mode=self.mode)
''',
    "MaxUnpool": '''
class MaxUnpool(nn.MaxUnpool2d):
    """nn.MaxUnpool2d back to the height and width of ``like`` (the max pool's input, where its
    indices point; SegNet's decoder): values the pool did not pick are 0."""

    def forward(self, x: torch.Tensor, indices: torch.Tensor, like: torch.Tensor, *_: torch.Tensor) -> torch.Tensor:
        return super().forward(x, indices, output_size=like.shape[2:])
''',
    "LayerScale": '''
class LayerScale(nn.Module):
    """A learned scale per channel (ConvNeXt's layer scale): C parameters, one product per value."""

    def __init__(self, channels: int, init: float = 1e-6, image: bool = True) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.full((channels, 1, 1) if image else (channels,), init))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale
''',
    "ChannelSplit": '''
class ChannelSplit(nn.Module):
    """Slice ``index`` of ``parts`` equal slices of the channels (ShuffleNetV2's channel split)."""

    def __init__(self, parts: int, index: int) -> None:
        super().__init__()
        self.parts, self.index = parts, index

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.chunk(x, self.parts, dim=1)[self.index]
''',
    "KerasAvgPool2d": '''
class KerasAvgPool2d(nn.Module):
    """Average pooling with asymmetric zero padding (left, right, top, bottom) that, like
    Keras 'same', divides by the number of real pixels under the window, not the window size."""

    def __init__(self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int],
                 padding: tuple[int, int, int, int]) -> None:
        super().__init__()
        self.pad = nn.ZeroPad2d(padding)
        self.pool = nn.AvgPool2d(kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        real = self.pool(self.pad(torch.ones_like(x[:, :1])))
        return self.pool(self.pad(x)) / real
''',
    "DeformConv2d": '''
class DeformConv2d(nn.Module):
    """Deformable convolution v1: a plain conv predicts the sampling offsets, then
    torchvision.ops.deform_conv2d samples.  Needs torchvision to run (imported in
    forward only, so the model builds and its parameters count without it)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: tuple[int, int],
        stride: tuple[int, int] = (1, 1),
        padding: tuple[int, int] = (0, 0),
        dilation: tuple[int, int] = (1, 1),
        groups: int = 1,
        bias: bool = True,
        offset_groups: int = 1,
        offset_bias: bool = True,
    ) -> None:
        super().__init__()
        kh, kw = kernel_size
        self.offset = nn.Conv2d(
            in_channels, 2 * offset_groups * kh * kw, kernel_size, stride, padding, dilation, bias=offset_bias
        )
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, kh, kw))
        nn.init.kaiming_uniform_(self.weight, a=5**0.5)
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.register_parameter("bias", None)
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        from torchvision.ops import deform_conv2d

        return deform_conv2d(
            x, self.offset(x), self.weight, self.bias, stride=self.stride, padding=self.padding, dilation=self.dilation
        )
''',
}
