"""The spec stage (cnncalc/spec): the top level (input forms, empty or non-mapping specs, block
names), claims and their short forms, calc arguments, ``${...}`` placeholders, every spec error
of a file in one run, did-you-mean for keys and words, and the hints for YAML errors in layer
entries."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from failing import at, only
from hypothesis import given, settings
from hypothesis import strategies as st
from invoke import cli

import cnncalc
from cnncalc.errors import CnnCalcError, flatten
from cnncalc.graph import build as graph_build
from cnncalc.limits import Limits
from cnncalc.source import yamltree
from cnncalc.spec.calc import calc_spec
from cnncalc.spec.parse import parse
from cnncalc.spec.placeholders import protect

F = "s.yaml"


def run(text: str, limits: Limits = Limits()) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), F, limits)


def errors_of(text: str, limits: Limits = Limits()) -> list[CnnCalcError]:
    with pytest.raises(CnnCalcError) as info:
        run(text, limits)
    return flatten(info.value)


# --- claims -----------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", "M", ".5", "K"])
def test_a_claim_with_a_million_digits_is_an_error_not_a_decimal_overflow(suffix: str) -> None:
    [err] = errors_of("input: 8x8x3\nlayers: [relu]\nexpect: {params: " + "1" * 10**6 + suffix + "}\n")
    assert err.code == "E132" and (err.pos and (err.pos.line, err.pos.col)) == (3, 18)
    assert "1,000,00" in err.message and len(err.message) < 100


def test_a_forty_digit_claim_is_judged_exactly() -> None:
    # relu has 0 parameters; the claim 10^39 is 40 digits: judged (and false), not refused
    r = run("input: 8x8x3\nlayers: [relu]\nexpect: {params: 1" + "0" * 39 + "}\n")
    [(_, check)] = r.all_checks()
    assert not check.ok


# --- calc ---------------------------------------------------------------------------------

def test_an_unclosed_calc_input_points_into_its_own_text() -> None:
    """`calc '[8,8,3' relu` said <arg 1>:2:1, a line the argument does not have."""
    with pytest.raises(CnnCalcError) as info:
        calc_spec("[8,8,3", ["relu"])
    [err] = flatten(info.value)
    assert err.code == "E101" and str(err.pos) == "<arg 1>:1:1"


# --- placeholders for ${...} --------------------------------------------------------------

def test_user_text_that_looks_like_a_placeholder_is_never_renamed() -> None:
    """A spec named "$Q0QQ" became "${1}Q" when ${1} appeared elsewhere in the file (here
    a key, which nothing substitutes: the message quotes it as written)."""
    spec = parse('"$Q0QQ": 1\ninput: 8x8x3\nlayers:\n  - dense: ${1}\n', F)
    assert [e.message for e in spec.errors] == ["unknown top-level key '$Q0QQ'"]


pieces = st.sampled_from(["${a}", "${}", "${n * 2}", "$Q0QQ", "$Q1", "{", "}", "x", " ", "\n", "\ue000", "\ue001",
                          "\ue002\ue003", "$", "${a}${b}", "QQ", "0"])


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=40).map("".join))
def test_protecting_then_restoring_gives_the_text_back_whatever_it_holds(text: str) -> None:
    protected, table = protect(text)
    assert len(protected) == len(text)  # every column stays where it was
    assert len(table.table) == len(re.findall(r"\$\{[^{}\n]*\}", text))  # every ${...} swapped
    assert table.text(protected) == text


@pytest.mark.parametrize("libyaml", [True, False])
def test_placeholders_keep_positions_after_them_on_the_line(libyaml: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not libyaml:
        monkeypatch.setattr(yamltree, "_FAST", None)
    errs = errors_of("""
        input: 8x8x3
        layers:
          - conv: {filters: ${2 * 2}, kernel: 1, \N{CJK UNIFIED IDEOGRAPH-4E2D}: 3}
    """)
    # "  - conv: " (10) + "{filters: " (10) + "${2 * 2}" (8) + ", kernel: 1, " (13): column 42,
    # counted in characters whatever the placeholder is made of
    assert [(e.code, e.pos and e.pos.col) for e in errs] == [("E121", 42)]


# --- YAML errors in layer entries: the form that works ------------------------------------

@pytest.mark.parametrize("key", ["expect: {output: 8x8x3}", "name: r", "repeat: 2"])
def test_a_bare_kind_with_a_key_under_it_gets_the_colon_hint(key: str) -> None:
    [err] = errors_of(f"input: 8x8x3\nlayers:\n  - relu\n    {key}\n")
    assert err.code == "E101"
    assert err.hint == f"to write '{key.split(':')[0]}:' beside a bare kind, end the kind with a colon: '- relu:'"
    # ... and that form works
    run(f"input: 8x8x3\nlayers:\n  - relu:\n    {key}\n")


def test_a_list_of_layers_with_repeat_gets_the_block_hint() -> None:
    [err] = errors_of("input: 8x8x3\nlayers:\n  - [relu, relu]\n    repeat: 3\n")
    assert err.code == "E101" and err.hint is not None
    assert "blocks: {stage: {layers: [relu, relu]}}" in err.hint and "'- stage:'" in err.hint
    # ... and that form works: 3 x 2 relus
    r = run("input: 8x8x3\nblocks: {stage: {layers: [relu, relu]}}\nlayers:\n  - stage:\n    repeat: 3\n")
    assert len(r.rows) == 6


# --- blocks no layer uses -------------------------------------------------------------------

def test_unused_blocks_share_the_spec_layer_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each unused block could expand to --max-layers: 100 of them took over a minute.  The
    limit is per spec: the layers built stay below it (counted), and the excess is E155."""
    built = 0
    original = graph_build.build

    def counted(*args: object) -> object:
        nonlocal built
        built += 1
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(graph_build, "build", counted)
    blocks = "".join(f"  b{i}:\n    layers:\n      - relu:\n        repeat: 400\n" for i in range(50))
    errs = errors_of("input: 8x8x3\nblocks:\n" + blocks + "layers: [relu]\n", Limits(max_layers=1000))
    assert [e.code for e in errs] == ["E155"]
    assert errs[0].pos is not None and errs[0].pos.line == 2 + 4 * 2 + 1  # the third block: 1 + 400 + 400 + 400
    assert built <= 1000


