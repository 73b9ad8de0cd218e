"""cnncalc.errors: the error cap (MAX_ERRORS, E157) and formatting cost."""

from __future__ import annotations

import re

import pytest

import cnncalc
from cnncalc import errors
from cnncalc.errors import MAX_ERRORS, CnnCalcError, SourcePos, SpecError, flatten, format_error, raise_all
from cnncalc.layers import args as base  # where a kind's arguments are parsed


def _errors(n: int) -> list[CnnCalcError]:
    return [SpecError(f"e{i}", SourcePos("f", i + 1, 1), code="E100") for i in range(n)]


def test_raise_all_reports_at_most_the_cap_then_e157_at_the_first_left_out() -> None:
    with pytest.raises(CnnCalcError) as info:
        raise_all(_errors(100))
    got = flatten(info.value)
    assert [e.message for e in got[:MAX_ERRORS]] == [f"e{i}" for i in range(MAX_ERRORS)]
    assert got[-1].code == "E157" and got[-1].pos == SourcePos("f", MAX_ERRORS + 1, 1)
    assert len(got) == MAX_ERRORS + 1
    # a group already capped inside another keeps a single E157
    with pytest.raises(CnnCalcError) as outer:
        raise_all([*_errors(3), info.value])
    assert [e.code for e in flatten(outer.value)].count("E157") == 1


def test_format_error_splits_each_source_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each excerpt re-split the whole file: 40,000 errors in a 4 MB spec took minutes."""
    splits = 0

    class Counting:
        def split(self, text: str) -> list[str]:
            nonlocal splits
            splits += 1
            return re.split("\r\n|[\n\r]", text)

    monkeypatch.setattr(errors, "LINE_BREAK", Counting())
    text = "\n".join(f"line {i}" for i in range(1000))
    group = errors.ErrorGroup(_errors(20))
    out = format_error(group, {"f": text})
    assert out.count("^") == 20
    assert splits == 1


def test_unknown_arguments_inside_one_entry_stop_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """40,000 unknown arguments on one conv took 59 s: each got a 'did you mean' and an
    excerpt.  The cap applies inside an entry: the work no longer grows with them."""
    calls: dict[int, int] = {}
    count = 0
    original = base.did_you_mean

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal count
        count += 1
        return original(word, options)

    monkeypatch.setattr(base, "did_you_mean", counted)
    for n in (1_000, 8_000):
        count = 0
        args = ", ".join(f"u{i}: 1" for i in range(n))
        with pytest.raises(CnnCalcError) as info:
            cnncalc.analyze_text(f"input: 8x8x3\nlayers:\n  - conv: {{filters: 3, kernel: 1, {args}}}\n", "a.yaml")
        got = flatten(info.value)
        assert [e.code for e in got] == ["E121"] * MAX_ERRORS + ["E157"]
        calls[n] = count
    assert calls[1_000] == calls[8_000] <= MAX_ERRORS + 1


def test_a_suggestion_is_clipped() -> None:
    name = "n" * 5000
    hint = errors.did_you_mean(name + "x", [name])
    assert hint is not None and len(hint) < 60
