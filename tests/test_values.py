"""cnncalc.source.values: scalars read strictly (YAML 1.2, not 1.1's yes/no/on/off, octal,
underscores or base 60; tags keep their meaning; absurd literals refused, shortened in the
message), with the fix in the hint."""

from __future__ import annotations

import pytest
from failing import F, at, only

import cnncalc
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


# --- YAML 1.1 look-alikes, tags, absurd literals ------------------------------------------------


def test_str_and_int_tags_keep_their_meaning() -> None:
    # !!str makes '16' a string where an integer is needed: refused, not coerced
    err = only("input: 8x8x3\nlayers:\n  - dense: !!str 16\n")
    assert err.code == "E110" and "the string '16'" in err.message
    # !!int "16" is an integer even though quoted
    assert cnncalc.analyze_text('input: [4]\nlayers:\n  - dense: !!int "16"\n', F).output.dims == (16,)


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("yes", "YAML 1.1 reads yes/no/on/off as booleans"),
        ("on", "YAML 1.1 reads yes/no/on/off as booleans"),
        ("Off", "YAML 1.1 reads yes/no/on/off as booleans"),
    ],
)
def test_yaml11_booleans_are_reported_where_a_boolean_is_needed(value: str, hint: str) -> None:
    err = only(f"input: 8x8x3\nlayers:\n  - conv: {{filters: 3, kernel: 1, bias: {value}}}\n")
    assert err.code == "E110" and at(err) == (3, 41) and err.hint is not None and hint in err.hint


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("010", "YAML 1.1 reads 010 as an octal number; write 10 if you mean decimal"),
        ("1e3", "exponent notation is a float"),
        ("16.0", "write 16"),
        ("1_024", "write 1024 without underscores"),
        ("0x10", "write the number in decimal"),
        ("1:30", "base-60"),
    ],
)
def test_yaml11_numbers_are_reported_where_an_integer_is_needed(value: str, hint: str) -> None:
    err = only(f"input: 8x8x3\nlayers:\n  - dense: {value}\n")
    assert err.code == "E110" and at(err) == (3, 12)
    assert err.hint is not None and hint in err.hint


def test_yaml11_words_are_plain_words_where_a_word_is_needed() -> None:
    # `name: no` is the name "no" (YAML 1.2), not False: nothing to report there
    report = cnncalc.analyze_text("name: no\ninput: 8x8x3\nlayers:\n  - relu: ~\n    name: on\n", F)
    assert report.name == "no" and report.rows[0].name == "on"


@pytest.mark.parametrize(
    ("value", "code"),
    [("1000000000001", "E111"), ("9" * 5000, "E111"), ("0" + "9" * 5000, "E110"), ("9" * 5000 + ".0", "E110")],
)
def test_absurd_literals_are_refused_without_crashing(value: str, code: str) -> None:
    err = only(f"input: [8]\nlayers:\n  - dense: {value}\n")
    assert err.code == code and at(err) == (3, 12)
    assert len(err.message) < 200  # a 5000-digit number is shown shortened


def test_absurd_input_dimension() -> None:
    assert only("input: " + "9" * 5000 + "x8x3\nlayers: [relu]\n").code == "E111"