def test_an_unused_block_is_checked_with_defaults_that_use_other_arguments() -> None:
    # width2 is ${2 * width}: the check used the text '${2 * width}' as the filter count
    run("""
        input: 8x8x3
        blocks:
          b:
            args: {width: 4, width2: "${2 * width}"}
            layers: [conv: {filters: $width2, kernel: 1}]
        layers: [relu]
    """)


# --- user text in messages is clipped -------------------------------------------------------

def test_an_unknown_kind_of_megabytes_is_clipped_in_the_message() -> None:
    kind = "k" * 3_900_000
    [err] = errors_of(f"input: 8x8x3\nlayers: [{kind}]\n")
    assert err.code == "E120" and len(err.message) < 100 and len(err.hint or "") < 100


@pytest.mark.parametrize("text", [
    "input: 8x8x3\nlayers: [relu]\nexpect: {%s: 1}\n",                                  # E131
    "input: 8x8x3\nblocks:\n  %s: {layers: [relu], x: 1}\nlayers: [relu]\n",             # E106
    "input: 8x8x3\nlayers:\n  - relu:\n    %s: 1\n    nme: x\n",                          # E121/E120
    "input: 8x8x3\nlayers:\n  - relu\n  - add: [%s, []]\n",                               # E201
    "input: 8x8x3\nblocks:\n  b: {args: [x], layers: [relu]}\nlayers:\n  - b: {%s: 1}\n",  # E121
])
def test_every_echoed_name_is_clipped(text: str) -> None:
    for err in errors_of(text % ("q" * 1000)):  # (a YAML key is at most 1024 characters)
        assert len(err.message) < 200 and len(err.hint or "") < 200, err.message[:80]


# --- the top level: input forms, empty or non-mapping specs, block names, short-form claims, all
# errors at once, did-you-mean --------------------------------------------------------------------


# dense: N units on the vector [1] costs 1*N = N MACs, so any count can be claimed against.
SHORT_FORMS = [
    (120_350_000, "120.4M", True),  # 120.35M rounds (half up) to 120.4M
    (120_449_999, "120.4M", True),
    (120_450_000, "120.4M", False),  # rounds to 120.5M
    (120_349_999, "120.4M", False),  # rounds to 120.3M
    (120_422_400, "120.42M", True),
    (120_422_400, "120.40M", False),  # two decimals: 120.395M .. 120.405M
    (120_422_400, "120M", True),  # no decimals: 119.5M .. 120.5M
    (1_249_999_999, "1.2G", True),
    (1_250_000_000, "1.2G", False),
    (416_520, "416.5K", True),
    (120_422_400, "120,422,400", True),  # written in full: exact
    (120_422_401, "120422400", False),
]


@pytest.mark.parametrize(("actual", "claim", "ok"), SHORT_FORMS, ids=[f"{a}~{c}" for a, c, _ in SHORT_FORMS])
def test_short_forms_match_at_their_written_precision(tmp_path: Path, actual: int, claim: str, ok: bool) -> None:
    """'Short forms (120.4M, 1.2G) match at the precision they are written with.'"""
    res = cli(tmp_path, f"input: [1]\nlayers: [dense: {actual}]\nexpect: {{macs: '{claim}'}}\n", command="check")
    assert res.exit_code == (0 if ok else 1), res.output


def test_all_spec_errors_of_a_file_in_one_run() -> None:
    """'all spec errors of a file in one run': a top-level mistake and layer mistakes together."""
    errs = errors_of("""
        nmae: net
        input: 32x32
        layers:
          - reul
          - conv: {filters: 4, kernal: 3}
    """)
    assert {"E106", "E112", "E120", "E121"} <= {e.code for e in errs}


