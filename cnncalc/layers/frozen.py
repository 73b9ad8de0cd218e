"""A frozen value made of declared arguments: the machinery every layer kind is built on.

A kind declares its arguments with :func:`arg` (how to parse it, its default, its doc line);
:class:`Frozen` makes the class behave as a frozen keyword-only dataclass would (``__init__``,
``==``, ``hash``, ``repr``, :meth:`Frozen.replace`), but :meth:`Frozen.__init_subclass__`
gathers the declarations instead of generating code per class, which keeps start-up short.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.records import MISSING, Field, FrozenInstanceError, field
from cnncalc.source.yamltree import YNode

Parser = Callable[[YNode, str], Any]

if TYPE_CHECKING:
    from typing_extensions import Self, dataclass_transform
else:  # type checkers read the decorator; at run time it only marks the class
    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        return lambda c: c


def arg(parse: Parser, default: Any = MISSING, doc: str = "") -> Any:
    """Declare a layer argument: how to parse it, its default and its doc line."""
    return field(default=default, metadata={"parse": parse, "doc": doc})


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(arg,))
class Frozen:
    """A frozen value whose fields are the ``arg(...)`` declarations of its class and its bases."""

    __args__: ClassVar[tuple[Field[Any], ...]] = ()  # the arguments, in declaration order

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        args = {f.name: f for f in cls.__args__}  # inherited first; a redeclared one keeps its place
        for name, value in list(vars(cls).items()):
            if isinstance(value, Field):
                value.name = name
                args[name] = value
                if value.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value.default)
        cls.__args__ = tuple(args.values())

    def __init__(self, **values: Any) -> None:
        for f in self.__args__:
            if f.name in values:
                value = values.pop(f.name)
            elif f.default is not MISSING:
                value = f.default
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {f.name!r}")
            object.__setattr__(self, f.name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected arguments {sorted(values)}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in self.__args__)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in self.__args__)})"

    def replace(self, **changes: Any) -> Self:
        """This value with some arguments changed (``dataclasses.replace`` for a kind)."""
        return type(self)(**{f.name: changes.pop(f.name, getattr(self, f.name)) for f in self.__args__}, **changes)


def arg_fields(cls: type[Frozen]) -> list[Field[Any]]:
    """A kind's arguments, in declaration order (inherited ones first)."""
    return [f for f in cls.__args__ if "parse" in f.metadata]
