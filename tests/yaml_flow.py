"""Python values written as YAML flow text, for specs built by the layer-acceptance tests."""

from __future__ import annotations


def flow(v: object) -> str:
    """A YAML flow value: {k: v}, [a, b], true/false, numbers and plain words."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)
