"""Records as :mod:`dataclasses` sees them: ``fields``, ``replace``, ``asdict`` and
``is_dataclass`` work on a record through its ``__dataclass_fields__``."""

from __future__ import annotations

from typing import Any

from cnncalc.records.declared import MISSING, Field


class AsDataclass(dict):  # type: ignore[type-arg]
    """A record's ``__dataclass_fields__``: what :mod:`dataclasses` reads in ``fields``,
    ``replace``, ``asdict`` and ``is_dataclass``, so they work on records too.  Filled with real
    :class:`dataclasses.Field` objects the first time it is read, by :mod:`dataclasses` itself
    (on a stand-in class with the same fields)."""

    __slots__ = ("_fields", "_name")

    def __init__(self, name: str, record_fields: dict[str, Field]) -> None:
        super().__init__()
        self._name, self._fields = name, record_fields

    def _filled(self) -> dict[str, Any]:
        if self._fields:
            import dataclasses

            body: dict[str, Any] = {"__annotations__": dict.fromkeys(self._fields, "Any")}
            for name, f in self._fields.items():
                given: dict[str, Any] = {"init": f.init, "metadata": f.metadata or None}
                if f.default is not MISSING:
                    given["default"] = f.default
                if f.default_factory is not MISSING:
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
