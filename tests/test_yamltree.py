"""cnncalc.yamltree: YAML text -> positioned nodes, the same on every PyYAML build.

PyYAML may or may not carry libyaml, and libyaml's own limits change between
releases (6.0.4's refuses nesting beyond 1000 levels before cnncalc's limit is
reached).  Every test that takes the ``parser`` fixture runs with the libyaml parser (when the
installed PyYAML has it) and with the pure-Python one, and the two must agree exactly.  Hostile
YAML is refused with a position: Python tags (nothing runs), other tags, duplicate keys,
control characters (checked by cnncalc/source/text.py), several documents, merge keys, an alias
inside its own anchor, nesting deeper than --max-depth.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from failing import at, only

import cnncalc
from cnncalc.errors import CnnCalcError, SourcePos, flatten, format_error
from cnncalc.source import yamltree

F = "t.yaml"
PARSERS = ["pure"] + (["libyaml"] if getattr(yaml, "CSafeLoader", None) else [])


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test with one parser: 'pure' removes libyaml as if PyYAML were built without it."""
    if request.param == "pure":
        monkeypatch.setattr(yamltree, "_FAST", None)
    return str(request.param)


def error_of(text: str) -> CnnCalcError:
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text(text, F)
    errors = flatten(info.value)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def where(err: CnnCalcError) -> tuple[str, int, int]:
    assert err.pos is not None
    return err.code, err.pos.line, err.pos.col


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_flow_nesting_is_cnncalcs_limit_whatever_the_build(parser: str, opener: str) -> None:
    # 100,000 openers on line 2 after "layers: " (8 characters): the 65th opener is the first
    # collection past the 64-level limit (the top-level mapping is level 1), at column
    # 9 + 63 * len(opener).
    text = "input: 8x8x3\nlayers: " + opener * 100_000 + "\n"
    err = error_of(text)
    assert where(err) == ("E151", 2, 9 + 63 * len(opener))
    assert "--max-depth" in err.message


def test_deep_block_nesting_is_cnncalcs_limit_whatever_the_build(parser: str) -> None:
    # 1,500 levels of "- " block sequences, one per line: deeper than libyaml's own 1000.
    lines = ["input: 8x8x3", "layers:"] + [" " * (2 + i) + "- " for i in range(1500)]
    err = error_of("\n".join(lines) + "relu\n")
    # Level 1 is the top mapping, level 2 the 'layers' list (line 3); level 65 is line 66.
    assert where(err)[:2] == ("E151", 66)


