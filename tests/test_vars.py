"""Top-level ``vars:`` and their overrides (cnncalc/spec/vars.py): usable in every ``${...}``
of a spec, overridden from the library (and ``--set`` on the command line)."""

from __future__ import annotations

import textwrap

import pytest

import cnncalc
from cnncalc.errors import CnnCalcError, flatten, format_error
from cnncalc.spec.parse import parse
from cnncalc.spec.vars import override_sources

F = "v.yaml"

FAMILY = textwrap.dedent("""\
    name: tiny_${variant}
    vars:
      variant: b0
      coef: {b0: [1.0, 1.0, 32], b1: [1.0, 1.1, 40], b3: [1.2, 1.4, 48]}
      width: ${coef[variant][0]}
      depth: ${coef[variant][1]}
      res: ${coef[variant][2]}
    input: ${res}x${res}x3
    blocks:
      stage:
        args: {c: 16, n: 1}
        layers:
          - conv: {filters: '${make_divisible(c * width, 8)}', kernel: 3, padding: 1}
            repeat: ${ceil(n * depth)}
    layers:
      - stage: {c: 32, n: 2}
      - stage: {c: 16, n: 3}
      - conv: {filters: '${1280 if variant == "b0" else 1536}', kernel: 1}
    expect: {output: '${res}x${res}x${1280 if variant == "b0" else 1536}'}
""")


def run(text: str, **overrides: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), F, overrides=overrides)


def errors_of(text: str, **overrides: str) -> list[CnnCalcError]:
    with pytest.raises(CnnCalcError) as info:
        run(text, **overrides)
    return flatten(info.value)


@pytest.mark.parametrize(("variant", "res", "channels"), [
    # b0: width 1.0, depth 1.0: make_divisible(32, 8) = 32 twice (ceil(2 x 1.0) = 2), then
    #     make_divisible(16, 8) = 16 three times, then 1280
    ("b0", 32, [32, 32, 16, 16, 16, 1280]),
    # b1: depth 1.1: ceil(2 x 1.1) = ceil(2.2) = 3, ceil(3 x 1.1) = ceil(3.3000000000000003) = 4
    ("b1", 40, [32, 32, 32, 16, 16, 16, 16, 1536]),
    # b3: width 1.2: make_divisible(32 x 1.2 = 38.4, 8): int(42.4) = 42 -> 40 (40 < 34.56? no);
    #     make_divisible(16 x 1.2 = 19.2, 8): int(23.2) = 23 -> 16; 16 < 17.28: + 8 = 24;
    #     depth 1.4: ceil(2.8) = 3, ceil(4.2) = 5
    ("b3", 48, [40, 40, 40, 24, 24, 24, 24, 24, 1536]),
])
def test_one_spec_gives_each_variant(variant: str, res: int, channels: list[int]) -> None:
    r = cnncalc.analyze_text(FAMILY, F, overrides={"variant": variant})
    assert r.name == f"tiny_{variant}"
    assert r.input.dims == (res, res, 3)
    assert [row.output.c for row in r.rows] == channels
    [(_, check)] = r.all_checks()
    assert check.ok  # the expect on the output follows the variant too


def test_vars_reach_every_place_an_expression_may_stand() -> None:
    r = run("""
        name: net${n}
        vars: {n: 2, c: 8, shape: [6, 6, 3], k: 3}
        input: $shape
        blocks:
          b:
            args: {c: 4, d: "${c * 3}"}       # an argument shadows the var c; a default uses it
            layers:
              - conv: {filters: $d, kernel: $k, padding: 1}
        layers:
          - conv: {filters: $c, kernel: 1}      # the var: 8
          - b: {}                               # d = 4 * 3 = 12
          - b: {c: 5}                           # d = 15
          - relu:
            repeat: $n
        expect: {params: '${8 * 3 + 8 + 12 * 8 * 9 + 12 + 15 * 12 * 9 + 15}'}
    """)
    assert r.name == "net2" and r.input.dims == (6, 6, 3)
    assert [row.output.c for row in r.rows] == [8, 12, 15, 15, 15]
    # params by hand: 1x1 conv 3 -> 8: 3·8 + 8; 3x3 conv 8 -> 12: 12·8·9 + 12; 3x3 12 -> 15: 15·12·9 + 15
    [(_, check)] = r.all_checks()
    assert check.ok


def test_input_written_as_a_list_of_expressions() -> None:
    r = run("vars: {res: 20}\ninput: [${res}, ${res // 2}, 3]\nlayers: [relu]\n")
    assert r.input.dims == (20, 10, 3)


