"""Records: value classes declared as dataclasses are, built without compiling code at import.

``@record(frozen=True, slots=True)`` gives a class what ``@dataclass`` would: ``__init__`` (with
defaults, ``field(default_factory=...)``, ``field(init=False)`` and ``__post_init__``),
``__repr__``, ``__eq__``, ``__hash__``, ``__match_args__``, frozen assignment and slots, with
:func:`fields` and :func:`replace` beside them.  Type checkers see :mod:`dataclasses` itself.

Why not :mod:`dataclasses`: it compiles five or six methods per class with ``exec`` when the class
is defined, about 0.35 ms each, and imports :mod:`inspect`.  cnncalc defines about fifty such
classes and a run uses a few of their methods, so this start-up cost was a fifth of a summary
(benchmarks/run.py).  Here each method is compiled the first time it is called, from the same
source text :mod:`dataclasses` would write; until then a small forwarding function stands in for
it (most classes in a run need only ``__init__``).  tests/test_records.py checks both agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


class _FrozenInstanceError(AttributeError):
    """An assignment to a field of a frozen record."""


class _Field:
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


def _field(*, default: Any = _MISSING, default_factory: Any = _MISSING, init: bool = True,
           metadata: Any = None) -> Any:
    """Declare a field with a default, a default factory, or kept out of ``__init__``."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, init, metadata)


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
        f.name = name
        every[name] = f
        declared.append(name)
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
    body["__dataclass_fields__"] = _AsDataclass(cls.__name__, every)
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
        if slots:
            body.setdefault("__getstate__", _getstate)
            body.setdefault("__setstate__", _setstate)
    pending = [m for m in generated if m not in own]
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
                    "__setattr__", "__delattr__"):
            if key in body and key not in own:
                setattr(cls, key, body[key])
        new = cls
    for method in pending:
        setattr(new, method, _stand_in(new, method, frozen))
    return new


def _stand_in(cls: type, method: str, frozen: bool) -> Callable[..., Any]:
    """A method that, called the first time, compiles the real one, installs it and calls it."""

    def first_call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if cls.__dict__.get(method) is first_call:
            _compile(cls, method, frozen)
        return getattr(cls, method)(self, *args, **kwargs)

    first_call.__name__ = first_call.__qualname__ = method
    return first_call


def _compile(cls: type, method: str, frozen: bool) -> None:
    """The method :mod:`dataclasses` would write for this class: compiled, set on the class."""
    every: dict[str, Any] = cls.__record_fields__  # type: ignore[attr-defined]
    scope: dict[str, Any] = {"_set": object.__setattr__, "_FACTORY": _FACTORY}
    values = "".join(f"self.{n}," for n in every)
    if method == "__init__":
        src = _init_source(every, frozen, hasattr(cls, "__post_init__"), scope)
    elif method == "__repr__":
        shown = ", ".join(f"{n}={{self.{n}!r}}" for n in every)
        src = f"def __repr__(self):\n  return f'{{self.__class__.__qualname__}}({shown})'\n"
    elif method == "__eq__":
        others = "".join(f"other.{n}," for n in every)
        src = ("def __eq__(self, other):\n  if other.__class__ is self.__class__:\n"
               f"    return ({values}) == ({others})\n  return NotImplemented\n")
    else:
        src = f"def __hash__(self):\n  return hash(({values}))\n"
    exec(src, scope)  # noqa: S102 - text built here from the field names only
    function = scope[method]
    function.__qualname__ = f"{cls.__qualname__}.{method}"
    setattr(cls, method, function)


def _init_source(every: dict[str, Any], frozen: bool, post_init: bool, scope: dict[str, Any]) -> str:
    params, lines = ["self"], []
    for name, f in every.items():
        if f.default_factory is not _MISSING:
            scope[f"_f_{name}"] = f.default_factory
            if f.init:
                params.append(f"{name}=_FACTORY")
                value = f"_f_{name}() if {name} is _FACTORY else {name}"
            else:
                value = f"_f_{name}()"
        elif f.init:
            if f.default is not _MISSING:
                scope[f"_d_{name}"] = f.default
                params.append(f"{name}=_d_{name}")
            else:
                params.append(name)
            value = name
        elif f.default is not _MISSING:
            scope[f"_d_{name}"] = f.default
            value = f"_d_{name}"
        else:  # init=False and no default: __post_init__ sets it
            continue
        lines.append(f"_set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if post_init:
        lines.append("self.__post_init__()")
    return f"def __init__({', '.join(params)}):\n" + "".join(f"  {x}\n" for x in lines or ["pass"])


class _Factory:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise _FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise _FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, n) for n in self.__record_fields__]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)


class _AsDataclass(dict):  # type: ignore[type-arg]
    """A record's ``__dataclass_fields__``: what :mod:`dataclasses` reads in ``fields``,
    ``replace``, ``asdict`` and ``is_dataclass``, so they work on records too.  Filled with real
    :class:`dataclasses.Field` objects the first time it is read, by :mod:`dataclasses` itself
    (on a stand-in class with the same fields)."""

    __slots__ = ("_fields", "_name")

    def __init__(self, name: str, record_fields: dict[str, _Field]) -> None:
        super().__init__()
        self._name, self._fields = name, record_fields

    def _filled(self) -> dict[str, Any]:
        if self._fields:
            import dataclasses

            body: dict[str, Any] = {"__annotations__": dict.fromkeys(self._fields, "Any")}
            for name, f in self._fields.items():
                given: dict[str, Any] = {"init": f.init, "metadata": f.metadata or None}
                if f.default is not _MISSING:
                    given["default"] = f.default
                if f.default_factory is not _MISSING:
                    given["default_factory"] = f.default_factory
                body[name] = dataclasses.field(**given)
            self._fields = {}
            self.update(dataclasses.dataclass(type(self._name, (), body)).__dataclass_fields__)  # type: ignore
        return self

    def values(self) -> Any:
        return dict.values(self._filled())

    def items(self) -> Any:
        return dict.items(self._filled())

    def keys(self) -> Any:
        return dict.keys(self._filled())

    def __iter__(self) -> Any:
        return dict.__iter__(self._filled())

    def __len__(self) -> int:
        return dict.__len__(self._filled())

    def __getitem__(self, key: str) -> Any:
        return dict.__getitem__(self._filled(), key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self._filled(), key)

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self._filled(), key, default)
