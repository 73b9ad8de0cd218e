"""The network's outputs: ``outputs: [a, b]`` (YOLO's two heads, FCN's auxiliary classifier).

Without the key, the output is the last layer of the flow.  With it, each name is looked up at
the top level (``input`` included), in the order written: the report lists the outputs in that
order and the PyTorch export returns them as a tuple in that order.
"""

from __future__ import annotations

from collections.abc import Callable

from cnncalc.errors import CnnCalcError, SpecError, clip
from cnncalc.source.values import as_str, describe
from cnncalc.source.yamltree import YNode, YScalar, YSeq
from cnncalc.spec.expect import Claim


def resolve_outputs(node: YNode | None, last: int, lookup: Callable[[YScalar], int],
                    errors: list[CnnCalcError]) -> tuple[int, ...]:
    """The output nodes; every bad name is added to ``errors`` (the result is then a stand-in)."""
    if node is None or isinstance(node, YScalar) and node.is_null():
        return (last,)
    if not isinstance(node, YSeq) or not node.items:
        errors.append(SpecError(f"'outputs' must be a non-empty list of layer names, e.g. outputs: [head1, head2];"
                                f" got {describe(node)}", node.pos, code="E105"))
        return (last,)
    found: dict[int, YScalar] = {}
    for item in node.items:
        try:
            as_str(item, "an output")
            assert isinstance(item, YScalar)
            index = lookup(item)
        except CnnCalcError as exc:
            errors.append(exc)
            continue
        if index in found:
            first = found[index]
            same = "listed twice" if first.value == item.value else f"the same layer as '{clip(first.value)}'"
            errors.append(SpecError(f"output '{clip(item.value)}' is {same} (first at line {first.pos.line}, column"
                                    f" {first.pos.col}): each output is returned once", item.pos, code="E213"))
            continue
        found[index] = item
    return tuple(found) or (last,)


def one_output_claim(claims: tuple[Claim, ...], outputs: int, errors: list[CnnCalcError]) -> tuple[Claim, ...]:
    """The top-level claims, without an ``output:`` claim on a network of several outputs (an error:
    which one would it be?)."""
    kept = []
    for c in claims:
        if c.field == "output" and outputs > 1:
            errors.append(SpecError(f"this network has {outputs} outputs: claim their shapes in order with"
                                    f" 'outputs: [...]', not 'output'", c.pos, code="E133"))
            continue
        kept.append(c)
    return tuple(kept)
