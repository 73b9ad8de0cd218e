"""cnncalc.source.values: scalars read strictly, with the fix in the hint."""

from __future__ import annotations

import pytest

from cnncalc.errors import CnnCalcError
from cnncalc.source.values import as_int
from cnncalc.source.yamltree import YMap, parse_yaml


def _value(text: str) -> CnnCalcError:
    root = parse_yaml(f"units: {text}\n", "v.yaml")
    assert isinstance(root, YMap)
    node = root.get("units")
    assert node is not None
    with pytest.raises(CnnCalcError) as info:
        as_int(node, "units")
    return info.value


@pytest.mark.parametrize(("text", "hint"), [
    ("! 16", "the '!' tag makes it text: remove the tag"),          # a non-specific tag is no quoting
    ("!!str 16", "the '!!str' tag makes it text: remove the tag"),
    ('"16"', "remove the quotes"),
    ("'16'", "remove the quotes"),
])
def test_a_string_where_an_integer_is_needed_says_why_it_is_a_string(text: str, hint: str) -> None:
    err = _value(text)
    assert (err.code, err.message, err.hint) == ("E110", "units must be an integer, got the string '16'", hint)


def test_an_int_tag_is_an_integer() -> None:
    root = parse_yaml("units: !!int 16\n", "v.yaml")
    assert isinstance(root, YMap)
    node = root.get("units")
    assert node is not None and as_int(node, "units") == 16
