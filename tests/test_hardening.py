"""Issue 6: never crash, never lie, never run what the spec says.

One test (at least) per claim of the issue: hostile YAML, positions of early
and late errors, each resource limit with its flag, block cycles, exact big
integers, and output files.  Tests named ``test_regression_*`` pin bugs found
while hardening (see the commit message for the reproduction).
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app
from cnncalc.errors import CnnCalcError, LimitError, SourcePos, flatten, format_error
from cnncalc.graph import build as graph
from cnncalc.graph.build import Builder
from cnncalc.limits import MAX_DEPTH_CEILING, Limits
from cnncalc.render import report as render
from cnncalc.source.read import decode_source, read_source
from cnncalc.spec import substitution as blocks

runner = CliRunner()
F = "t.yaml"


def fail(text: str, limits: Limits = Limits()) -> CnnCalcError:
    """The error ``text`` raises (it must raise one)."""
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text(text, F, limits)
    return info.value


def only(text: str, limits: Limits = Limits()) -> CnnCalcError:
    """The single error ``text`` raises."""
    errors = flatten(fail(text, limits))
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def at(err: CnnCalcError) -> tuple[int, int]:
    assert err.pos is not None and err.pos.file == F
    return err.pos.line, err.pos.col


def cli(tmp_path: Path, text: str | bytes, *args: str) -> tuple[int, str]:
    spec = tmp_path / "net.yaml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    res = runner.invoke(app, ["summary", str(spec), *args])
    assert "Traceback" not in res.output
    return res.exit_code, res.stderr


# --- parsing: tags, duplicate keys, YAML 1.1, files --------------------------------


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


def test_str_and_int_tags_keep_their_meaning() -> None:
    # !!str makes '16' a string where an integer is needed: refused, not coerced
    err = only("input: 8x8x3\nlayers:\n  - dense: !!str 16\n")
    assert err.code == "E110" and "the string '16'" in err.message
    # !!int "16" is an integer even though quoted
    assert cnncalc.analyze_text('input: [4]\nlayers:\n  - dense: !!int "16"\n', F).output.dims == (16,)


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


def test_non_utf8_file_is_refused_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("input: 8x8x3\n# café\nlayers: [relu]\n".encode("latin-1"))
    with pytest.raises(CnnCalcError) as info:
        read_source(path)
    # "# caf" is 5 characters, so the Latin-1 é (0xe9) is column 6 of line 2
    assert info.value.code == "E100" and info.value.pos == SourcePos(str(path), 2, 6)


def test_utf16_file_gets_a_hint() -> None:
    with pytest.raises(CnnCalcError) as info:
        decode_source("input: 8x8x3\n".encode("utf-16"), F)
    assert info.value.code == "E100" and info.value.hint is not None and "UTF-16" in info.value.hint


def test_utf8_bom_is_accepted() -> None:
    assert decode_source(b"\xef\xbb\xbfinput: 8x8x3\n", F) == "input: 8x8x3\n"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_spec(text: str) -> None:
    err = only(text)
    assert err.code == "E105" and "empty" in err.message


@pytest.mark.parametrize(("text", "what"), [("- conv\n- relu\n", "a list"), ("relu\n", "'relu'")])
def test_a_list_or_a_word_instead_of_a_mapping(text: str, what: str) -> None:
    err = only(text)
    assert err.code == "E105" and at(err) == (1, 1) and err.message.endswith(f"got {what}")


def test_oversized_file_is_refused_and_the_flag_raises_the_limit(tmp_path: Path) -> None:
    text = "input: 8x8x3\nlayers: [relu]\n"  # 28 bytes
    code, err = cli(tmp_path, text, "--max-bytes", "27")
    assert code == 2 and "error[E152]" in err and "--max-bytes" in err
    assert cli(tmp_path, text, "--max-bytes", "28")[0] == 0


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_file_is_read_no_further_than_the_limit() -> None:
    with pytest.raises(LimitError) as info:
        read_source("/dev/zero", Limits(max_bytes=1000))
    assert info.value.code == "E152"


def test_standard_input_has_the_same_limit() -> None:
    res = runner.invoke(app, ["summary", "-", "--max-bytes", "10"], input=b"input: 8x8x3\nlayers: [relu]\n")
    assert res.exit_code == 2 and res.stderr.startswith("<stdin>:1:1: error[E152]")


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


def test_block_named_like_a_layer_kind_is_refused() -> None:
    # a block `relu` would silently replace every relu of the spec
    err = only("input: 8x8x3\nblocks:\n  relu: {layers: [tanh]}\nlayers: [relu]\n")
    assert err.code == "E108" and at(err) == (3, 3)


# --- positions, early and late --------------------------------------------------------


def test_position_of_an_unknown_kind_a_bad_argument_and_a_bad_reference() -> None:
    text = "input: 8x8x3\nlayers:\n  - convv: {filters: 3}\n  - conv: {filters: -2, kernel: 1}\n  - add: [[], nope]\n"
    errors = flatten(fail(text))
    assert [(e.code, at(e)) for e in errors] == [("E120", (3, 5)), ("E111", (4, 21)), ("E201", (5, 15))]


def test_shape_error_points_at_the_layer() -> None:
    # 4 + 0 + 0 < 5: the kernel does not fit
    err = only("input: 4x4x3\nlayers:\n  - relu\n  - conv: {filters: 3, kernel: 5}\n")
    assert err.code == "E302" and at(err) == (4, 5) and err.trace == ()


def test_merge_mismatch_points_at_the_merge_and_names_its_inputs() -> None:
    text = "input: 8x8x3\nlayers:\n  - add:\n      - [conv: {filters: 4, kernel: 1}]\n      - [conv: {filters: 5, kernel: 1}]\n"
    err = only(text)
    assert err.code == "E310" and at(err) == (3, 5)
    assert "8x8x4 and 8x8x5" in err.message and "from conv1, conv2" in err.message


BLOCKS = """input: 8x8x3
blocks:
  inner:
    args: {k: 3}
    layers:
      - conv: {filters: 3, kernel: $k}
  outer:
    args: {k: 3}
    layers:
      - relu
      - inner: {k: $k}
