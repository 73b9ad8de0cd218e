"""cnncalc.errors: the error cap (MAX_ERRORS, E157) and formatting cost; an impossible shape shown
as the CLI shows it (the layer, its input and the rule, under a caret); and the property the
whole pipeline owes these errors, fuzzed: whatever the spec, the answer or positioned errors
with documented codes, never another exception."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from invoke import cli
from spec_strategies import (
    NAME,
    ROOT,
    SPECS,
    TEXTS,
    _tree,
    emit,
    mutated_spec,
    random_spec,
    raw_text,
    text_mutated_spec,
)
from typer.testing import CliRunner

import cnncalc
from cnncalc import errors
from cnncalc.analysis.analyze import analyze
from cnncalc.cli.app import app
from cnncalc.errors import MAX_ERRORS, CnnCalcError, SourcePos, SpecError, flatten, format_error, raise_all
from cnncalc.graph.build import build_graph
from cnncalc.layers import args as base  # where a kind's arguments are parsed
from cnncalc.limits import Limits
from cnncalc.render import report as render
from cnncalc.spec.parse import parse_spec


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


# --- impossible shapes: the layer, its input and the rule, under a caret -----------------------


IMPOSSIBLE = [
    # (layer on a 4x4x6 input, name, words the message must hold: the rule that failed)
    ("conv: {filters: 1, kernel: 5}", "big", ["kernel", "5", "larger"]),  # 5 > 4 + 0 + 0
    ("deconv: {filters: 1, kernel: 1, padding: 3}", "shrink", ["padding"]),  # (4-1) - 6 + 1 = -2
    ("maxpool: 5", "pool", ["5x5"]),  # floor((4-5)/5) + 1 = 0
    ("conv: {filters: 8, kernel: 1, groups: 4}", "grouped", ["groups=4", "6"]),  # 4 does not divide 6
    ("crop: 2", "cut", ["2+2"]),  # 4 - 2 - 2 = 0 rows left
]


@pytest.mark.parametrize(("body", "name", "words"), IMPOSSIBLE, ids=[i[1] for i in IMPOSSIBLE])
def test_impossible_shapes_name_layer_input_and_rule(tmp_path: Path, body: str, name: str, words: list[str]) -> None:
    """'exit 2, file:line:col: message, the source line with a caret, no traceback; impossible
    shapes (kernel larger than the padded input, zero or negative output, groups not dividing
    channels) name the layer, its input shape and the rule that failed'."""
    res = cli(tmp_path, f"input: 4x4x6\nlayers:\n  - relu\n  - {body}\n    name: {name}\n")
    assert res.exit_code == 2 and res.stdout == "" and "Traceback" not in res.stderr
    first, source, caret = res.stderr.splitlines()[:3]
    assert first.startswith(f"{tmp_path / 'c.yaml'}:4:5: error[")
    assert source == f"   4 |   - {body}" and caret == "     |     ^"
    for word in [name, "4x4x6", *words]:
        assert word in first, (word, first)


# --- fuzzing: whatever the spec, cnncalc answers or says where the spec is wrong --------------
#
# About 10,000 generated specs per run (tests/spec_strategies.py: random YAML as text and as
# grammar-shaped data, structural and text mutations of the bundled specs).  Every one must
# either succeed (and render to JSON) or raise CnnCalcError whose every error carries a
# file:line:col inside the text and a code of docs/errors.md; any other exception is a bug.  A
# sample goes through the CLI: exit 0, or exit 2 with file:line:col: error[E...] and no
# traceback.  A generous deadline bounds each case: a hang fails the test.