def test_a_var_may_use_the_vars_above_it_and_follows_their_overrides() -> None:
    text = "vars: {width: 1.0, stem: '${make_divisible(32 * width, 8)}'}\ninput: 8x8x3\nlayers:\n  - conv: {filters: $stem, kernel: 1}\n"
    assert run(text).rows[0].output.c == 32
    # MobileNetV2 at width 0.75: torchvision's stem is _make_divisible(32 * 0.75, 8) = 24
    assert run(text, width="0.75").rows[0].output.c == 24
    [err] = errors_of("vars: {stem: '${2 * width}', width: 1}\ninput: 8x8x3\nlayers: [relu]\n")
    assert err.code == "E141" and "unknown name 'width'" in err.message  # only the vars above


@pytest.mark.parametrize(("use", "value", "channels"), [
    ("$c", "24", 24),                   # a number
    ("'${max(c)}'", "[24, 40]", 40),     # a flow list
    ("'${c[\"b\"]}'", "{a: 24, b: 56}", 56),  # a flow mapping
])
def test_an_override_is_a_yaml_value(use: str, value: str, channels: int) -> None:
    r = run(f"vars: {{c: 8}}\ninput: 8x8x3\nlayers:\n  - conv: {{filters: {use}, kernel: 1}}\n", c=value)
    assert r.rows[0].output.c == channels


def test_an_unknown_override_is_positioned_in_its_own_source() -> None:
    overrides = {"variant": "b1", "widht": "2"}
    with pytest.raises(CnnCalcError) as info:
        parse("vars: {variant: b0, width: 1.0}\ninput: 8x8x3\nlayers: [relu]\n", F, overrides=overrides)
    [err] = flatten(info.value)
    assert (err.code, str(err.pos), err.hint) == ("E141", "<--set 2>:1:1", "did you mean 'width'?")
    shown = format_error(err, override_sources(overrides))
    assert "   1 | widht=2\n     | ^" in shown


def test_an_override_of_a_spec_without_vars_says_so() -> None:
    with pytest.raises(CnnCalcError) as info:
        parse("input: 8x8x3\nlayers: [relu]\n", F, overrides={"width": "2"})
    assert info.value.hint == "this spec declares no vars"


def test_a_bad_override_value_is_shown_where_it_was_typed() -> None:
    # "c=abc": the value starts at column 3; filters must be an integer
    [err] = errors_of("vars: {c: 8}\ninput: 8x8x3\nlayers:\n  - conv: {filters: $c, kernel: 1}\n", c="abc")
    assert (err.code, str(err.pos)) == ("E110", "<--set 1>:1:3")
    [err] = errors_of("vars: {c: 8}\ninput: 8x8x3\nlayers: [relu]\n", c="[1, 2")
    assert (err.code, str(err.pos)) == ("E101", "<--set 1>:1:3")
    [err] = errors_of("vars: {c: 8}\ninput: 8x8x3\nlayers: [relu]\n", c="")
    assert (err.code, str(err.pos)) == ("E142", "<--set 1>:1:3")


@pytest.mark.parametrize(("vars_text", "words"), [
    ("[a, b]", "must be a mapping"),
    ("{2x: 1}", "not usable"),
    ("{round: 1}", "is a function"),
    ("{if: 1}", "word of the expression language"),
])
def test_a_var_that_cannot_be_used_is_e142(vars_text: str, words: str) -> None:
    [err] = errors_of(f"vars: {vars_text}\ninput: 8x8x3\nlayers: [relu]\n")
    assert err.code == "E142" and words in err.message and err.pos is not None


def test_an_error_in_a_var_is_reported_once_not_at_every_use() -> None:
    errs = errors_of("""
        vars: {c: '${1 // 0}'}
        input: 8x8x3
        layers:
          - conv: {filters: $c, kernel: 1}
          - conv: {filters: $c, kernel: 1}
    """)
    assert [e.code for e in errs] == ["E140"]


def test_override_sources_are_name_equals_value() -> None:
    assert override_sources({"a": "1", "b": "[2, 3]"}) == {"<--set 1>": "a=1", "<--set 2>": "b=[2, 3]"}


# torchvision's EfficientNet_B{0..7}_Weights.IMAGENET1K_V1 meta: num_params and GFLOPS (MACs / 1e9,
# at the variant's own resolution), https://pytorch.org/vision/stable/models/efficientnet.html
PUBLISHED = {"b0": (5_288_548, "0.386"), "b1": (7_794_184, "0.687"), "b2": (9_109_994, "1.088"),
             "b3": (12_233_232, "1.827"), "b4": (19_341_616, "4.394"), "b5": (30_389_784, "10.266"),
             "b6": (43_040_704, "19.068"), "b7": (66_347_960, "37.746")}