BROKEN = [
    "input: 8x8x3\nlayers:\n  - conv: {filters: 8, kernel: 3\n  - relu\n  - dense: 10\n",
    'input: 8x8x3\nname: "abc\nlayers:\n  - relu\n',
    "input: 8x8x3\nlayers: [relu, [conv: 3\n",
    "input: 8x8x3\nlayers:\n\t- relu\n",
    "input: 8x8x3\nlayers:\n  - relu\n - relu\n",
    "input: 8x8x3\nlayers: *nowhere\n",
    "input: 8x8x3\nlayers: [relu]\n---\nname: x\n",
    "input: 8x8x3\nlayers: [relu]\n...\n@\n",
    "a: b: c\n",
    "input: 8x8x3\nlayers: ['relu\n",
    "key: 'it''s\n",
    "%YAML 1.1\n%YAML 1.1\n---\na: 1\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_errors_and_positions_do_not_depend_on_libyaml(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CnnCalcError) as fast:
        cnncalc.analyze_text(text, F)
    monkeypatch.setattr(yamltree, "_FAST", None)
    with pytest.raises(CnnCalcError) as pure:
        cnncalc.analyze_text(text, F)
    assert format_error(fast.value, {F: text}) == format_error(pure.value, {F: text})


def test_unclosed_quote_points_at_the_opener_not_past_the_end(parser: str) -> None:
    text = 'input: 8x8x3\nname: "abc\nlayers:\n  - relu\n'  # 4 lines; the quote opens at 2:7
    err = error_of(text)
    assert where(err) == ("E101", 2, 7) and "never closed" in err.message
    shown = format_error(err, {F: text})
    assert '   2 | name: "abc' in shown and "     |       ^" in shown


def test_unclosed_flow_mapping_names_its_opener(parser: str) -> None:
    text = "input: 8x8x3\nlayers:\n  - conv: {filters: 8, kernel: 3\n  - relu\n  - dense: 10\n"
    err = error_of(text)
    assert err.hint is not None and "line 3, column 11" in err.hint and "'}'" in err.hint


def test_an_error_at_the_end_of_the_file_is_shown_on_its_last_line(parser: str) -> None:
    text = "input: 8x8x3\nlayers: [relu, [conv: 3\n"  # 2 lines, both brackets open
    err = error_of(text)
    assert err.pos is not None and err.pos.line <= 2
    assert "   2 | layers:" in format_error(err, {F: text}) or "   1 |" in format_error(err, {F: text})


@pytest.mark.parametrize(("char", "name"), [("\x85", "NEL"), ("\u2028", "U+2028"), ("\u2029", "U+2029")])
def test_yaml11_line_breaks_are_refused_where_they_are(parser: str, char: str, name: str) -> None:
    # YAML 1.1 (PyYAML) breaks lines at these, YAML 1.2 and editors do not: every position after
    # one would drift by a line.  Here it sits at line 2, column 10 (after "name: ab ").
    err = error_of(f"input: 8x8x3\nname: ab {char}cd\nlayers: [relu]\n")
    assert where(err) == ("E101", 2, 10) and name in err.message


def test_positions_after_a_carriage_return_line_end(parser: str) -> None:
    err = error_of("input: 8x8x3\r\nlayers:\r\n  - relu\r\n  - rleu\r\n")
    assert where(err) == ("E120", 4, 5)


def test_caret_is_under_the_character_after_wide_characters(parser: str) -> None:
    # "name: 日本語 " is 6 + 3 wide characters (2 columns each) + 1 = 13 columns; the caret of an
    # error at the unknown kind on line 3 must sit under it, whatever precedes.
    text = "input: 8x8x3\nlayers:\n  - {日本: 1}\n"
    err = error_of(text)
    assert err.pos is not None
    shown = format_error(err, {F: text}).splitlines()
    src, caret = shown[1], shown[2]
    col = err.pos.col
    # the caret's column, counted in terminal cells, equals the cells before the error's character
    prefix = src.split("| ", 1)[1][: col - 1]
    assert caret.split("| ", 1)[1] == " " * (sum(2 if "\u4e00" <= c <= "\u9fff" else 1 for c in prefix)) + "^"


def test_source_positions_count_characters_not_bytes(parser: str) -> None:
    node = yamltree.parse_yaml("a: 日本語\nb: [1, x]\n", F)
    assert isinstance(node, yamltree.YMap)
    b = node.get("b")
    assert isinstance(b, yamltree.YSeq)
    assert b.items[1].pos == SourcePos(F, 2, 8)


def _chained_anchors(count: int, levels: int) -> str:
    """``count`` anchors, each nesting ``levels`` lists around an alias of the previous one;
    the last is used inside a block (so substitution walks it, as deep as it expands)."""
    anchors = ", ".join(
        f"k{a}: &a{a} " + "[" * levels + (f"*a{a - 1}" if a else "1") + "]" * levels for a in range(count))
    return (f"input: 8x8x3\nblocks:\n  a:\n    layers:\n      - identity: {{{anchors}}}\n"
            f"  b:\n    args: {{x: 1}}\n    layers:\n      - identity: {{k: *a{count - 1}}}\n"
            "layers:\n  - b: {x: 2}\n")


def test_aliases_nesting_deeper_than_the_limit_once_expanded_are_refused_at_the_alias(parser: str) -> None:
    """25 anchors x 58 levels: every anchor is written within the 64-level limit, but expanded
    they are 1,450 levels deep (a RecursionError in block substitution before)."""
    err = error_of(_chained_anchors(25, 58))
    # Line 5 holds the anchors.  Open around *a0 inside a1: the top mapping, the blocks
    # mapping, block a, its layers list, the entry mapping, identity's flow mapping (6) and
    # a1's 58 lists: 64, the limit; *a0 adds its own 58, so 122 > 64 there.
    assert where(err)[:2] == ("E151", 5)
    assert "*a0" in err.message and "--max-depth" in err.message


def test_aliases_expanded_to_the_raised_limit_are_walked_without_recursion_errors(parser: str) -> None:
    # 16 x 58 = 928 expanded levels (+ 6 structural) under --max-depth 1000: within the limit,
    # so the spec is built, and only the layer's own argument errors are reported.
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text(_chained_anchors(16, 58), F, cnncalc.Limits(max_depth=1000))
    assert {e.code for e in flatten(info.value)} == {"E121"}


# --- hostile YAML: tags, duplicate keys, control characters, documents, merge keys, self-aliases,
# depth -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
    ],
)
def test_python_tags_are_refused_and_nothing_runs(tmp_path: Path, tagged: str) -> None:
    marker = tmp_path / "ran"
    text = f"input: {tagged.format(marker=marker)}\nlayers: [relu]\n"
    err = only(text)
    assert err.code == "E104" and at(err) == (1, 8)  # the tag starts after "input: "
    assert "never constructs Python objects" in err.message
    assert not marker.exists()