DOCUMENTED = set(re.findall(r"^### (E\d{3}):", (ROOT / "docs" / "errors.md").read_text(encoding="utf-8"), re.MULTILINE))
# CNNCALC_FUZZ_SCALE=20 runs twenty times as many cases (a local bug hunt, not CI).
SCALE = float(os.environ.get("CNNCALC_FUZZ_SCALE", "1"))
# A mutated `repeat` or block argument can ask for tens of thousands of layers, which take seconds
# and test nothing new; the fuzzer works within a lower layer limit (E155 beyond it), so every
# case stays small and the deadline only catches a hang, never a busy machine.
LIMITS = Limits(max_layers=3000)
FUZZ = settings(
    deadline=timedelta(seconds=60),  # a hang detector, not a speed test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)



def outcome(text: str) -> CnnCalcError | None:
    """Run the pipeline; ``None`` on success, the error otherwise.  Anything else propagates."""
    try:
        report = analyze(build_graph(parse_spec(text, NAME, LIMITS), LIMITS))
    except CnnCalcError as exc:
        return exc
    json.loads(render.to_json(report))  # exact ints all the way to the output
    return None


def assert_positioned(exc: CnnCalcError, text: str) -> None:
    lines = text.splitlines() or [""]
    for err in flatten(exc):
        assert err.pos is not None, f"error without a position: {err.code} {err.message}"
        assert err.pos.file == NAME, err.pos
        assert 1 <= err.pos.line <= len(lines) + 1, (err.pos, len(lines))
        assert err.pos.col >= 1, err.pos
        for use in err.trace:
            assert use.file == NAME and 1 <= use.line <= len(lines), use
        assert err.code in DOCUMENTED, f"{err.code} is missing from docs/errors.md"
    shown = format_error(exc, {NAME: text})
    assert shown.startswith(f"{NAME}:"), shown


def check(text: str) -> None:
    exc = outcome(text)
    event("ok" if exc is None else "error " + ",".join(sorted({e.code for e in flatten(exc)})))
    if exc is not None:
        assert_positioned(exc, text)


@settings(FUZZ, max_examples=int(2500 * SCALE))
@given(random_spec)
def test_fuzz_grammar_shaped_random_specs(text: str) -> None:
    check(text)


@settings(FUZZ, max_examples=int(3000 * SCALE))
@given(raw_text)
def test_fuzz_random_yaml_text(text: str) -> None:
    check(text)


@settings(FUZZ, max_examples=int(3000 * SCALE))
@given(mutated_spec())
def test_fuzz_structural_mutations_of_bundled_specs(text: str) -> None:
    check(text)


@settings(FUZZ, max_examples=int(1500 * SCALE))
@given(text_mutated_spec())
def test_fuzz_text_mutations_of_bundled_specs(text: str) -> None:
    check(text)


runner = CliRunner()
ERROR_LINE = re.compile(r"<stdin>:\d+:\d+: error\[E\d{3}\]: ")


@settings(FUZZ, max_examples=int(300 * SCALE))
@given(st.one_of(mutated_spec(), text_mutated_spec(), random_spec))
def test_fuzz_cli_exits_0_or_2_with_a_position(text: str) -> None:
    res = runner.invoke(app, ["summary", "-", "--max-layers", str(LIMITS.max_layers)], input=text.encode("utf-8"))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 2), (res.exit_code, res.output)
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        assert ERROR_LINE.match(res.stderr), res.stderr


# Names a user (or an attacker) may write: rich markup, terminal control sequences (OSC set-title,
# clear-screen, BEL), bidi overrides, line separators, and long ones.
HOSTILE = st.lists(st.sampled_from(
    ["[", "]", "/", "link=file:///etc/passwd", "bold", "blink red", "=", "x", "\x1b", "\x1b]0;t\x07", "\x1b[2J",
     "\x07", "\u202e", "\u2028", "\x85", "\t", "é", "界", "$", "{", "}", "#"]), min_size=1, max_size=12).map("".join)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@settings(FUZZ, max_examples=int(700 * SCALE))
@given(st.lists(HOSTILE, min_size=1, max_size=4), st.integers(1, 4), st.sampled_from(["summary", "check", "explain"]))
def test_fuzz_hostile_names_never_reach_the_terminal_and_claims_never_pass_silently(
        names: list[str], filters: int, command: str) -> None:
    """Each name goes in as a JSON string (any character survives YAML); the first layer claims
    a wrong parameter count (a 3x3 conv on 3 channels has 27·f + f, never 1).  Whatever the
    names do: exit 2 with a positioned error, or the output shows them inert (no control
    character, no markup obeyed) and ``check`` fails the claim (exit 1) — never a silent 0;
    and the output grows at most linearly with the spec."""
    layers = [(f"  - conv: {{filters: {filters}, kernel: 3}}\n    name: {json.dumps(names[0])}\n"
               "    expect: {params: 1}\n")]
    layers += [f"  - relu\n    name: {json.dumps(n)}\n" for n in names[1:]]
    text = "input: 8x8x3\nlayers:\n" + "".join(layers)
    res = runner.invoke(app, [command, "-"], input=text.encode("utf-8"))
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    assert not CONTROL.search(res.stdout) and not CONTROL.search(res.stderr), repr(res.output[:300])
    assert len(res.stdout) + len(res.stderr) <= 4000 + 60 * len(text)
    if res.exit_code == 2:
        assert ERROR_LINE.match(res.stderr), res.stderr
    elif command == "check":
        assert res.exit_code == 1 and "FAIL" in res.output, res.output
    else:
        assert res.exit_code == 0
        assert "\u2717" in res.output or "FAIL" in res.output or command == "explain"


def test_bundled_specs_round_trip_through_the_emitter() -> None:
    """The mutations start from the real specs: emitting one unchanged must analyze the same."""
    for path, text in zip(SPECS, TEXTS):
        before = analyze(build_graph(parse_spec(text, NAME)))
        after = analyze(build_graph(parse_spec(emit(_tree(text)), NAME)))
        assert (after.totals, after.output) == (before.totals, before.output), path.name


def test_fuzz_budget_is_at_least_ten_thousand_specs() -> None:
    fuzzers = [v for k, v in globals().items() if k.startswith("test_fuzz_") and hasattr(v, "hypothesis")]
    total = sum(f._hypothesis_internal_use_settings.max_examples for f in fuzzers)
    assert len(fuzzers) == 6 and total >= 10_000 * SCALE
