"""A record's methods, compiled on first call from the source text :mod:`dataclasses` writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cnncalc.records.declared import MISSING


def stand_in(cls: type, method: str, frozen: bool) -> Callable[..., Any]:
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
    if method == "__repr__":  # a record that holds itself shows "..." there, as dataclasses does
        import reprlib

        function = reprlib.recursive_repr()(function)
    function.__qualname__ = f"{cls.__qualname__}.{method}"
    setattr(cls, method, function)


def _init_source(every: dict[str, Any], frozen: bool, post_init: bool, scope: dict[str, Any]) -> str:
    params, lines = ["self"], []
    for name, f in every.items():
        if f.default_factory is not MISSING:
            scope[f"_f_{name}"] = f.default_factory
            if f.init:
                params.append(f"{name}=_FACTORY")
                value = f"_f_{name}() if {name} is _FACTORY else {name}"
            else:
                value = f"_f_{name}()"
        elif f.init:
            if f.default is not MISSING:
                scope[f"_d_{name}"] = f.default
                params.append(f"{name}=_d_{name}")
            else:
                params.append(name)
            value = name
        elif f.default is not MISSING:
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
