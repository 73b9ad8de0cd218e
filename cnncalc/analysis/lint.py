"""Warnings for configurations that silently lose information.

They never change a number; the CLI prints them on stderr as ``warning: ...``.

* W101 floor rounding leaves the last input rows/columns unread (a 25x25 input
  to a 2x2 pool ignores row and column 24);
* W102 ceil_mode: the last window would start in the padding, so PyTorch drops
  it and the output size differs from frameworks without that rule;
* W103 padding larger than half the (dilated) kernel: border outputs see
  mostly or only padding;
* W104 the kernel is larger than the input and fits only because of padding;
* W105 the input looks channels-first (3x224x224 where H x W x C is meant);
* W106 a layer's output goes nowhere: no later layer reads it and it is not an output
  (a path entry ``- [name, ...]`` leaves the flow before it behind).

A kind with a sliding window states it (``Layer.windows``); the warnings read that
statement, so a new windowed kind is checked without any change here.
"""

from __future__ import annotations

from cnncalc.analysis.report import Report
from cnncalc.errors import SourcePos
from cnncalc.layers.base import Layer
from cnncalc.layers.geometry import AXES, Window
from cnncalc.records import record
from cnncalc.shapes import Shape


@record(frozen=True, slots=True)
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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def leaves_unread(layer: Layer, x: Shape) -> bool:
    """Whether a windowed layer never reads some trailing input rows or columns (W101)."""
    windows = layer.windows(x) if x.is_image else None
    return windows is not None and any(w.unread for w in windows)


def check_windows(windows: tuple[Window, Window]) -> list[tuple[str, str]]:
    """(code, message) for every lossy configuration of one windowed layer."""
    found: list[tuple[str, str]] = []
    named = list(zip(AXES, windows, strict=True))
    unread = [(name, w) for name, w in named if w.unread]
    if unread:
        parts = [f"the last {_plural(w.unread, name)}" for name, w in unread]
        w = unread[0][1]
        rounding = "ceil" if w.ceil else "floor"
        found.append(("W101", (f"{' and '.join(parts)} of the input are never read: {rounding}(({w.size} + {w.before}"
                               f" + {w.after} − {w.extent}) / {w.stride}) + 1 = {w.out} windows stop short;"
                               " pad the input or pick a size the stride divides")))
    for name, w in named:
        if w.pool and w.dropped:
            start = w.out * w.stride
            found.append(("W102", (f"ceil_mode: the last window along the {name}s would start at {start}, in the padding"
                                   f" (input {w.size} + {w.before} padding); PyTorch drops it and gives {w.out},"
                                   f" frameworks without that rule (Caffe) give {w.out + 1}")))
            break
    for name, w in named:
        p = max(w.before, w.after)
        if not w.pool and p > w.extent // 2:
            what = "only padding (they are just the bias)" if p >= w.extent else "mostly padding"
            found.append(("W103", (f"{name} padding {p} is more than half the kernel extent {w.extent}:"
                                   f" the border outputs see {what}")))
            break
    for name, w in named:
        if w.extent > w.size:
            found.append(("W104", (f"the {name} kernel extent {w.extent} is larger than the input's {w.size}"
                                   f" {name}s; it fits only because of {w.before} + {w.after} padding")))
            break
    return found


def lint(report: Report) -> list[Lint]:
    """Every warning for the analysed network, in layer order."""
    out: list[Lint] = []
    read = {i for row in report.rows for i in row.sources} | {o.row for o in report.outputs}
    for i, row in enumerate(report.rows):
        if i not in read and not row.aux and report.outputs:  # an aux head's end is its output
            out.append(Lint("W106", row.name, row.kind, "its output goes nowhere: no later layer reads it and it is"
                            " not an output (list it in 'outputs:' to return it)", row.pos))
        x = row.inputs[0]
        windows = row.layer.windows(x) if row.layer is not None and x.is_image else None
        if windows is None:
            continue
        for code, message in check_windows(windows):
            out.append(Lint(code, row.name, row.kind, message, row.pos))
    return out


def channels_first(x: Shape) -> str | None:
    """A PyTorch-style C x H x W input written where H x W x C is meant: the suggestion."""
    if x.is_image and x.h <= 4 and x.w == x.c and x.w > 4 * x.h:
        return f"{x.w}x{x.c}x{x.h}"
    return None


def input_warnings(report: Report) -> list[Lint]:
    """Warnings about the network input itself."""
    meant = channels_first(report.input)
    if meant is None:
        return []
    return [Lint("W105", "input", "input", f"{report.input} looks channels-first (C x H x W, PyTorch's order);"
                 f" cnncalc reads H x W x C: did you mean {meant}?")]
