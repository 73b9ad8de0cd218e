"""Resource limits: how much work one spec may ask for (docs/errors.md, E15x).

Every command that reads a spec takes one flag per limit; a limit is per spec.
Each limit has a ceiling (:data:`CEILINGS`): a flag may raise a limit up to it, never
past it, so no flag can ask for what the machine cannot do (``--max-bytes
99999999999999999999`` overflowed a C integer before).
"""

from __future__ import annotations

from cnncalc.records import fields, record

# --max-depth cannot go beyond this: the graph builder recurses about five
# Python frames per level, and deeper stacks risk the interpreter's own C stack.
MAX_DEPTH_CEILING = 1000
# The largest value each limit may be raised to, and why:
CEILINGS: dict[str, int] = {
    "max_bytes": 1 << 30,  # 1 GiB of spec: read whole into memory, and above a C ssize_t on no machine
    "max_depth": MAX_DEPTH_CEILING,
    "max_layers": 10_000_000,  # about 1 KB of memory per built layer: 10 GB
    "max_expr": 100_000,  # characters in one ${...}; the evaluator bounds its nesting separately
}


class LimitValueError(ValueError):
    """A limit set to a value it cannot take: ``name`` is the field, the message says why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@record(frozen=True, slots=True)
class Limits:
    """Resource limits; each has a CLI flag to raise it (docs/errors.md, E15x), up to its
    ceiling in :data:`CEILINGS`.  An impossible value is a :class:`LimitValueError` (a
    ``ValueError``) whose message a command line can show as it is.

    ``max_layers`` also bounds what YAML aliases may add when expanded
    (``max_aliased``): aliases are one of the ways a short file asks for
    billions of layers.
    """

    max_bytes: int = 4_000_000  # size of the spec file
    max_depth: int = 64  # YAML nesting, and block/merge/aux nesting once blocks are expanded
    max_layers: int = 100_000  # layers after expanding blocks, repeat and aliases, per spec
    max_expr: int = 200  # characters in one ${...} expression

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            flag = "--" + f.name.replace("_", "-")
            if isinstance(value, bool) or not isinstance(value, int):
                raise LimitValueError(f.name, f"{flag} must be a whole number, got {value!r}")
            if value < 1:
                raise LimitValueError(f.name, f"{flag} must be at least 1, got {value}")
            if value > CEILINGS[f.name]:
                shown = f"{value:,}" if value < 10**30 else f"a number of {len(str(value))} digits"
                raise LimitValueError(f.name, f"{flag} can be at most {CEILINGS[f.name]:,}, got {shown}")

    @property
    def max_aliased(self) -> int:
        """Values YAML aliases may add when expanded (about 20 per layer)."""
        return 20 * self.max_layers