DID_YOU_MEAN = [
    ("top-level key", "nmae: n\ninput: 8x8x4\nlayers: [relu]\n", "name"),
    ("expect key", "input: 8x8x4\nlayers: [relu]\nexpect: {parms: 0}\n", "params"),
    ("block key", "input: 8x8x4\nblocks:\n  b: {args: {n: 1}, layres: [relu]}\nlayers: [b]\n", "layers"),
    ("block argument", "input: 8x8x4\nblocks:\n  b: {args: {filters: 1}, layers: [relu]}\nlayers:\n  - b: {filtres: 2}\n",
     "filters"),
    ("block name as kind", "input: 8x8x4\nblocks:\n  basic: {layers: [relu]}\nlayers: [basci]\n", "basic"),
    ("padding word", "input: 8x8x4\nlayers:\n  - conv: {filters: 1, kernel: 3, padding: smae}\n", "same"),
    ("mode word", "input: 8x8x4\nlayers:\n  - upsample: {scale: 2, mode: bilinaer}\n", "bilinear"),
]


@pytest.mark.parametrize(("what", "text", "meant"), DID_YOU_MEAN, ids=[d[0] for d in DID_YOU_MEAN])
def test_unknown_keys_and_words_get_did_you_mean(what: str, text: str, meant: str) -> None:
    """'unknown kinds and keys get a did-you-mean' (kinds and layer arguments: tests/test_graph.py)."""
    hints = [e.hint for e in errors_of(text)]
    assert f"did you mean '{meant}'?" in hints, hints


@pytest.mark.parametrize(("written", "hint"), [
    ("[1, 3, 224, 224]", "the batch size is not part of the input: 224x224x3 (H x W x C) per sample"),  # NCHW
    ("[8, 224, 224, 3]", "the batch size is not part of the input: 224x224x3 (H x W x C) per sample"),  # NHWC
    ("[28, 28]", ("an image needs its channels too: 28x28x1 for one channel; or, as Keras reads (28, 28),"
                  " 28 positions of 28 features (what Dense acts on): 28x1x28")),
    ("(224, 224, 3)", "write it as 224x224x3"),  # a Python tuple
    ("224*224*3", "write it as 224x224x3"),
])
def test_an_input_shape_written_another_way_gets_the_spec_form(written: str, hint: str) -> None:
    errs = errors_of(f"input: {written}\nlayers: [relu]\n")
    assert [(e.code, e.hint) for e in errs] == [("E112", hint)]


def test_a_two_axis_input_hint_gives_keras_dense_answer() -> None:
    # Keras' Dense(1) on an input of shape (4, 2) acts on the last axis: (4, 1), with a 2x1
    # kernel and 1 bias = 3 parameters.  The hint's Keras reading must give exactly that.
    [err] = errors_of("input: 4x2\nlayers: [{dense: 1}]\n")
    suggested = err.hint.rsplit(": ", 1)[-1] if err.hint else ""
    assert suggested == "4x1x2"
    report = cnncalc.analyze_text(f"input: {suggested}\nlayers: [{{dense: 1}}]\n")
    assert (str(report.output), report.totals.params) == ("4x1x1", 3)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_spec(text: str) -> None:
    err = only(text)
    assert err.code == "E105" and "empty" in err.message


@pytest.mark.parametrize(("text", "what"), [("- conv\n- relu\n", "a list"), ("relu\n", "'relu'")])
def test_a_list_or_a_word_instead_of_a_mapping(text: str, what: str) -> None:
    err = only(text)
    assert err.code == "E105" and at(err) == (1, 1) and err.message.endswith(f"got {what}")


def test_block_named_like_a_layer_kind_is_refused() -> None:
    # a block `relu` would silently replace every relu of the spec
    err = only("input: 8x8x3\nblocks:\n  relu: {layers: [tanh]}\nlayers: [relu]\n")
    assert err.code == "E108" and at(err) == (3, 3)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789x", min_size=1, max_size=14) | st.sampled_from(["160x160x3", "0x10", "07x7x3", "0x0x0"]))
def test_a_plain_shape_argument_reads_as_yaml_would(text: str) -> None:
    """``--input 160x160x3`` skips the YAML parser; the answer (a shape, or the same error at the
    same place) must be the one the parser gives."""
    from cnncalc.spec import parse as spec_parse

    def outcome(fast: bool) -> object:
        saved = spec_parse._PLAIN_SHAPE
        if not fast:
            spec_parse._PLAIN_SHAPE = re.compile(r"(?!)")  # matches nothing: always the YAML parser
        try:
            return spec_parse.shape_argument(text, "<--input>", "--input")
        except CnnCalcError as exc:
            return (exc.code, str(exc))
        finally:
            spec_parse._PLAIN_SHAPE = saved

    assert outcome(True) == outcome(False)
