"""Frozen value types every stage shares: a tensor shape and a layer's cost.  Exact Python ints only."""

from __future__ import annotations

from math import prod

from cnncalc.records import record


@record(frozen=True, slots=True)
class Shape:
    """A per-sample tensor shape: ``(H, W, C)`` for images, ``(N,)`` for vectors."""

    dims: tuple[int, ...]

    @property
    def is_image(self) -> bool:
        return len(self.dims) == 3

    @property
    def h(self) -> int:
        return self.dims[0]

    @property
    def w(self) -> int:
        return self.dims[1]

    @property
    def c(self) -> int:
        """Channels: the last axis (a vector's length)."""
        return self.dims[-1]

    @property
    def numel(self) -> int:
        return prod(self.dims)

    def with_c(self, c: int) -> Shape:
        return Shape((*self.dims[:-1], c))

    def __str__(self) -> str:
        return "x".join(str(d) for d in self.dims)


@record(frozen=True, slots=True)
class Cost:
    """What one layer costs per sample."""

    trainable: int = 0
    non_trainable: int = 0
    macs: int = 0
    extra_macs: int = 0  # counted by the layer's docs but outside the convention (deform sampling)

    @property
    def params(self) -> int:
        return self.trainable + self.non_trainable

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.trainable + other.trainable,
            self.non_trainable + other.non_trainable,
            self.macs + other.macs,
            self.extra_macs + other.extra_macs,
        )
