"""Records: value classes declared as dataclasses are, built without compiling code at import.

``@record(frozen=True, slots=True)`` gives a class what ``@dataclass`` would: ``__init__`` (with
defaults, ``field(default_factory=...)``, ``field(init=False)`` and ``__post_init__``),
``__repr__``, ``__eq__``, ``__hash__``, ``__match_args__``, frozen assignment and slots, with
:func:`fields` and :func:`replace` beside them.  Type checkers see :mod:`dataclasses` itself.

Why not :mod:`dataclasses`: it compiles five or six methods per class with ``exec`` when the class
is defined, about 0.35 ms each, and imports :mod:`inspect`.  cnncalc defines about fifty such
classes and a run uses a few of their methods, so this start-up cost was a fifth of a summary
(benchmarks/run.py).  Here each method is compiled the first time it is called, from the same
source text :mod:`dataclasses` (Python 3.11) would write; until then a small forwarding function
stands in for it (most classes in a run need only ``__init__``).  tests/test_records.py checks
both agree.  What differs: ``inspect.signature`` of a record shows its fields once ``__init__``
has run, no ``__doc__`` is written for a class without one, and ``==`` compares the tuples of
fields as Python up to 3.12 does (3.13 compares field by field: only a NaN field tells them apart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.records.declared import MISSING as _MISSING
from cnncalc.records.declared import Field as _Field
from cnncalc.records.declared import FrozenInstanceError as _FrozenInstanceError
from cnncalc.records.declared import field as _field
from cnncalc.records.interop import AsDataclass
from cnncalc.records.methods import stand_in


def _fields(obj: Any) -> tuple[_Field, ...]:
    """The fields of a record class or instance, in declaration order (inherited first)."""
    try:
        return tuple(obj.__record_fields__.values())
    except AttributeError:
        raise TypeError(f"{obj!r} is not a record") from None


def _replace(obj: Any, /, **changes: Any) -> Any:
    """A copy of a record with some fields changed (fields out of ``__init__`` are recomputed)."""
    for f in obj.__record_fields__.values():
        if not f.init:
            if f.name in changes:
                raise ValueError(f"field {f.name!r} is not in __init__ and cannot be replaced")
        elif f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def _record(cls: type | None = None, /, *, frozen: bool = False, slots: bool = False, eq: bool = True) -> Any:
    """The class decorator: ``@record``, ``@record(frozen=True, slots=True)``, ``eq=False``."""

    def wrap(c: type) -> type:
        return _make(c, frozen, slots, eq)

    return wrap if cls is None else wrap(cls)


if TYPE_CHECKING:  # type checkers know dataclasses' semantics; records keep them
    from dataclasses import MISSING, Field, FrozenInstanceError, field, fields, replace
    from dataclasses import dataclass as record
else:
    MISSING, Field, FrozenInstanceError = _MISSING, _Field, _FrozenInstanceError
    field, fields, replace, record = _field, _fields, _replace, _record

__all__ = ["MISSING", "Field", "FrozenInstanceError", "field", "fields", "record", "replace"]


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):  # under ``from __future__ import annotations``, as in cnncalc
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return annotation is ClassVar or getattr(annotation, "__origin__", None) is ClassVar


def _make(cls: type, frozen: bool, slots: bool, eq: bool) -> type:
    own = cls.__dict__
    every: dict[str, Any] = {}  # inherited fields first; a redeclared one keeps its place
    for base in cls.__mro__[-1:0:-1]:
        every.update(getattr(base, "__record_fields__", {}))
    declared = []
    for name, annotation in own.get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        value = own.get(name, _MISSING)
        f = value if isinstance(value, _Field) else _Field(value, _MISSING, True, None)
        if f.default is not _MISSING and f.default.__class__.__hash__ is None:  # a list, dict or set
            raise ValueError(f"mutable default {type(f.default)} for field {name} is not allowed:"
                             " use default_factory")
        f.name = name
        every[name] = f
        declared.append(name)
    for name, value in own.items():
        if isinstance(value, _Field) and name not in declared:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    seen_default = ""
    for f in every.values():
        if f.init:
            if f.default is not _MISSING or f.default_factory is not _MISSING:
                seen_default = f.name
            elif seen_default:
                raise TypeError(f"non-default argument {f.name!r} follows default argument {seen_default!r}")
    body = dict(own)
    for name in declared:
        f = every[name]
        if slots or f.default is _MISSING:
            body.pop(name, None)
        else:
            body[name] = f.default
    body["__record_fields__"] = every
    body["__dataclass_fields__"] = AsDataclass(cls.__name__, every)
    if "__match_args__" not in own:
        body["__match_args__"] = tuple(n for n, f in every.items() if f.init)
    generated = ["__init__", "__repr__"] + (["__eq__"] if eq else [])
    explicit_hash = own.get("__hash__", _MISSING) is not _MISSING and not (
        own.get("__hash__") is None and "__eq__" in own)
    if eq and not explicit_hash:
        if frozen:
            generated.append("__hash__")
        else:
            body["__hash__"] = None
    body.setdefault("__replace__", _replace)  # copy.replace (Python 3.13), as dataclasses gives
    if frozen:
        body.setdefault("__setattr__", _frozen_setattr)
        body.setdefault("__delattr__", _frozen_delattr)
        body["__record_frozen__"] = frozenset(every)
        if slots:
            body.setdefault("__getstate__", _getstate)
            body.setdefault("__setstate__", _setstate)
    # a method the class writes itself stays (an __eq__ written there also sets __hash__ = None,
    # which is not a hash of its own: the frozen class still gets one, as dataclasses gives)
    pending = [m for m in generated if m not in own or (m == "__hash__" and not explicit_hash)]
    if slots:
        inherited = {s for base in cls.__mro__[1:] for s in base.__dict__.get("__slots__", ())}
        body["__slots__"] = tuple(n for n in declared if n not in inherited)
        body.pop("__dict__", None)
        body.pop("__weakref__", None)
        new = type(cls)(cls.__name__, cls.__bases__, body)
        new.__qualname__ = cls.__qualname__
    else:
        for name in declared:  # a default stays a class attribute, as dataclasses leaves it
            if name in body:
                setattr(cls, name, body[name])
            elif name in own:
                delattr(cls, name)
        for key in ("__record_fields__", "__dataclass_fields__", "__match_args__", "__replace__", "__hash__",
                    "__setattr__", "__delattr__", "__record_frozen__"):
            if key in body and key not in own:
                setattr(cls, key, body[key])
        new = cls
    for method in pending:
        setattr(new, method, stand_in(new, method, frozen))
    return new


def _frozen_owner(self: Any, name: str) -> bool:
    """Whether ``self`` is an instance of a frozen record itself, or ``name`` one of the fields of
    the frozen record it derives from (what a frozen dataclass refuses; a plain subclass may add
    attributes of its own)."""
    cls = type(self)
    return "__record_frozen__" in cls.__dict__ or name in cls.__record_frozen__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    if _frozen_owner(self, name):
        raise _FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _frozen_delattr(self: Any, name: str) -> None:
    if _frozen_owner(self, name):
        raise _FrozenInstanceError(f"cannot delete field {name!r}")
    object.__delattr__(self, name)


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, n) for n in self.__record_fields__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)
