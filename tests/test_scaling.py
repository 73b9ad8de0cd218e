"""cnncalc.spec.scaling and ``cnncalc scale``: the ``scaling:`` hint, EfficientNet's rounding
rules worked by hand, the rewritten spec (only the vars' values change), and the scaled
networks against torchvision's own compound scaling."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app
from cnncalc.errors import CnnCalcError
from cnncalc.spec.parse import parse
from cnncalc.spec.scaling import as_yaml, rewrite, scale_vars

SPECS = Path(__file__).parent.parent / "specs"
runner = CliRunner()


def errors_of(text: str) -> list[CnnCalcError]:
    return list(parse(text, "s.yaml").errors)


def scaled(text: str, **factors: str) -> dict[str, object]:
    spec = parse(text, "s.yaml")
    assert spec.scaling is not None and not spec.errors
    return {c.var: c.after for c in scale_vars(spec.scaling, spec.vars, {k: Decimal(v) for k, v in factors.items()})}


# --- the hint ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("hint", "words", "col"), [
    ("{width: widht}", "names 'widht', which is not a var of this spec", 18),
    ("{width: name}", "whose value is not a number or a list of numbers", 18),
    ("{widths: w}", "unknown scaling axis 'widths'", 11),
    ("{width: w, depth: w}", "'w' is scaled as a width already", 28),
    ("[w]", "'scaling' maps width, depth and resolution to vars", 10),
    ("{width: [w, 3]}", "which is not a var", 22),
])
def test_a_hint_that_cannot_be_used_is_e144_at_its_place(hint: str, words: str, col: int) -> None:
    errs = errors_of(f"vars: {{w: 1.0, name: net}}\ninput: 8x8x3\nscaling: {hint}\nlayers: [relu]\n")
    assert [e.code for e in errs] == ["E144"]
    assert words in errs[0].message and errs[0].pos is not None and (errs[0].pos.line, errs[0].pos.col) == (3, col)


def test_a_misspelt_var_gets_a_suggestion() -> None:
    [err] = errors_of("vars: {width: 1.0}\ninput: 8x8x3\nscaling: {width: widht}\nlayers: [relu]\n")
    assert err.hint == "did you mean 'width'?"


def test_a_hint_is_checked_against_the_vars_as_set() -> None:
    text = "vars: {w: 1.0}\ninput: 8x8x3\nscaling: {width: w}\nlayers: [relu]\n"
    assert not parse(text, "s.yaml").errors
    [err] = parse(text, "s.yaml", overrides={"w": "wide"}).errors
    assert err.code == "E144" and "not a number" in err.message


# --- the rules, worked by hand ----------------------------------------------------------------

HINTED = """
vars:
  c: 64
  cs: [32, 180]
  n: 3
  ns: [1, 10]
  r: 224
  w: 1.1
scaling: {width: [c, cs, w], depth: [n, ns], resolution: r}
input: ${r}x${r}x3
layers: [relu]
"""


def test_counts_are_rounded_as_torchvision_rounds_them() -> None:
    got = scaled(HINTED, width="1.1", depth="1.2", resolution="1.15")
    # width, torchvision's _make_divisible(v, 8) = max(8, int(v + 4) // 8 * 8), + 8 if below 0.9 v:
    #   64 × 1.1 = 70.4 -> int(74.4) // 8 * 8 = 72;  32 × 1.1 = 35.2 -> 39 // 8 * 8 = 32 (>= 31.68: kept);
    #   180 × 1.1 = 198.00000000000003 -> 202 // 8 * 8 = 200
    assert got["c"] == 72 and got["cs"] == [32, 200]
    # depth, int(math.ceil(n × d)) in doubles: 3 × 1.2 = 3.5999999999999996 -> 4; 1 × 1.2 -> 2;
    #   10 × 1.2 = 12.0 -> 12
    assert got["n"] == 4 and got["ns"] == [2, 12]
    # resolution: round(224 × 1.15) = round(257.59999999999997) = 258
    assert got["r"] == 258
    # a multiplier is multiplied exactly as written: 1.1 × 1.1 = 1.21 (the double product is 1.2100000000000002)
    assert got["w"] == 1.21 and 1.1 * 1.1 != 1.21


def test_depth_rounds_up_in_doubles_as_torchvision_does() -> None:
    # 25 × 2.2 is 55.00000000000001 in doubles, so torchvision's int(math.ceil(n * depth_mult)) gives 56
    got = scaled("vars: {n: 25}\nscaling: {depth: n}\ninput: 8x8x3\nlayers: [relu]\n", depth="2.2")
    assert 25 * 2.2 > 55 and got["n"] == 56


def test_as_yaml_keeps_a_decimal_a_decimal() -> None:
    assert as_yaml(2.0) == "2.0" and as_yaml(1.32) == "1.32" and as_yaml([1, 2.5]) == "[1, 2.5]"
    assert as_yaml(1e-7) == "1e-07"  # YAML 1.2 reads it back as the same double


# --- rewrite: only the values change -----------------------------------------------------------

def test_rewrite_replaces_values_and_keeps_everything_else() -> None:
    text = """# a comment at the top
