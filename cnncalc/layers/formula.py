"""The formula vocabulary a kind explains itself with (``cnncalc explain``).

An :class:`Eq` is ``names = expr = value``: the expression with the numbers substituted, and the
value the report holds.  ``names`` that are also report fields (``H_out``, ``W_out``, ``C_out``,
``params``, ``trainable``, ``non_trainable``, ``MACs``) must equal the report's number: a test
evaluates every printed right-hand side and compares.  The window formulas shared by
convolutions and pooling are written here once, from the kind's :class:`Window`.
"""

from __future__ import annotations

from cnncalc.layers.geometry import Window
from cnncalc.records import record
from cnncalc.shapes import Shape

M = "−"  # the minus sign printed in formulas
X = "×"


@record(frozen=True, slots=True)
class Eq:
    """``names = expr = value``; ``names`` like ("H_out", "W_out") when both axes agree."""

    names: tuple[str, ...]
    expr: str
    value: int

    def __str__(self) -> str:
        return " = ".join((*self.names, self.expr, f"{self.value:,}"))


Line = Eq | str


def axes(h: Eq, w: Eq) -> list[Line]:
    """One line when both axes have the same arithmetic, else two."""
    if h.expr == w.expr:
        return [Eq((*h.names, *w.names), h.expr, h.value)]
    return [h, w]


def mul(*factors: int | str) -> str:
    return f" {X} ".join(str(f) for f in factors)


def plus_bias(expr: str, bias: bool) -> str:
    """``expr + 1`` in parentheses when a bias is counted per filter."""
    return f"({expr} + 1)" if bias else expr


SAME_NOTE = "same padding: enough total padding for H_out = ceil(H_in / stride); an odd pixel goes bottom/right"


def _same_split(axis: str, w: Window) -> list[Line]:
    total = w.before + w.after
    expr = f"max((ceil({w.size} / {w.stride}) {M} 1) {X} {w.stride} + {w.extent} {M} {w.size}, 0)"
    first, second = ("top", "bottom") if axis == "H" else ("left", "right")
    return [Eq((f"pad_{axis}",), expr, total),
            Eq((f"pad_{first}",), f"floor({total} / 2)", w.before),
            Eq((f"pad_{second}",), f"{total} {M} {w.before}", w.after)]


def _ceil_axis(names: tuple[str, ...], w: Window, out: int) -> list[Line]:
    raw = w.ceil_out
    first = tuple(f"{n} before the rule" for n in names) if w.dropped else names
    lines: list[Line] = [Eq(first, f"ceil(({w.size} + {w.before} + {w.after} {M} {w.extent}) / {w.stride}) + 1", raw)]
    start = (raw - 1) * w.stride
    lines.append(Eq(("last window start",), f"({raw} {M} 1) {X} {w.stride}", start))
    if w.dropped:
        lines.append(f"{start} ≥ {w.size} + {w.before}: the last window would start in the padding; PyTorch drops it")
        lines.append(Eq(names, f"{raw} {M} 1", out))
    else:
        lines.append(f"{start} < {w.size} + {w.before}: it starts inside the input, so it is kept (ceil_mode rule)")
    return lines


def window_lines(h: Window, w: Window, out: Shape, same: bool) -> list[Line]:
    """Effective kernel, the 'same' padding split, and H_out / W_out of a sliding window."""
    lines: list[Line] = []
    if h.dilation > 1 or w.dilation > 1:
        lines += axes(Eq(("kh_eff",), f"{h.dilation} {X} ({h.kernel} {M} 1) + 1", h.extent),
                      Eq(("kw_eff",), f"{w.dilation} {X} ({w.kernel} {M} 1) + 1", w.extent))
    if same:
        lines.append(SAME_NOTE)
        lines += _same_split("H", h)
        if (w.size, w.extent, w.stride) != (h.size, h.extent, h.stride):
            lines += _same_split("W", w)
    if h.ceil:
        hw = (h.size, h.before, h.after, h.extent, h.stride) == (w.size, w.before, w.after, w.extent, w.stride)
        if hw:
            return lines + _ceil_axis(("H_out", "W_out"), h, out.h)
        return lines + _ceil_axis(("H_out",), h, out.h) + _ceil_axis(("W_out",), w, out.w)
    return lines + axes(
        Eq(("H_out",), f"floor(({h.size} + {h.before} + {h.after} {M} {h.extent}) / {h.stride}) + 1", out.h),
        Eq(("W_out",), f"floor(({w.size} + {w.before} + {w.after} {M} {w.extent}) / {w.stride}) + 1", out.w),
    )


def same_shape_lines() -> list[Line]:
    return ["shape unchanged; no parameters; 0 MACs"]
