"""Python call expressions for the exported file: ``Call("nn.Conv2d", (3, 8), {"kernel_size": 3})``
rendered on one line or one argument per line, literals written as ruff format would."""

from __future__ import annotations

from typing import Any

from cnncalc.records import field, record


class Code(str):
    """Python source written as it is (not quoted as a string literal)."""


def lit(v: Any) -> str:
    """A Python literal (or code) for ``v``; an equal pair becomes one number."""
    if isinstance(v, Call):
        return v.render()
    if isinstance(v, Code):
        return str(v)
    if isinstance(v, tuple):
        if len(v) == 2 and v[0] == v[1]:
            return lit(v[0])
        return "(" + ", ".join(lit(x) for x in v) + ")"
    if isinstance(v, (bool, int, float, str)):
        return repr(v)
    raise AssertionError(f"no literal for {v!r}")


@record(frozen=True)
class Call:
    """``func(args, key=value)``, rendered on one line or one argument per line."""

    func: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def parts(self, indent: int) -> list[str]:
        out = [lit(a) if not isinstance(a, Call) else a.render(indent) for a in self.args]
        out += [f"{k}={v.render(indent) if isinstance(v, Call) else lit(v)}" for k, v in self.kwargs.items()]
        return out

    def render(self, indent: int = 0, width: int = 100) -> str:
        flat = f"{self.func}({', '.join(self.parts(0))})"
        if indent + len(flat) <= width:
            return flat
        pad = " " * (indent + 4)
        inner = ",\n".join(pad + p for p in self.parts(indent + 4))
        return f"{self.func}(\n{inner},\n{' ' * indent})"


@record(frozen=True)
class Emit:
    """One layer's module, the helper classes it needs, and the positions of its inputs it reads
    as a max pool's indices (unpool): the exporter makes that pool return them."""

    module: Call
    helpers: tuple[str, ...] = ()
    indices: tuple[int, ...] = ()