vars:
  variant: b0        # which model
  coef: {b0: [1.0, 224]}
  width: ${coef[variant][0]}   # derived
  depths:            # a block list
    - 3
    - 4
  flow: [1, 2]
name: net_${variant}
input: 8x8x3
layers: [relu]   # trailing
"""
    out = rewrite(text, {"width": "1.1", "depths": "[4, 5]", "flow": "[2, 3]", "variant": "b3"})
    assert out == text.replace("b0        #", "b3        #").replace("${coef[variant][0]}", "1.1").replace(
        "- 3\n    - 4", "[4, 5]").replace("[1, 2]", "[2, 3]")
    spec = parse(out, "s.yaml")
    assert not spec.errors and spec.vars["width"].value == "1.1"  # type: ignore[union-attr]


def test_rewrite_in_a_flow_mapping_of_vars() -> None:
    text = "vars: {w: 1.0, d: [1, 2], r: '${8}'}  # all on one line\ninput: 8x8x3\nlayers: [relu]\n"
    assert rewrite(text, {"w": "1.5", "d": "[2, 3]", "r": "9"}) == (
        "vars: {w: 1.5, d: [2, 3], r: 9}  # all on one line\ninput: 8x8x3\nlayers: [relu]\n")


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda n: n not in ("if", "else", "and", "or",
                                                                                         "not", "true", "false"))
VALUES = st.one_of(st.integers(0, 999).map(str), st.sampled_from(["1.5", "[1, 2]", "'${1 + 1}'", "{a: 1}", "b3"]))


@given(st.dictionaries(NAMES, VALUES, min_size=1, max_size=6), st.data())
def test_rewrite_changes_exactly_the_values_named(vars_: dict[str, str], data: st.DataObject) -> None:
    """Property: any vars written one a line (with comments), any subset replaced: the result parses,
    the replaced vars hold their new values, the others and every other line are unchanged."""
    body = "".join(f"  {k}: {v}   # about {k}\n" for k, v in vars_.items())
    text = f"# spec\nvars:\n{body}input: 8x8x3\nlayers: [relu]\n"
    chosen = data.draw(st.lists(st.sampled_from(sorted(vars_)), unique=True))
    new = {k: str(7 + i) for i, k in enumerate(chosen)}
    out = rewrite(text, new)
    expected = "".join(f"  {k}: {new.get(k, v)}   # about {k}\n" for k, v in vars_.items())
    assert out == f"# spec\nvars:\n{expected}input: 8x8x3\nlayers: [relu]\n"


# --- the command ------------------------------------------------------------------------------

def test_scale_writes_a_spec_that_differs_only_in_its_vars(tmp_path: Path) -> None:
    out = tmp_path / "b.yaml"
    res = runner.invoke(app, ["scale", str(SPECS / "efficientnet.yaml"), "--width", "1.1", "--depth", "1.2",
                              "--resolution", "1.15", "-o", str(out)])
    assert res.exit_code == 0, res.output
    before = (SPECS / "efficientnet.yaml").read_text().splitlines()
    after = out.read_text().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    # B0's width 1.0 x 1.1, depth 1.0 x 1.2, resolution round(224 x 1.15) = 258
    assert changed == [("  width: ${coef[variant][0]}", "  width: 1.1"), ("  depth: ${coef[variant][1]}", "  depth: 1.2"),
                       ("  res: ${coef[variant][2]}", "  res: 258")]
    assert "round(224 × 1.15)" in res.stdout and "1.0 × 1.1, exactly" in res.stdout


def test_scale_prints_totals_before_and_after_and_never_writes_over_the_input(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text("vars: {c: 8}\nscaling: {width: c}\ninput: 4x4x1\nlayers:\n  - conv: {filters: $c, kernel: 1}\n")
    res = runner.invoke(app, ["scale", str(spec), "--width", "2", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    # conv 1x1, 1 -> c channels on 4x4: params c·1 + c, MACs 16·c; c = make_divisible(8 × 2, 8) = 16
    assert [m["params"] for m in data["models"]] == [16, 32] and [m["macs"] for m in data["models"]] == [128, 256]
    assert data["vars"] == [{"var": "c", "axis": "width", "before": 8, "after": 16,
                             "rule": "make_divisible(8 × 2, 8)"}]
    assert data["models"][1]["difference"]["macs"] == 128
    res = runner.invoke(app, ["scale", str(spec), "--width", "2", "-o", str(spec)])
    assert res.exit_code == 2 and "E401" in res.stderr and spec.read_text().startswith("vars: {c: 8}")


def test_scale_to_standard_output_prints_the_spec_alone(tmp_path: Path) -> None:
    res = runner.invoke(app, ["scale", str(SPECS / "mobilenet_v2.yaml"), "--width", "0.5", "-o", "-"])
    assert res.exit_code == 0
    assert res.stdout.startswith("# MobileNetV2") and "  width: 0.5\n" in res.stdout
    assert "compound scaling: width × 0.5" in res.stderr


def test_the_set_values_become_the_scaled_specs_own(tmp_path: Path) -> None:
    out = tmp_path / "b3.yaml"
    res = runner.invoke(app, ["scale", str(SPECS / "efficientnet.yaml"), "--set", "variant=b3", "--depth", "1.1",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "  variant: b3\n" in text and "  depth: 1.54\n" in text  # B3's 1.4 x 1.1, exactly
    r = cnncalc.analyze_file(out)
    assert r.input.dims == (300, 300, 3) and r.name == "efficientnet_custom"


@pytest.mark.parametrize(("args", "words"), [
    (["--width", "1.1"], "--width given, but this spec has no scaling: hint"),
    ([], "give a factor to scale by"),
])
def test_scale_needs_a_hint_and_a_factor(args: list[str], words: str) -> None:
    res = runner.invoke(app, ["scale", str(SPECS / "lenet5.yaml"), *args])
    assert res.exit_code == 2 and words in res.stderr and "Traceback" not in res.output


def test_an_axis_the_hint_does_not_name_is_e144() -> None:
    res = runner.invoke(app, ["scale", str(SPECS / "mobilenet_v2.yaml"), "--depth", "1.2"])
    assert res.exit_code == 2 and "E144" in res.stderr and "names no depth vars" in res.stderr


@pytest.mark.parametrize("factor", ["0", "-1", "abc", "1e400", "nan"])
def test_a_factor_is_a_positive_number(factor: str) -> None:
    res = runner.invoke(app, ["scale", str(SPECS / "efficientnet.yaml"), f"--width={factor}"])
    assert res.exit_code == 2 and "is not a positive factor" in res.output


def test_claims_that_fail_on_the_scaled_network_are_noted(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text("vars: {c: 8}\nscaling: {width: c}\ninput: 4x4x1\nlayers:\n  - conv: {filters: $c, kernel: 1}\n"
                    "expect: {params: 16}\n")
    res = runner.invoke(app, ["scale", str(spec), "--width", "2"])
    assert res.exit_code == 0 and "1 expect: claims of the spec fail on the scaled network" in res.stderr


# --- against torchvision's own compound scaling ------------------------------------------------

@pytest.mark.torch
@pytest.mark.parametrize(("width", "depth", "res"), [("1.1", "1.2", "1.15"), ("1.3", "1.5", "1.3"),
                                                      ("0.75", "0.8", "0.875")])
def test_a_scaled_efficientnet_is_torchvisions_at_those_multipliers(width: str, depth: str, res: str,
                                                                      tmp_path: Path) -> None:
    """torchvision builds EfficientNet at any width_mult and depth_mult (_efficientnet_conf); scaling B0
    by them must give exactly its parameters, and its MACs at the scaled resolution."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torchvision check is skipped")
    from test_families import torchvision_models
    from torch.utils.flop_counter import FlopCounterMode

    models = torchvision_models()
    out = tmp_path / "scaled.yaml"
    res_ = runner.invoke(app, ["scale", str(SPECS / "efficientnet.yaml"), "--width", width, "--depth", depth,
                               "--resolution", res, "-o", str(out)])
    assert res_.exit_code == 0, res_.output
    r = cnncalc.analyze_file(out)
    side = round(224 * float(res))  # the rule under test, worked again here
    assert r.input.dims == (side, side, 3)
    from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf

    assert models is not None
    setting, last = _efficientnet_conf("efficientnet_b0", width_mult=float(width), depth_mult=float(depth))
    with torch.device("meta"):
        model = EfficientNet(setting, 0.2, last_channel=last).eval()
        x = torch.zeros(1, 3, side, side)
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(x)
    assert r.totals.trainable == sum(p.numel() for p in model.parameters())
    assert r.totals.macs == counter.get_total_flops() // 2