def test_python_tag_through_a_tag_directive_is_refused() -> None:
    # %TAG makes !p! expand to the python namespace: resolved tags are what is checked
    text = "%TAG !p! tag:yaml.org,2002:python/\n---\ninput: !p!object/apply:os.system ['true']\nlayers: [relu]\n"
    err = only(text)
    assert err.code == "E104" and at(err) == (3, 8)


@pytest.mark.parametrize("tag", ["!!float 3", "!!binary aGk=", "!!set {a}", "!custom 3", "!!timestamp 2001-12-14"])
def test_other_tags_are_refused(tag: str) -> None:
    assert only(f"input: 8x8x3\nlayers:\n  - dense: {tag}\n").code == "E104"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("input: 8x8x3\ninput: 16x16x3\nlayers: [relu]\n", (2, 1)),
        ("input: 8x8x3\nlayers:\n  - conv: {filters: 3, kernel: 1, filters: 4}\n", (3, 35)),
        ("input: 8x8x3\nblocks:\n  b: {layers: [relu]}\n  b: {layers: [tanh]}\nlayers: [b]\n", (4, 3)),
        ("input: 8x8x3\nblocks:\n  b: {args: [f, f], layers: [relu]}\nlayers: [{b: 1}]\n", (3, 17)),
    ],
)
def test_duplicate_keys_are_errors(text: str, where: tuple[int, int]) -> None:
    err = only(text)
    assert err.code == "E103" and at(err) == where


def test_duplicate_key_names_the_first_occurrence() -> None:
    err = only("input: 8x8x3\nlayers:\n  - conv:\n      filters: 3\n      kernel: 1\n      filters: 4\n")
    assert at(err) == (6, 7) and "first at line 4" in err.message


@pytest.mark.parametrize(("char", "col"), [("\x00", 13), ("\x07", 13), ("\x1b", 13)])
def test_control_characters_are_pointed_at(char: str, col: int) -> None:
    err = only(f"input: 8x8x3{char}\nlayers: [relu]\n")  # "input: 8x8x3" is 12 characters
    assert err.code == "E101" and at(err) == (1, col)


def test_multiple_documents_and_merge_keys() -> None:
    assert only("input: 8x8x3\nlayers: [relu]\n---\nx: 1\n").code == "E101"
    err = only("input: 8x8x3\nlayers:\n  - conv: &c {filters: 3, kernel: 1}\n  - conv: {<<: *c, filters: 4}\n")
    assert err.code == "E102" and at(err) == (4, 12)


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    # PyYAML would build a list containing itself; walking it would never end
    err = only("input: 8x8x3\nlayers: &l [relu, *l]\n")
    assert err.code == "E107" and at(err) == (2, 19)


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_yaml_is_refused_by_depth_not_by_recursion(opener: str) -> None:
    text = "input: 8x8x3\nlayers: " + opener * 100_000 + "\n"
    err = only(text)
    assert err.code == "E151" and at(err)[0] == 2 and "--max-depth" in err.message


def test_deep_block_style_yaml() -> None:
    text = "input: 8x8x3\nlayers:\n" + "".join("  " * i + "-\n" for i in range(1, 200))
    assert only(text).code == "E151"
