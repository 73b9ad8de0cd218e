"""Merges of paths: concat (channels), add (equal shapes), multiply (gating).

All count 0 MACs and have no parameters.  Mismatch messages are written by
the graph builder, which knows where each input came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.errors import ShapeError
from cnncalc.layers.base import Layer, register
from cnncalc.shapes import Shape


@register
@dataclass(frozen=True, kw_only=True)
class Concat(Layer):
    """Join on channels: spatial sizes must agree; C = sum of input channels."""

    kind = "concat"
    arity = 0

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        first = inputs[0]
        if any(s.dims[:-1] != first.dims[:-1] for s in inputs):
            raise ShapeError("concat needs equal spatial sizes (H x W) on every input", code="E310")
        return first.with_c(sum(s.c for s in inputs))


@register
@dataclass(frozen=True, kw_only=True)
class Add(Layer):
    """Element-wise sum (ResNet shortcut): all shapes equal."""

    kind = "add"
    arity = 0

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        if any(s != inputs[0] for s in inputs):
            raise ShapeError("add needs all inputs of the same shape", code="E310")
        return inputs[0]


@register
@dataclass(frozen=True, kw_only=True)
class Multiply(Layer):
    """Element-wise product; a 1x1xC (or C) gate broadcasts over H x W x C (SENet)."""

    kind = "multiply"
    arity = 0

    def infer(self, inputs: tuple[Shape, ...]) -> Shape:
        full = max(inputs, key=lambda s: s.numel)
        for s in inputs:
            same = s == full
            gate = s.c == full.c and s.numel == s.c
            if not (same or gate):
                raise ShapeError("multiply needs equal shapes, or a 1x1xC gate with the same C", code="E310")
        return full
