"""Resource limits: how much work one spec may ask for (docs/errors.md, E15x).

Every command that reads a spec takes one flag per limit; a limit is per spec.
"""

from __future__ import annotations

from dataclasses import dataclass

# --max-depth cannot go beyond this: the graph builder recurses about five
# Python frames per level, and deeper stacks risk the interpreter's own C stack.
MAX_DEPTH_CEILING = 1000


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits; each has a CLI flag to raise it (docs/errors.md, E15x).

    ``max_layers`` also bounds what YAML aliases may add when expanded
    (``max_aliased``): aliases are one of the ways a short file asks for
    billions of layers.
    """

    max_bytes: int = 4_000_000  # size of the spec file
    max_depth: int = 64  # YAML nesting, and block/merge/aux nesting once blocks are expanded
    max_layers: int = 100_000  # layers after expanding blocks, repeat and aliases
    max_expr: int = 200  # characters in one ${...} expression

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_depth", "max_layers", "max_expr"):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be positive, got {getattr(self, name)}")
        if self.max_depth > MAX_DEPTH_CEILING:
            raise ValueError(f"Limits.max_depth cannot exceed {MAX_DEPTH_CEILING}, got {self.max_depth}")

    @property
    def max_aliased(self) -> int:
        """Values YAML aliases may add when expanded (about 20 per layer)."""
        return 20 * self.max_layers
