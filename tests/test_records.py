"""Records behave as the dataclasses they stand in for: the oracle here is :mod:`dataclasses` itself.

Each declaration below is built twice, once by ``dataclasses.dataclass`` and once by
``cnncalc.records.record`` with the same flags, and the two classes must agree on everything a
caller can see: construction (defaults, factories, ``init=False``, ``__post_init__``, errors),
``repr``, ``==``, ``hash``, ``__match_args__``, frozen assignment, slots, ``replace``,
``fields``, ``asdict``, copying and pickling.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any, ClassVar

import pytest

from cnncalc import records


def both(flags: dict[str, Any], make: Any) -> tuple[Any, Any]:
    """The class ``make(decorator)`` declares, built by dataclasses and by records."""
    return make(dataclasses.dataclass(**flags)), make(records.record(**flags))


def plain(deco: Any) -> Any:
    @deco
    class Point:
        x: int
        y: int = 2
        tags: list[int] = dataclasses.field(default_factory=list) if deco.__module__ == "dataclasses" else (
            records.field(default_factory=list))
        unit: ClassVar[str] = "px"

    return Point


def derived(deco: Any) -> Any:
    fld = dataclasses.field if deco.__module__ == "dataclasses" else records.field

    @deco
    class Box:
        w: int
        h: int = 1
        area: int = fld(init=False)
        note: str = fld(default="", init=True)

        def __post_init__(self) -> None:
            object.__setattr__(self, "area", self.w * self.h)

    return Box


FLAGS = [{}, {"frozen": True}, {"slots": True}, {"frozen": True, "slots": True}, {"eq": False},
         {"eq": False, "slots": True}]


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_a_record_is_built_and_shown_as_its_dataclass(flags: dict[str, Any]) -> None:
    for make, args, kwargs in ((plain, (1,), {}), (plain, (1, 5, [3]), {}), (plain, (), {"y": 4, "x": 0}),
                               (derived, (3, 4), {}), (derived, (3,), {"note": "n"})):
        dc, rc = both(flags, make)
        a, b = dc(*args, **kwargs), rc(*args, **kwargs)
        assert repr(a) == repr(b)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        assert dataclasses.asdict(a) == dataclasses.asdict(b)
        assert rc.__match_args__ == dc.__match_args__
        assert [f.name for f in records.fields(rc)] == [f.name for f in dataclasses.fields(dc)]
        assert [(f.name, f.init) for f in dataclasses.fields(b)] == [(f.name, f.init) for f in dataclasses.fields(a)]
        assert dataclasses.is_dataclass(b)
        assert hasattr(b, "__dict__") == hasattr(a, "__dict__")  # slots or not
        assert ("__hash__" in vars(rc) and rc.__hash__ is None) == ("__hash__" in vars(dc) and dc.__hash__ is None)


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_equality_and_hash_follow_the_dataclass_rules(flags: dict[str, Any]) -> None:
    dc, rc = both(flags, plain)
    for cls in (dc, rc):
        p, q, r = cls(1), cls(1), cls(2)
        assert (p == q) is flags.get("eq", True) and p != r
        assert (p == copy.copy(p)) is flags.get("eq", True)  # without eq, only the object itself is equal
        assert (p == object()) is False
        hashable = cls.__hash__ is not None
        assert hashable == (dc.__hash__ is not None)
        if hashable and flags.get("frozen") and flags.get("eq", True):
            q2 = cls(1, 2, [])
            with pytest.raises(TypeError):  # a list field is unhashable, as the dataclass's tuple is
                hash(q2)


@pytest.mark.parametrize("flags", [f for f in FLAGS if f.get("frozen")], ids=str)
def test_a_frozen_record_refuses_assignment_as_a_frozen_dataclass_does(flags: dict[str, Any]) -> None:
    dc, rc = both(flags, derived)
    for cls, error in ((dc, dataclasses.FrozenInstanceError), (rc, records.FrozenInstanceError)):
        box = cls(2, 3)
        with pytest.raises(error):
            box.w = 5
        with pytest.raises(AttributeError):  # both are AttributeErrors, as callers catch them
            del box.h
        assert box.area == 6
    assert hash(dc(2, 3)) == hash(rc(2, 3))  # the same tuple of fields is hashed


@pytest.mark.parametrize("flags", FLAGS, ids=str)
def test_replace_copy_and_pickle_keep_the_fields(flags: dict[str, Any]) -> None:
    _, rc = both(flags, derived)
    globals()["Box"] = rc  # pickle finds a class by its module and name
    rc.__qualname__ = "Box"
    box = rc(2, 3, note="x")
    for changed in (records.replace(box, h=5), dataclasses.replace(box, h=5), box.__replace__(h=5)):
        assert (changed.w, changed.h, changed.area, changed.note) == (2, 5, 10, "x")  # __post_init__ ran again
    with pytest.raises(ValueError):
        records.replace(box, area=1)
    for clone in (copy.copy(box), copy.deepcopy(box), pickle.loads(pickle.dumps(box))):
        assert (clone.w, clone.h, clone.area, clone.note) == (2, 3, 6, "x") and type(clone) is rc


def test_construction_errors_are_the_dataclasss() -> None:
    dc, rc = both({"frozen": True, "slots": True}, plain)
    for cls in (dc, rc):
        with pytest.raises(TypeError):
            cls()
        with pytest.raises(TypeError):
            cls(1, 2, [], 4)
        with pytest.raises(TypeError):
            cls(1, z=3)
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument 'a'"):
        @records.record
        class Bad:
            a: int = 1
            b: int


def test_inherited_fields_come_first_and_a_redeclared_one_keeps_its_place() -> None:
    def make(deco: Any) -> Any:
        @deco
        class Base:
            a: int
            b: int = 1

        @deco
        class Child(Base):
            c: int = 2
            a: int = 0

        return Child

    dc, rc = both({"frozen": True, "slots": True}, make)
    assert [f.name for f in records.fields(rc)] == [f.name for f in dataclasses.fields(dc)] == ["a", "b", "c"]
    assert repr(rc()) == repr(dc()) and repr(rc()).endswith("make.<locals>.Child(a=0, b=1, c=2)")
    assert rc(5, 6, 7) == rc(5, 6, 7) != rc(5, 6, 8)


def test_methods_are_compiled_on_first_use_and_then_called_directly() -> None:
    """What makes a record cheap at import: nothing is compiled until a method is called."""
    _, rc = both({"frozen": True, "slots": True}, plain)
    stand_in = vars(rc)["__init__"]
    assert stand_in.__code__ is vars(rc)["__repr__"].__code__  # one forwarding function for each
    point = rc(1)
    assert vars(rc)["__init__"] is not stand_in and vars(rc)["__init__"].__code__.co_varnames[:3] == ("self", "x", "y")
    assert vars(rc)["__repr__"].__code__ is stand_in.__code__  # each method waits for its own first call
    assert repr(point).endswith("Point(x=1, y=2, tags=[])") and vars(rc)["__repr__"].__code__ is not stand_in.__code__


def test_the_rarer_rules_are_the_dataclasss_too() -> None:
    """An ``__eq__`` of its own, a plain subclass, a mutable default, a field without a type, a
    record that holds itself: each as ``dataclasses`` has it."""
    for deco, fld, error in ((dataclasses.dataclass, dataclasses.field, dataclasses.FrozenInstanceError),
                             (records.record, records.field, records.FrozenInstanceError)):

        @deco(frozen=True)
        class Own:
            x: int

            def __eq__(self, other: object) -> bool:
                return isinstance(other, Own) and other.x % 10 == self.x % 10

        assert hash(Own(3)) == hash((3,)) and Own(3) == Own(13)  # its own __eq__, the generated hash

        @deco(frozen=True)
        class Base:
            x: int

        class Plain(Base):
            pass

        child = Plain(1)
        child.extra = 2  # a plain subclass may add attributes of its own...
        assert child.extra == 2
        with pytest.raises(error):
            child.x = 5  # ...but not change the frozen fields

        with pytest.raises(ValueError, match="mutable default"):
            @deco
            class Shared:
                items: list[int] = []  # noqa: RUF012 - the mistake under test

        with pytest.raises(TypeError, match="is a field but has no type annotation"):
            @deco
            class Untyped:
                x = fld(default=1)

        @deco
        class Loop:
            items: list[Any]

        loop = Loop([])
        loop.items.append(loop)
        assert repr(loop).endswith("Loop(items=[...])")