@pytest.mark.parametrize("variant", list(PUBLISHED))
def test_one_spec_writes_the_efficientnet_family(variant: str) -> None:
    """The language is enough for a family: width and depth multipliers through make_divisible
    and ceil, per-variant coefficients in a mapping var, and the MBConv's optional expansion
    and shortcut through conditionals (repeat: 0 adds nothing)."""
    from pathlib import Path

    spec = Path(__file__).parent.parent / "specs" / "efficientnet.yaml"
    r = cnncalc.analyze_file(spec, overrides={"variant": variant})
    params, gflops = PUBLISHED[variant]
    assert r.totals.trainable == params
    assert f"{r.totals.macs / 1e9:.3f}" == gflops


# --- on the command line: --set -------------------------------------------------------------

def _cli(tmp_path: object, *args: str) -> tuple[int, str, str]:
    from pathlib import Path

    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    spec = Path(str(tmp_path)) / "fam.yaml"
    spec.write_text(FAMILY)
    res = CliRunner().invoke(app, [args[0], str(spec), *args[1:]])
    assert "Traceback" not in res.output
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize("command", ["summary", "check", "sizes", "export", "explain"])
def test_every_command_reading_a_spec_takes_set(command: str, tmp_path: object) -> None:
    extra = {"export": ["--to", "pytorch"], "sizes": ["--min", "40", "--max", "48"]}.get(command, [])
    code, out, err = _cli(tmp_path, command, *extra, "--set", "variant=b3")
    assert code == 0, err
    if command == "summary":
        assert out.startswith("tiny_b3: 48x48x3 -> 48x48x1536")  # b3's resolution and last conv
    code, _, err = _cli(tmp_path, command, *extra, "--set", "variantt=b3")
    assert code == 2 and "<--set 1>:1:1: error[E141]" in err and "did you mean 'variant'?" in err


@pytest.mark.parametrize(("args", "words"), [(["--set", "variant"], "is not NAME=VALUE"),
                                             (["--set", "variant=b1", "--set", "variant=b3"], "is set twice")])
def test_a_malformed_set_is_a_usage_error(args: list[str], words: str, tmp_path: object) -> None:
    code, _, err = _cli(tmp_path, "summary", *args)
    assert code == 2 and words in err


def test_a_family_spec_validates_against_the_editor_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    import yaml

    from cnncalc.spec.placeholders import protect
    from cnncalc.spec.schema import spec_schema

    text = (Path(__file__).parent.parent / "specs" / "efficientnet.yaml").read_text()
    protected, table = protect(text)  # ${...} in flow collections is cnncalc's syntax, not YAML's

    def back(value: object) -> object:  # the loaded data with every ${...} put back
        if isinstance(value, dict):
            return {back(k): back(v) for k, v in value.items()}
        if isinstance(value, list):
            return [back(v) for v in value]
        return table.text(value) if isinstance(value, str) else value

    data = back(yaml.safe_load(protected))
    assert isinstance(data, dict) and data["input"] == "${res}x${res}x3"
    jsonschema.Draft202012Validator(spec_schema()).validate(data)
    with pytest.raises(jsonschema.ValidationError):  # a var name no ${...} can use
        jsonschema.Draft202012Validator(spec_schema()).validate({**data, "vars": {"2x": 1}})


# --- cost: linear in vars + uses, not their product --------------------------------------

def _vars_and_uses(n: int, body: str) -> str:
    vars_text = "".join(f"  v{i}: {i}\n" for i in range(n))
    uses = "".join(f"  - b: {{c: {i + 1}}}\n" for i in range(n))
    return f"input: 8x8x3\nvars:\n{vars_text}blocks:\n  b:\n    args: {{c: 1}}\n    layers: [{body}]\nlayers:\n{uses}"


def test_a_block_use_shares_the_vars_instead_of_copying_them() -> None:
    """Each use copied every var (4,000 vars x 4,000 uses: 2.8 s, quadratic); a use's scope
    is its own arguments over the one mapping of vars."""
    from cnncalc.graph.entries import Entry, block_env

    spec = parse(_vars_and_uses(100, "relu"), F)
    env = block_env(spec.blocks["b"], Entry("b", spec.pos, None), spec.vars)
    assert env.maps[-1] is spec.vars and set(env.maps[0]) == {"c"}  # type: ignore[attr-defined]


def test_an_unknown_name_in_a_block_used_many_times_is_suggested_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown name in a block used 4,000 times beside 4,000 vars took 29.6 s: every use
    scanned every var for a 'did you mean' (and the layer budget did it again).  Counted."""
    from cnncalc.spec import expressions

    calls = 0
    original = expressions.did_you_mean

    def counted(word: str, options: list[str]) -> str | None:
        nonlocal calls
        calls += 1
        return original(word, options)

    monkeypatch.setattr(expressions, "did_you_mean", counted)
    for n in (50, 400):
        calls = 0
        errs = errors_of(_vars_and_uses(n, "conv: {filters: $nope, kernel: 1}"))
        assert {e.code for e in errs} == {"E141"}
        assert calls == 1
