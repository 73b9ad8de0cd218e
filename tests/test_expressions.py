"""``${...}`` expressions (cnncalc/spec: grammar, expressions, operators, functions): a
bounded evaluator, never eval.  Expected values are worked by hand in the comments, or are
Python's own results (the language computes as Python, and so torchvision, does).  Inside
blocks: integer arithmetic, anything beyond the grammar refused, errors pointing at the
expression and the use, and the --max-expr limit."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest
from failing import F, at, cli, only
from hypothesis import given, settings
from hypothesis import strategies as st
from worked import errors_of

import cnncalc
from cnncalc.errors import CnnCalcError, SourcePos, flatten
from cnncalc.limits import Limits
from cnncalc.source.yamltree import YMap, parse_yaml
from cnncalc.spec.expressions import Env, evaluate
from cnncalc.spec.functions import make_divisible
from cnncalc.spec.operators import ValueProblem

POS = SourcePos("e.yaml", 3, 7)
VARS = parse_yaml(textwrap.dedent("""\
    c: 32
    w: 0.75
    n: 7
    variant: b3
    ks: [3, 5, 7]
    coef: {b0: [1.0, 1.0, 224], b3: [1.2, 1.4, 300]}
    ids: {1: one, 2: two}
    on: true
"""), "v.yaml")
assert isinstance(VARS, YMap)
ENV: Env = {k.value: v for k, v in VARS.pairs}


def ev(text: str, env: Env = ENV) -> object:
    return evaluate(text, env, POS)


def error(text: str, env: Env = ENV, max_len: int = 200) -> CnnCalcError:
    with pytest.raises(CnnCalcError) as info:
        evaluate(text, env, POS, max_len, lambda offset: SourcePos("e.yaml", 3, 100 + offset))
    return info.value


# --- values and operators, as Python computes them ------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("7 / 2", 3.5),            # '/' always makes a double, as in Python 3
    ("8 / 2", 4.0),
    ("7 // 2", 3), ("-7 // 2", -4), ("7.5 // 2", 3.0),   # floor division
    ("-7 % 3", 2), ("7 % -3", -2),                        # the remainder takes the divisor's sign
    ("2 ** 10", 1024), ("2 ** -1", 0.5), ("-2 ** 2", -4), ("(-2) ** 2", 4), ("2 ** 3 ** 2", 512),
    ("c * w", 24.0),           # 32 x 0.75 = 24 exactly in binary
    ("0.1 + 0.2", 0.30000000000000004),  # doubles, not decimals
    ("999999999999 * 999999", 999998999999000001),  # integers stay exact (a double would round)
    ("1e3", 1000.0), (".5 * 4", 2.0),
    ("--3", 3), ("-+-3", 3), ("+c", 32),
])
def test_arithmetic_is_pythons(text: str, value: object) -> None:
    got = ev(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("text", "value"), [
    ("c > 16", True), ("c == 32.0", True), ("1 == 'a'", False), ("variant == 'b3'", True),
    ("variant != \"b0\"", True), ("'a' < 'b'", True), ("on == true", True),
    ("c > 16 and n < 5", False), ("c > 16 or n < 5", True), ("not c > 16", False),
    ("16 if variant == 'b0' else 24", 24), ("1 if on else 2", 1),
    ("1 if c > 100 else 2 if c > 10 else 3", 2),
    ("ks[0]", 3), ("ks[-1]", 7), ("coef[variant][2]", 300), ("coef['b0'][1]", 1.0),
    ("ids[2]", "two"),  # an integer key reads as its decimal text, as YAML wrote it
    ("variant", "b3"),
])
def test_comparisons_conditionals_and_indexing(text: str, value: object) -> None:
    assert ev(text) == value


def test_true_false_compared_with_a_number_is_an_error() -> None:
    # Python says True == 1; in a spec, comparing a switch with a number mixes two things up
    for text in ("on == 1", "1 != true", "0 == false"):
        with pytest.raises(CnnCalcError) as info:
            ev(text)
        assert info.value.code == "E140" and "not a number" in info.value.message


def test_a_list_or_mapping_of_a_var_is_the_value_itself() -> None:
    assert ev("ks") is ENV["ks"]
    assert ev("coef[variant]") is ENV["coef"].get("b3")  # type: ignore[union-attr]


def test_a_conditional_evaluates_only_the_branch_it_takes() -> None:
    # the other branch divides by zero: Python never evaluates it, nor does cnncalc
    assert ev("1 if c > 0 else 1 // 0") == 1
    assert ev("c > 100 and 1 // 0 == 0") is False


# --- functions, each against a hand computation -------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("round(2.5)", 2), ("round(3.5)", 4), ("round(-2.5)", -2),  # ties to even (Python 3)
    ("round(7)", 7), ("round(2.675, 2)", 2.67),  # 2.675 is 2.67499999999999982236431605997495... as a double
    ("floor(-2.5)", -3), ("floor(7)", 7), ("floor(100 * 0.29)", 28),  # 100 x 0.29 = 28.999999999999996
    ("ceil(-2.5)", -2), ("ceil(2.000001)", 3), ("ceil(3 * 1.1)", 4),  # 3 x 1.1 = 3.3000000000000003
    ("int(-2.7)", -2), ("int(2.7)", 2), ("int(c)", 32),
    ("float(3)", 3.0), ("abs(-3)", 3), ("abs(-2.5)", 2.5),
    ("min(3, 2.5, 7)", 2.5), ("max(1, 2)", 2), ("max(ks)", 7), ("max(1, c // 4)", 8),
])
def test_functions_by_hand(text: str, value: object) -> None:
    got = ev(text)
    assert got == value and type(got) is type(value)


# torchvision/models/_utils.py, _make_divisible(v, divisor, min_value=None):
#     if min_value is None: min_value = divisor
#     new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
#     if new_v < 0.9 * v: new_v += divisor
#     return new_v
MAKE_DIVISIBLE = [
    # (expression, result, the computation by hand)
    ("make_divisible(32 * 0.75, 8)", 24),   # int(24.0 + 4.0) = 28; 28 // 8 * 8 = 24; 24 < 21.6? no
    ("make_divisible(32 * 1.1, 8)", 32),    # 35.2: int(39.2) = 39; 39 // 8 * 8 = 32; 32 < 31.68? no
    ("make_divisible(32 * 1.4, 8)", 48),    # 44.8: int(48.8) = 48; 48 < 40.32? no (MobileNetV2 x1.4 stem)
    ("make_divisible(1280 * 1.4, 8)", 1792),  # 1792.0: int(1796.0) = 1796; // 8 * 8 = 1792
    ("make_divisible(10, 8)", 16),          # int(14.0) = 14 -> 8; 8 < 9.0: the 10 % rule adds 8
    ("make_divisible(3, 8)", 8),            # int(7.0) = 7 -> 0; max(8, 0) = 8
    ("make_divisible(12, 8)", 16),          # int(16.0) = 16 -> 16: a tie goes up
    ("make_divisible(4, 8, 1)", 8),         # int(8.0) = 8 -> 8; max(1, 8) = 8
    ("make_divisible(2, 8, 1)", 9),         # int(6.0) = 6 -> 0; max(1, 0) = 1; 1 < 1.8: 1 + 8 = 9
    # 180 x 1.4 in doubles is 251.99999999999997 (1.4 is 1.3999999999999999111...); + 4.0 is
    # 255.99999999999997, int() 255, // 8 * 8 = 248; 248 < 226.8? no.  Exact decimals would
    # give 252 + 4 = 256 -> 256: torchvision computes in doubles, and so does cnncalc.
    ("make_divisible(180 * 1.4, 8)", 248),
]


@pytest.mark.parametrize(("text", "value"), MAKE_DIVISIBLE, ids=[t for t, _ in MAKE_DIVISIBLE])
def test_make_divisible_is_torchvisions(text: str, value: int) -> None:
    got = ev(text)
    assert got == value and type(got) is int


def test_make_divisible_checks_its_arguments() -> None:
    for bad in ("make_divisible(10)", "make_divisible(10, 8, 1, 2)", "make_divisible(10, 0)",
                "make_divisible(10, 2.5)", "make_divisible('a', 8)"):
        assert error(bad).code == "E140", bad
    with pytest.raises(ValueProblem):
        make_divisible(10, 0)


# --- errors: positioned at the token at fault, never a traceback --------------------------

@pytest.mark.parametrize(("text", "offset", "code", "words"), [
    ("c +", 3, "E140", "ends too early"),
    ("c x 2", 2, "E140", "unexpected 'x'"),
    ("c // 0", 2, "E140", "division by zero"),
    ("ks[3]", 2, "E140", "out of range: the list has 3 items"),
    ("coef['b9']", 4, "E140", "no key 'b9'"),
    ("cc * 2", 0, "E141", "unknown name 'cc'"),
    ("sqrt(c)", 0, "E140", "unknown function 'sqrt'"),
    ("round", 0, "E140", "is a function"),
    ("variant * 2", 8, "E140", "must be a number, got the text 'b3'"),
    ("1 if c else 2", 5, "E140", "needs true or false, got 32"),
    ("10 ** 19", 3, "E140", "out of range"),
    ("(-8) ** 0.5", 5, "E140", "no real result"),
    ("1e400", 0, "E140", "not a finite number"),
    ("1 < 2 < 3", 6, "E140", "do not chain"),
    ("", 0, "E140", "empty"),
    ("ks[0.5]", 2, "E140", "must be an integer"),
])
def test_errors_point_at_the_token_at_fault(text: str, offset: int, code: str, words: str) -> None:
    err = error(text)
    assert (err.code, err.pos) == (code, SourcePos("e.yaml", 3, 100 + offset)), err.message
    assert words in err.message


def test_an_unknown_name_gets_a_suggestion() -> None:
    err = error("widht * 2", {"width": parse_yaml("1", "v")})  # type: ignore[dict-item]
    assert err.hint == "did you mean 'width'?"


def test_thousands_of_unary_minus_signs_count_toward_the_nesting_bound() -> None:
    """3,000 minus signs under a raised --max-expr were a RecursionError."""
    with pytest.raises(CnnCalcError) as info:
        evaluate("-" * 3000 + "1", {}, POS, max_len=5000)
    err = info.value
    assert (err.code, err.pos) == ("E140", POS)
    assert "nested too deeply" in err.message and len(err.message) < 200


@pytest.mark.parametrize("deep", ["(" * 40 + "1" + ")" * 40, "not " * 40 + "true", "2 ** " * 40 + "1",
                                  "min(" * 40 + "1" + ")" * 40, "ks" + "[0]" * 40,
                                  "1 if true else " * 40 + "1"])
def test_every_kind_of_nesting_is_bounded(deep: str) -> None:
    err = error(deep, max_len=5000)
    assert err.code == "E140" and "nested too deeply" in err.message


def test_a_long_flat_sum_is_not_nesting() -> None:
    # 2,000 terms: a flat chain, evaluated in a loop (a left-deep tree would recurse 2,000 deep)
    assert evaluate(" + ".join(["1"] * 2000), {}, POS, max_len=10_000) == 2000


# --- in a spec: results that must be integers (E143) ---------------------------------------

def run(text: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), "x.yaml")


def only_error(text: str) -> CnnCalcError:
    with pytest.raises(CnnCalcError) as info:
        run(text)
    [err] = flatten(info.value)
    return err


@pytest.mark.parametrize(("line", "what", "gives"), [
    ("  - conv: {filters: ${c * 1.1}, kernel: 1}", "filters", "35.2"),
    ("  - conv: {filters: 8, kernel: ${c / 16}}", "kernel", "2.0"),
    ("  - relu:\n    repeat: ${c * 0.1}", "repeat", "3.2"),
])
def test_a_decimal_where_an_integer_is_needed_names_value_and_expression(line: str, what: str, gives: str) -> None:
    text = "input: 8x8x3\nvars: {c: 32}\nlayers:\n" + line + "\n"
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text(text, "x.yaml")
    [err] = flatten(info.value)
    assert err.code == "E143"
    assert err.message.startswith(f"{what} must be an integer; '${{") and err.message.endswith(f"gives {gives}")
    assert err.hint is not None and ("round(" in err.hint or "'//'" in err.hint)


def test_an_expression_gives_channels_once_rounded_as_torchvision_does() -> None:
    r = run("""
        input: 8x8x3
        vars: {c: 32, w: 1.1}
        layers:
          - conv: {filters: '${make_divisible(c * w, 8)}', kernel: 1}
          - conv: {filters: '${round(c * w)}', kernel: 1}
          - conv: {filters: '${int(c * w)}', kernel: 1}
    """)
    # 32 x 1.1 = 35.2: make_divisible -> 32 (above), round -> 35, int -> 35
    assert [row.output.c for row in r.rows] == [32, 35, 35]


def test_a_decimal_result_reads_back_as_the_same_double() -> None:
    # dropout's rate from an expression: 1 / 3 is written 0.3333333333333333 (Python's repr),
    # the shortest text that float() reads back as the same double
    r = run("input: 8x8x3\nlayers:\n  - dropout: ${1 / 3}\n")
    assert math.isclose(r.rows[0].layer.rate, 1 / 3, rel_tol=0)  # type: ignore[attr-defined]


# --- never a crash: generated expressions -------------------------------------------------

_ATOMS = st.sampled_from(["0", "1", "2", "7", "-3", "2.5", "0.1", "1e3", "c", "w", "n", "ks[1]", "coef[variant][1]",
                          "true", "'b3'", "variant"])
_OPS = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "==", "<", ">=", "and", "or"])
_FUNCS = st.sampled_from(["round", "floor", "ceil", "int", "abs", "min", "max", "float", "make_divisible"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return draw(_ATOMS)
    kind = draw(st.sampled_from(["bin", "call", "neg", "paren", "if"]))
    if kind == "bin":
        return f"{draw(expressions(depth + 1))} {draw(_OPS)} {draw(expressions(depth + 1))}"
    if kind == "call":
        args = draw(st.lists(expressions(depth + 1), min_size=1, max_size=3))
        return f"{draw(_FUNCS)}({', '.join(args)})"
    if kind == "neg":
        return f"-{draw(expressions(depth + 1))}"
    if kind == "if":
        return f"{draw(expressions(depth + 1))} if {draw(expressions(depth + 1))} else {draw(expressions(depth + 1))}"
    return f"({draw(expressions(depth + 1))})"


PYTHON_NAMES = {"c": 32, "w": 0.75, "n": 7, "ks": [3, 5, 7], "coef": {"b0": [1.0, 1.0, 224], "b3": [1.2, 1.4, 300]},
                "variant": "b3", "true": True, "round": round, "floor": math.floor, "ceil": math.ceil, "int": int,
                "abs": abs, "min": min, "max": max, "float": float, "make_divisible": make_divisible}


@settings(max_examples=1500, deadline=None)
@given(expressions())
def test_generated_expressions_compute_as_python_or_fail_cleanly(text: str) -> None:
    """Python is the oracle (this test may use eval; cnncalc never does): where Python gives a
    number within cnncalc's bounds, cnncalc gives the same, of the same type; anything else
    is a positioned CnnCalcError, never another exception."""
    try:
        got = evaluate(text, ENV, POS, max_len=100_000)
    except CnnCalcError as exc:  # stricter than Python is fine (true + 1, min(4)), never a crash
        assert exc.pos is not None and exc.code in ("E140", "E141")
        return
    expected = eval(text, {"__builtins__": {}}, PYTHON_NAMES)
    if isinstance(got, bool) or isinstance(expected, bool):
        assert got == expected
    elif isinstance(got, (int, float)):
        assert got == expected and type(got) is type(expected), (text, got, expected)


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789.+-*/%()[],<>=!'\" abcefiklmnorstuvwxyz_")), max_size=60))
def test_any_text_is_a_value_or_a_positioned_error(text: str) -> None:
    try:
        ev(text)
    except CnnCalcError as exc:
        assert exc.pos is not None and exc.code in ("E140", "E141")


# --- ${...} in blocks: integer arithmetic, never eval, positions, the size limit ------------


EXPRESSIONS = [
    # with n = 7, m = 3; Python integer semantics (// floors, % takes the divisor's sign)
    ("n + m", 10), ("n - m", 4), ("n * m", 21), ("n // m", 2), ("n % m", 1),
    ("n + m * 2", 13), ("(n + m) * 2", 20), ("-(m - n)", 4), ("- m + 10", 7),
    ("min(n, m, 5)", 3), ("max(n, m, 5)", 7), ("max(min(n, 4), m) * 2", 8),
    ("(0 - n) // 2 + 10", 6), ("(0 - n) % m + 1", 3),
]


@pytest.mark.parametrize(("expr", "value"), EXPRESSIONS, ids=[e[0] for e in EXPRESSIONS])
def test_expressions_integer_arithmetic(expr: str, value: int) -> None:
    """'${expression} (integers, + - * // %, parentheses, min, max)', also inside a flow mapping."""
    r = run(f"""
        input: 2x2x1
        blocks:
          b:
            args: {{n: 7, m: 3}}
            layers: [conv: {{filters: ${{{expr}}}, kernel: 1}}]
        layers: [b]
    """)
    assert r.output.dims == (2, 2, value)


@pytest.mark.parametrize("expr", ["n if n", "__import__('os').getcwd()", "n.bit_length()", "sorted(n)", "1 / 2", "[n][0]"])
def test_expressions_are_not_eval(expr: str) -> None:
    """'evaluated by a small safe evaluator, never eval': anything beyond the grammar is a
    positioned spec error."""
    [err] = errors_of(f"""
        input: 2x2x1
        blocks:
          b:
            args: {{n: 7}}
            layers:
              - conv:
                  filters: ${{{expr}}}
                  kernel: 1
        layers: [b]
    """)
    assert isinstance(err, cnncalc.SpecError) and err.pos is not None and err.pos.line == 8


def test_expression_error_inside_a_block_points_at_the_expression_and_the_use() -> None:
    text = "input: 8x8x3\nblocks:\n  b:\n    args: [f]\n    layers:\n      - dense: ${f // 0}\nlayers:\n  - b: {f: 2}\n"
    err = only(text)
    # the caret is under the '//' that divides by zero: "      - dense: ${f // 0}", column 20
    assert err.code == "E140" and at(err) == (6, 20) and [p.line for p in err.trace] == [8]


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


def test_regression_huge_block_argument_in_an_expression() -> None:
    # int() of a 5000-digit argument raised ValueError inside the expression evaluator
    text = (
        "input: 8x8x3\nblocks:\n  b:\n    args: [f]\n    layers:\n      - dense: ${f + 1}\nlayers:\n  - b: {f: "
        + "9" * 5000
        + "}\n"
    )
    assert only(text).code == "E140"
