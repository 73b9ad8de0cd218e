"""Specs built from the command line: ``cnncalc calc 7x7x3 "conv: {filters: 3, kernel: 5, stride: 2}"``.

Each argument is its own source (``<arg 2>``), so errors point into the argument that caused them.
"""

from __future__ import annotations

from cnncalc.errors import CnnCalcError, SourcePos, SpecError, raise_all
from cnncalc.limits import Limits
from cnncalc.shapes import Shape
from cnncalc.source.yamltree import YNode, YSeq, parse_yaml
from cnncalc.spec.parse import Spec, shape_argument


def arg_name(index: int) -> str:
    """The source name of the ``index``-th argument of ``calc`` (1 is INPUT)."""
    return f"<arg {index}>"


def calc_sources(shape: str, layers: list[str]) -> dict[str, str]:
    """``calc``'s arguments by source name, for error excerpts."""
    return {arg_name(1): shape, **{arg_name(i + 2): text for i, text in enumerate(layers)}}


def calc_spec(shape: str, layers: list[str], limits: Limits = Limits()) -> Spec:
    """A spec from ``calc``'s arguments: INPUT is ``<arg 1>``, the layers ``<arg 2>`` on."""
    errors: list[CnnCalcError] = []
    inp = Shape((1, 1, 1))
    try:
        inp = shape_argument(shape, arg_name(1), "INPUT", limits)
    except CnnCalcError as exc:
        errors.append(exc)
    items: list[YNode] = []
    for i, text in enumerate(layers):
        name = arg_name(i + 2)
        try:
            node = parse_yaml(text, name, max_depth=limits.max_depth)
            if node is None:
                raise SpecError("empty layer; give one entry such as 'relu' or 'conv: {filters: 8, kernel: 3}'",
                                SourcePos(name, 1, 1), code="E120")
            items.append(node)
        except CnnCalcError as exc:
            errors.append(exc)
    if not layers:
        errors.append(SpecError("calc needs at least one LAYER after INPUT", SourcePos(arg_name(2), 1, 1), code="E105"))
    raise_all(errors)
    return Spec("calc", inp, YSeq(items, SourcePos(arg_name(2), 1, 1)), pos=SourcePos(arg_name(1), 1, 1))
