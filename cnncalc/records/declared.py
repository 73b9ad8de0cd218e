"""What a record's fields are declared with: :func:`field`, :class:`Field`, the ``MISSING``
default, and the error a frozen record raises on assignment (the names :mod:`dataclasses` uses)."""

from __future__ import annotations

from typing import Any


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record."""


class Field:
    """A declared field: its name, default (or default factory), whether ``__init__`` takes it,
    and free metadata (the layer kinds keep their parser and doc line there)."""

    __slots__ = ("default", "default_factory", "init", "metadata", "name")

    def __init__(self, default: Any, default_factory: Any, init: bool, metadata: Any) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.metadata = {} if metadata is None else metadata

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, init={self.init})"


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True,
           metadata: Any = None) -> Any:
    """Declare a field with a default, a default factory, or kept out of ``__init__``."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return Field(default, default_factory, init, metadata)