layers:
  - outer: {k: 9}
"""


def test_late_error_inside_nested_blocks_points_inside_and_at_each_use() -> None:
    err = only(BLOCKS)
    # the conv inside `inner` (line 6) fails; it was reached through `outer` (line 13) then `inner` (line 11)
    assert err.code == "E302" and at(err) == (6, 9)
    assert [(p.line, p.col) for p in err.trace] == [(13, 5), (11, 9)]
    shown = format_error(err, {F: BLOCKS})
    assert "t.yaml:13:5: note: in the block used here" in shown and "t.yaml:11:9: note" in shown


def test_block_argument_error_inside_an_expanded_block() -> None:
    text = "input: 8x8x3\nblocks:\n  b:\n    args: [f]\n    layers:\n      - conv: {filters: $f, kernel: 1}\nlayers:\n  - b: {f: yes}\n"
    err = only(text)
    # the value at fault is the `yes` given at the use; the trace is the use itself
    assert err.code == "E110" and at(err) == (8, 12) and [p.line for p in err.trace] == [8]


def test_expression_error_inside_a_block_points_at_the_expression_and_the_use() -> None:
    text = "input: 8x8x3\nblocks:\n  b:\n    args: [f]\n    layers:\n      - dense: ${f // 0}\nlayers:\n  - b: {f: 2}\n"
    err = only(text)
    # the caret is under the '//' that divides by zero: "      - dense: ${f // 0}", column 20
    assert err.code == "E140" and at(err) == (6, 20) and [p.line for p in err.trace] == [8]


# --- limits ----------------------------------------------------------------------------


def _laughs(levels: int) -> str:
    """Nested aliases: level i is ten merges of level i-1, so about 10**levels layers from a dozen lines.

    The anchors sit in the defaults of an unused block, where any YAML may sit.
    """
    lines = ["input: 8x8x3", "blocks:", "  keep:", "    layers: [relu]", "    args:"]
    lines += ["      l0: &l0 [" + ", ".join(["relu"] * 10) + "]"]
    lines += [f"      l{i}: &l{i} [" + ", ".join([f"{{add: [*l{i - 1}, []]}}"] * 10) + "]" for i in range(1, levels)]
    lines += ["layers:", f"  - add: [*l{levels - 1}, []]"]
    return "\n".join(lines) + "\n"


def _repeats(levels: int) -> str:
    """Blocks of blocks, each repeated 1000 times: 1000**levels relus from a few lines."""
    lines = ["input: 8x8x3", "blocks:", "  b0: {layers: [relu]}"]
    lines += [f"  b{i}: {{layers: [{{b{i - 1}: ~, repeat: 1000}}]}}" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"layers: [b{levels}]"]) + "\n"


@pytest.mark.parametrize(("text", "code"), [(_laughs(9), "E156"), (_laughs(5), "E155"), (_repeats(9), "E155")])
def test_billions_of_layers_are_refused_without_building_them(
    monkeypatch: pytest.MonkeyPatch, text: str, code: str
) -> None:
    def never(*args: object) -> None:
        raise AssertionError("the builder started expanding layers")

    monkeypatch.setattr(Builder, "chain", never)
    tracemalloc.start()
    try:
        err = only(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.code == code and "--max-layers" in err.message
    assert peak < 20_000_000  # bytes; a billion layers would need hundreds of gigabytes


def test_layer_limit_counts_repeat_and_the_flag_raises_it(tmp_path: Path) -> None:
    text = "input: 8x8x3\nlayers:\n  - relu: ~\n    repeat: 30\n"
    assert only(text, Limits(max_layers=29)).code == "E155"
    assert len(cnncalc.analyze_text(text, F, Limits(max_layers=30)).rows) == 30
    code, err = cli(tmp_path, text, "--max-layers", "29")
    assert code == 2 and "error[E155]" in err
    assert cli(tmp_path, text, "--max-layers", "30")[0] == 0


def test_regression_empty_repetitions_count_too() -> None:
    # an empty block (or aux list) repeated 10**12 times builds nothing but loops 10**12 times
    err = only("input: 8x8x3\nlayers:\n  - aux: []\n    repeat: 1000000000000\n")
    assert err.code == "E155"


@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_yaml_is_refused_by_depth_not_by_recursion(opener: str) -> None:
    text = "input: 8x8x3\nlayers: " + opener * 100_000 + "\n"
    err = only(text)
    assert err.code == "E151" and at(err)[0] == 2 and "--max-depth" in err.message


def test_deep_block_style_yaml() -> None:
    text = "input: 8x8x3\nlayers:\n" + "".join("  " * i + "-\n" for i in range(1, 200))
    assert only(text).code == "E151"


def _nested_merges(n: int, inner: str = "relu") -> str:
    for _ in range(n):
        inner = "{add: [[], [" + inner + "]]}"
    return inner


def test_regression_blocks_of_nested_merges_hit_the_depth_limit_not_recursion() -> None:
    # 48 blocks each nesting 18 merges: within the YAML depth limit line by line, but
    # 48 * 18 levels once expanded (this raised RecursionError)
    lines = ["input: 8x8x3", "blocks:", "  b0: {layers: [relu]}"]
    lines += [f"  b{i}: {{layers: [{_nested_merges(18, f'b{i - 1}')}]}}" for i in range(1, 48)]
    err = only("\n".join([*lines, "layers: [b47]"]) + "\n")
    assert err.code == "E154" and "--max-depth" in err.message and len(err.trace) > 1


def test_raised_depth_limit_builds_deep_nesting_without_recursion_error() -> None:
    # 300 nested merges need about 5 * 300 frames: more than Python's default limit of 1000
    depth = 300
    text = f"input: 8x8x3\nlayers: [{_nested_merges(depth)}]\n"
    assert only(text).code == "E151"  # the YAML itself is 3 levels per merge
    limit = sys.getrecursionlimit()
    report = cnncalc.analyze_text(text, F, Limits(max_depth=MAX_DEPTH_CEILING))
    assert len(report.rows) == depth + 1  # the relu and one add per level
    assert sys.getrecursionlimit() == limit  # restored


def test_depth_flag_has_a_ceiling(tmp_path: Path) -> None:
    code, err = cli(tmp_path, "input: 8x8x3\nlayers: [relu]\n", "--max-depth", str(MAX_DEPTH_CEILING + 1))
    assert code == 2 and "--max-depth" in err
    with pytest.raises(ValueError):
        Limits(max_depth=MAX_DEPTH_CEILING + 1)


def test_expression_size_limit_and_flag(tmp_path: Path) -> None:
    expr = " + ".join(["f"] * 67)  # 67 + 66 * 3 = 265 characters
    text = f"input: 8x8x3\nblocks:\n  b:\n    args: {{f: 1}}\n    layers:\n      - dense: ${{{expr}}}\nlayers: [b]\n"
    err = only(text)
    assert err.code == "E153" and at(err) == (6, 16) and "265 characters" in err.message
    assert [p.line for p in err.trace] == [7]
    assert cnncalc.analyze_text(text, F, Limits(max_expr=265)).output.dims == (8, 8, 67)  # 67 * f, f = 1
    code, stderr = cli(tmp_path, text, "--max-expr", "264")
    assert code == 2 and "error[E153]" in stderr
    assert cli(tmp_path, text, "--max-expr", "265")[0] == 0


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


def test_regression_sizes_multiplying_past_sanity_are_refused(tmp_path: Path) -> None:
    # 8 * 10**12 per step: without the bound, 500 steps make a 6000-digit size that
    # cannot even be printed (ValueError from int -> str)
    text = "input: 8x8x3\nlayers:\n  - upsample: 1000000000000\n    repeat: 500\n"
    err = only(text)
    assert err.code == "E307" and at(err) == (3, 5)
    code, stderr = cli(tmp_path, text)
    assert code == 2 and "error[E307]" in stderr


def test_regression_huge_block_argument_in_an_expression() -> None:
    # int() of a 5000-digit argument raised ValueError inside the expression evaluator
    text = (
        "input: 8x8x3\nblocks:\n  b:\n    args: [f]\n    layers:\n      - dense: ${f + 1}\nlayers:\n  - b: {f: "
        + "9" * 5000
        + "}\n"
    )
    assert only(text).code == "E140"


def test_regression_shared_aliases_are_substituted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # aliases nested inside a layer's arguments were copied once per alias by every
    # substitution: about 10**6 copies for this spec, 10**(levels) in general
    text = _laughs(6).replace("layers:\n  - add: [*l5, []]", "layers:\n  - dense: {units: 3, junk: *l5}")
    assert "junk: *l5" in text
    calls = 0
    original = blocks.substitute

    def counted(*args: object, **kw: object) -> object:
        nonlocal calls
        calls += 1
        return original(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(blocks, "substitute", counted)
    err = only(text, Limits(max_layers=10**7))  # lifts the alias limit (20 per layer) past 10**8
    assert err.code == "E121"  # 'junk' is no argument of dense: all that happens
    # Each walk substitutes every distinct node once: about 216 here (11 for l0, 41 per level
    # after it), walked by the layer budget and by the builder, and the unused block's six
    # defaults (about 700 more), never the 10**6 copies.
    assert calls < 2000


def test_regression_errors_stop_after_twenty(monkeypatch: pytest.MonkeyPatch) -> None:
    # 2000 named layers and 2000 misspelt references: each error's "did you mean" scans
    # every name, so reporting them all took 70 s (minutes for a 4 MB spec)
    n = 2000
    text = "input: 8x8x3\nlayers:\n" + "".join(f"  - relu: ~\n    name: layer{i}\n" for i in range(n))
    text += "".join(f"  - add: [nolayer{i}, []]\n" for i in range(n))
    calls = 0
    original = graph.did_you_mean

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal calls
        calls += 1
        return original(word, options)

    monkeypatch.setattr(graph, "did_you_mean", counted)
    errors = flatten(fail(text))
    assert [e.code for e in errors] == ["E201"] * 20 + ["E157"]
    assert errors[-1].pos == errors[-2].pos  # stopped at the 20th
    assert calls <= 2 * 20


def test_regression_valid_named_paths_compute_no_suggestions(monkeypatch: pytest.MonkeyPatch) -> None:
    # every path starting with a name ran "did you mean" over all visible names even
    # when the name existed: quadratic in a valid spec (10,000 such paths: minutes)
    text = "input: 8x8x3\nlayers:\n" + "".join(
        f"  - relu: ~\n    name: l{i}\n  - add: [[l{i}, relu], []]\n" for i in range(50)
    )
    calls = 0

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal calls
        calls += 1
        return None

    monkeypatch.setattr(graph, "did_you_mean", counted)
    assert len(cnncalc.analyze_text(text, F).rows) == 150  # per i: relu, the path's relu, add
    assert calls == 0


# --- block cycles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks_text", "chain", "where"),
    [
        ("  a: {layers: [relu, a]}\n", "a -> a", (3, 22)),
        ("  a: {layers: [b]}\n  b: {layers: [c]}\n  c: {layers: [a]}\n", "a -> b -> c -> a", (5, 16)),
        ("  a: {layers: [{add: [[], [b]]}]}\n  b: {layers: [{aux: [a]}]}\n", "a -> b -> a", (4, 23)),
    ],
)
def test_block_cycles_are_named_with_their_chain(blocks_text: str, chain: str, where: tuple[int, int]) -> None:
    err = only(f"input: 8x8x3\nblocks:\n{blocks_text}layers: [a]\n")
    assert err.code == "E220" and err.message.endswith(chain) and at(err) == where


def test_unused_block_cycle_is_still_an_error() -> None:
    err = only("input: 8x8x3\nblocks:\n  a: {layers: [relu, a]}\nlayers: [relu]\n")
    assert err.code == "E220" and "a -> a" in err.message


def test_every_command_reading_a_spec_takes_every_limit_flag() -> None:
    readers = [c for c in app.registered_commands if "spec" in inspect.signature(c.callback).parameters]
    assert {c.name for c in readers} >= {"summary", "check"}
    for command in readers:
        params = set(inspect.signature(command.callback).parameters)
        assert params >= {"max_layers", "max_depth", "max_bytes", "max_expr"}, command.name


# --- numbers: Python integers end to end ---------------------------------------------


def test_huge_counts_print_exactly_in_every_format(tmp_path: Path) -> None:
    n = 999_999_999_999  # 10**12 - 1, the largest size accepted
    text = f"input: [{n}]\nlayers:\n  - dense: {n}\n"
    # dense: MACs = in * out = n**2; params = n * n + n (bias).  Not representable as floats.
    macs, params = 999_999_999_998_000_000_000_001, 999_999_999_999_000_000_000_000
    assert n * n == macs and n * n + n == params
    report = cnncalc.analyze_text(text, F)
    assert (report.totals.macs, report.totals.params) == (macs, params)
    data = json.loads(render.to_json(report))
    assert data["totals"]["macs"] == macs and data["totals"]["params"] == params
    assert f"{macs}" in render.to_csv(report) and f"{2 * macs}" in render.to_csv(report)
    spec = tmp_path / "big.yaml"
    spec.write_text(text)
    table = runner.invoke(app, ["summary", str(spec)]).stdout
    assert "999,999,999,998,000,000,000,001" in table and "999,999,999,999,000,000,000,000" in table


def test_peta_macs_print_exactly() -> None:
    # dense 10**6 -> 10**9: MACs = 10**15, params = 10**15 + 10**9
    report = cnncalc.analyze_text("input: [1000000]\nlayers:\n  - dense: 1000000000\n", F)
    assert report.totals.macs == 10**15 and report.totals.params == 10**15 + 10**9
    assert "1,000,000,000,000,000" in render.plain_table(report, None)


# --- output files ------------------------------------------------------------------------

LENET = Path(__file__).parent.parent / "specs" / "lenet5.yaml"


def test_output_is_never_written_over_the_input_spec(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_bytes(LENET.read_bytes())
    (tmp_path / "link.py").symlink_to(spec)
    for target in (spec, tmp_path / "link.py", tmp_path / "." / "net.yaml"):
        res = runner.invoke(app, ["export", str(spec), "--to", "pytorch", "-o", str(target)])
        assert res.exit_code == 2 and "error[E401]" in res.stderr, res.output
        assert spec.read_bytes() == LENET.read_bytes()


def test_output_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "model.py"
    out.write_text("old contents\n")

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", crash)
    res = runner.invoke(app, ["export", str(LENET), "--to", "pytorch", "-o", str(out)])
    assert res.exit_code == 2 and "error[E402]" in res.stderr
    assert out.read_text() == "old contents\n"  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]  # no temporary left behind


# --- the CLI never shows a traceback for a user error ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "input: !!python/name:os.system\nlayers: [relu]\n",
        "input: 8x8x3\nlayers: " + "[" * 5000 + "\n",
        BLOCKS,
        _repeats(9),
    ],
)
def test_cli_user_errors_exit_2_with_a_position(tmp_path: Path, text: str) -> None:
    code, err = cli(tmp_path, text)
    assert code == 2 and re.match(re.escape(str(tmp_path / "net.yaml")) + r":\d+:\d+: error\[E\d{3}\]: ", err), err
