"""Which input positions each output position reads, along one axis: the geometry of a kind.

A kind states it once (:meth:`~cnncalc.layers.base.Layer.reads`), as one of a few frozen
values; shape inference, warnings (lint), receptive fields, explanations, the hints on a
failed claim and the PyTorch export all read that one statement instead of re-deriving it.

* :class:`Window` — a sliding window (conv, pooling): kernel, dilation, stride, padding
  before and after, PyTorch's ceil rule;
* :class:`Transposed` — a transposed conv's window, run backwards;
* :class:`Offset` — output ``o`` reads input ``o + shift`` (zero-padding, cropping);
* :class:`Resample` — a resize between two sizes (up-sampling, adaptive pooling, pixel shuffle);
* :data:`WHOLE` — every output reads the whole axis (global pooling, flatten);
* :data:`SAME` — output ``o`` reads input ``o`` (element-wise layers, norms, merges, dense
  on positions).
"""

from __future__ import annotations

from cnncalc.errors import ShapeError
from cnncalc.records import record
from cnncalc.shapes import Shape

AXES = ("row", "column")  # axis 0 is H (rows), axis 1 is W (columns)
Pair = tuple[int, int]
Pad4 = tuple[int, int, int, int]  # top, bottom, left, right
Padding = Pad4 | str  # or "same"


@record(frozen=True, slots=True)
class Window:
    """A sliding window along one axis, in input pixels.

    out = floor((size + before + after − extent) / stride) + 1, extent = dilation·(kernel − 1) + 1;
    with ``ceil`` (PyTorch's ceil_mode) the division rounds up, but a last window that would
    start in the padding after the input (at or past ``size + before``) is dropped.
    """

    size: int
    kernel: int
    stride: int
    before: int
    after: int
    dilation: int = 1
    ceil: bool = False
    pool: bool = False  # pooling: the padding is at most half the kernel, and -inf/ignored

    @property
    def extent(self) -> int:
        """Input pixels a dilated kernel spans: d·(k − 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1

    @property
    def span(self) -> int:
        """The padded input the windows slide over."""
        return self.size + self.before + self.after

    @property
    def ceil_out(self) -> int:
        """The window count before PyTorch's last-window rule: ceil((span − extent) / stride) + 1."""
        return -(-(self.span - self.extent) // self.stride) + 1

    @property
    def dropped(self) -> bool:
        """Whether the ceil rule dropped a last window that would start in the trailing padding."""
        return self.ceil and (self.ceil_out - 1) * self.stride >= self.size + self.before

    @property
    def out(self) -> int:
        """Output positions along the axis (may be below 1: the caller refuses that)."""
        if self.ceil:
            return self.ceil_out - self.dropped
        return (self.span - self.extent) // self.stride + 1

    def first(self, o: int) -> int:
        """The first input index output ``o`` reads (negative or past the end: padding)."""
        return o * self.stride - self.before

    @property
    def unread(self) -> int:
        """Trailing input pixels no window reads (0 when strides skip pixels by design)."""
        if self.stride > self.extent:
            return 0
        return max(self.size - (self.first(self.out - 1) + self.extent), 0)


@record(frozen=True, slots=True)
class Transposed:
    """A transposed conv along one axis: input ``i`` is spread onto outputs ``i·stride − before
    + t·dilation`` for taps t = 0..kernel − 1; ``before``/``after`` rows are removed, ``extra``
    (output padding) added at the end.  out = (size − 1)·stride − before − after + extent + extra."""

    size: int
    kernel: int
    stride: int
    before: int
    after: int
    dilation: int = 1
    extra: int = 0

    @property
    def extent(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    @property
    def out(self) -> int:
        return (self.size - 1) * self.stride - self.before - self.after + self.extent + self.extra


@record(frozen=True, slots=True)
class Offset:
    """Output ``o`` reads input ``o + shift``: zero-padding (shift −before) or cropping (+before)."""

    shift: int


@record(frozen=True, slots=True)
class Resample:
    """A resize of ``size_in`` positions to ``size_out`` along one axis.

    ``mode`` says which inputs output ``o`` reads (PyTorch's rules, align_corners=False):
    nearest ``floor(o·size_in/size_out)``; bilinear the two and bicubic the four neighbours of
    ``(o + 1/2)·size_in/size_out − 1/2``; adaptive pooling the window
    ``[floor(o·size_in/size_out), ceil((o + 1)·size_in/size_out))``.  For up-sampling by a
    scale factor PyTorch maps back by the factor given, so ``size_in/size_out`` is the factor's
    exact ratio rather than the tensor sizes.
    """

    size_in: int
    size_out: int
    mode: str  # "nearest", "bilinear", "bicubic" or "adaptive"


@record(frozen=True, slots=True)
class Whole:
    """Every output position reads the whole axis (global pooling, flatten)."""


@record(frozen=True, slots=True)
class Same:
    """Output position ``o`` reads input position ``o`` only."""


WHOLE = Whole()
SAME = Same()
Reads = Window | Transposed | Offset | Resample | Whole | Same


def same_padding(size: int, extent: int, stride: int) -> tuple[int, int]:
    """Keras/TensorFlow 'same': out = ceil(size / stride); the total padding that needs, split
    with the odd pixel after (bottom/right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + extent - size, 0)
    return total // 2, total - total // 2


# --- the checks every windowed kind makes --------------------------------------------------

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