@pytest.mark.torch
def test_scaled_resnet_depths_are_torchvisions_resnet_of_those_depths(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torchvision check is skipped")
    from test_families import torchvision_models

    models = torchvision_models()
    out = tmp_path / "deep.yaml"
    res = runner.invoke(app, ["scale", str(SPECS / "resnet_bottleneck.yaml"), "--depth", "1.5", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert re.search(r"depths: \[5, 6, 9, 5\]", out.read_text())  # ceil([3, 4, 6, 3] x 1.5)
    with torch.device("meta"):
        model = models.resnet.ResNet(models.resnet.Bottleneck, [5, 6, 9, 5])
    assert cnncalc.analyze_file(out).totals.trainable == sum(p.numel() for p in model.parameters())


def test_rewrite_and_scaling_grow_linearly_with_the_vars() -> None:
    """4x the vars (all scaled, all rewritten) costs about 4x the calls, not 16x."""
    from growth import ratio

    def make(n: int) -> object:
        body = "".join(f"  c{i}: {8 + i}   # channels {i}\n" for i in range(n))
        hint = ", ".join(f"c{i}" for i in range(n))
        text = f"vars:\n{body}scaling: {{width: [{hint}]}}\ninput: 8x8x3\nlayers: [relu]\n"

        def run() -> None:
            spec = parse(text, "s.yaml")
            assert spec.scaling is not None
            changes = scale_vars(spec.scaling, spec.vars, {"width": Decimal("1.5")})
            rewrite(text, {c.var: as_yaml(c.after) for c in changes})

        return run

    assert ratio(make, 300) < 5  # type: ignore[arg-type]


def test_the_editor_schema_knows_the_hint() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from cnncalc.spec.schema import spec_schema

    validator = jsonschema.Draft202012Validator(spec_schema())
    base = {"input": "8x8x3", "layers": ["relu"], "vars": {"w": 1.0, "d": [1, 2]}}
    validator.validate({**base, "scaling": {"width": "w", "depth": ["d"], "resolution": "r"}})
    for bad in ({"widths": "w"}, {"width": 3}, {"width": []}):
        with pytest.raises(jsonschema.ValidationError):
            validator.validate({**base, "scaling": bad})
