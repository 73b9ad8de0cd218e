"""Warnings for configurations that silently lose information.

They never change a number; the CLI prints them on stderr as ``warning: ...``.

* W101 floor rounding leaves the last input rows/columns unread (a 25x25 input
  to a 2x2 pool ignores row and column 24);
* W102 ceil_mode: the last window would start in the padding, so PyTorch drops
  it and the output size differs from frameworks without that rule;
* W103 padding larger than half the (dilated) kernel: border outputs see
  mostly or only padding;
* W104 the kernel is larger than the input and fits only because of padding.

Windowed layers are found through an explicit mapping from layer class to its
window geometry, never by class names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cnncalc.analysis.report import Report
from cnncalc.errors import SourcePos
from cnncalc.graph.nodes import Graph
from cnncalc.layers.base import Layer
from cnncalc.layers.composite import DeformConv
from cnncalc.layers.conv import Conv, DepthwiseConv, SeparableConv, k_eff
from cnncalc.layers.pool import AvgPool, MaxPool, pool_out
from cnncalc.shapes import Shape


@dataclass(frozen=True, slots=True)
class Lint:
    """One warning about one layer."""

    code: str
    layer: str
    kind: str
    message: str
    pos: SourcePos | None = None

    def __str__(self) -> str:
        where = f"{self.pos}: " if self.pos else ""
        return f"warning: {where}{self.layer} ({self.kind}): {self.message} [{self.code}]"


@dataclass(frozen=True, slots=True)
class Axis:
    """A sliding window along one axis, in input pixels."""

    name: str  # "row" or "column"
    size: int
    before: int
    after: int
    extent: int  # dilated kernel extent d·(k−1) + 1
    stride: int
    out: int
    ceil: bool = False
    pool: bool = False


def _conv_axes(layer: Any, x: Shape, out: Shape) -> tuple[Axis, Axis]:
    t, b, left, r = layer.pads(x)
    ke = k_eff(layer.kernel, layer.dilation)
    return (Axis("row", x.h, t, b, ke[0], layer.stride[0], out.h),
            Axis("column", x.w, left, r, ke[1], layer.stride[1], out.w))


def _pool_axes(layer: Any, x: Shape, out: Shape) -> tuple[Axis, Axis]:
    t, b, left, r = layer.pads(x)
    kh, kw = layer.kernel
    sh, sw = layer.step
    return (Axis("row", x.h, t, b, kh, sh, out.h, layer.ceil_mode, True),
            Axis("column", x.w, left, r, kw, sw, out.w, layer.ceil_mode, True))


WINDOWS: dict[type[Layer], Callable[[Any, Shape, Shape], tuple[Axis, Axis]]] = {
    Conv: _conv_axes,
    DepthwiseConv: _conv_axes,
    SeparableConv: _conv_axes,
    DeformConv: _conv_axes,
    MaxPool: _pool_axes,
    AvgPool: _pool_axes,
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _unread(a: Axis) -> int:
    """Input pixels past the end of the last window (0 when windows have gaps anyway)."""
    if a.stride > a.extent:  # strided 1x1 convs skip pixels by design
        return 0
    covered = (a.out - 1) * a.stride + a.extent - a.before
    return max(a.size - covered, 0)


def leaves_unread(layer: Layer, x: Shape, out: Shape) -> bool:
    """Whether a windowed layer never reads some trailing input rows or columns (W101)."""
    geometry = WINDOWS.get(type(layer))
    return geometry is not None and x.is_image and any(_unread(a) for a in geometry(layer, x, out))


def check_axes(axes: tuple[Axis, Axis]) -> list[tuple[str, str]]:
    """(code, message) for every lossy configuration of one windowed layer."""
    found: list[tuple[str, str]] = []
    unread = [(a, _unread(a)) for a in axes]
    if any(n for _, n in unread):
        parts = [f"the last {_plural(n, a.name)}" for a, n in unread if n]
        a = next(a for a, n in unread if n)
        rounding = "ceil" if a.ceil else "floor"
        found.append(("W101", (f"{' and '.join(parts)} of the input are never read: {rounding}(({a.size} + {a.before}"
                               f" + {a.after} − {a.extent}) / {a.stride}) + 1 = {a.out} windows stop short;"
                               " pad the input or pick a size the stride divides")))
    for a in axes:
        if a.ceil and a.pool and pool_out(a.size, a.before, a.after, a.extent, a.stride, True)[1]:
            start = a.out * a.stride
            found.append(("W102", (f"ceil_mode: the last window along the {a.name}s would start at {start}, in the padding"
                                   f" (input {a.size} + {a.before} padding); PyTorch drops it and gives {a.out},"
                                   f" frameworks without that rule (Caffe) give {a.out + 1}")))
            break
    for a in axes:
        half = a.extent // 2
        if not a.pool and max(a.before, a.after) > half:
            p = max(a.before, a.after)
            what = "only padding (they are just the bias)" if p >= a.extent else "mostly padding"
            found.append(("W103", (f"{a.name} padding {p} is more than half the kernel extent {a.extent}:"
                                   f" the border outputs see {what}")))
            break
    for a in axes:
        if a.extent > a.size:
            found.append(("W104", (f"the {a.name} kernel extent {a.extent} is larger than the input's {a.size}"
                                   f" {a.name}s; it fits only because of {a.before} + {a.after} padding")))
            break
    return found


def lint(graph: Graph, report: Report) -> list[Lint]:
    """Every warning for the analysed graph, in layer order."""
    out: list[Lint] = []
    for node, row in zip(graph.nodes, report.rows):
        geometry = WINDOWS.get(type(node.layer))
        if geometry is None or not row.inputs[0].is_image:
            continue
        for code, message in check_axes(geometry(node.layer, row.inputs[0], row.output)):
            out.append(Lint(code, node.name, node.kind, message, node.pos))
    return out
