"""Table-driven cases per layer kind (tests/cases/<kind>.yaml).

Each case is a small spec (``input`` + ``layers``) and the hand-worked values
for its last layer (the formula with numbers substituted is in a comment
beside each value), or the error code it must raise.  Also: every kind states its facts
(cnncalc/layers/base.py), and the kinds, arguments, defaults and aliases of the spec language
are all there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner
from worked import run

import cnncalc
from cnncalc.cli.app import app
from cnncalc.layers import REGISTRY
from cnncalc.layers.base import FACTS, Layer, missing_facts, register
from cnncalc.layers.geometry import Transposed, Window

runner = CliRunner()

CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()):
            out.append(pytest.param(case, id=f"{path.stem}: {case['name']}"))
    return out


def _spec_text(case: dict[str, Any]) -> str:
    return yaml.safe_dump({"input": case["input"], "layers": case["layers"]}, sort_keys=False)


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, list):
        return tuple(value)
    return tuple(int(p) for p in str(value).split("x"))


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    text = _spec_text(case)
    if "error" in case:
        with pytest.raises(cnncalc.CnnCalcError) as info:
            cnncalc.analyze_text(text, "case.yaml")
        assert info.value.code == case["error"], str(info.value)
        assert info.value.pos is not None and info.value.pos.file == "case.yaml"
        return
    row = cnncalc.analyze_text(text, "case.yaml").rows[-1]
    if "output" in case:
        assert row.output.dims == _shape(case["output"])
    if "params" in case:
        assert row.cost.params == case["params"]
    if "trainable" in case:
        assert row.cost.trainable == case["trainable"]
    if "non_trainable" in case:
        assert row.cost.non_trainable == case["non_trainable"]
    if "macs" in case:
        assert row.cost.macs == case["macs"]


def test_every_kind_has_cases() -> None:
    """Adding a layer = one class + one cases file: a kind without cases fails here."""
    covered: set[str] = set()
    for path in CASES_DIR.glob("*.yaml"):
        for case in yaml.safe_load(path.read_text()):
            for entry in case["layers"]:
                kind = entry if isinstance(entry, str) else next(k for k in entry if k not in ("name", "expect"))
                covered.add(REGISTRY[kind].kind if kind in REGISTRY else kind)
    missing = {cls.kind for cls in REGISTRY.values()} - covered
    assert not missing, f"layer kinds without a case: {sorted(missing)}"


# --- each kind owns its facts ------------------------------------------------------------


@pytest.mark.parametrize("fact", FACTS)
def test_every_kind_states_every_fact(fact: str) -> None:
    """A kind must state each fact on its class or its family's; none is left to a default."""
    missing = sorted({cls.kind for cls in REGISTRY.values() if fact in missing_facts(cls)})
    assert not missing, f"kinds that do not state {fact!r}: {missing}"


def test_register_refuses_a_kind_that_forgets_a_fact() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Forgetful(Layer):
        kind = "forgetful_test_kind"
        macs_formula = "0"

        def infer(self, inputs: tuple[cnncalc.Shape, ...]) -> cnncalc.Shape:
            return inputs[0]

    with pytest.raises(AssertionError) as info:
        register(Forgetful)
    for fact in ("cost", "reads", "formulas", "variants", "conventions"):
        assert fact in str(info.value)
    assert "forgetful_test_kind" not in REGISTRY


WINDOW_CASES = [
    ("9x11x3", {"conv": {"filters": 2, "kernel": [3, 2], "stride": [2, 3], "padding": [1, 0, 2, 1],
                         "dilation": [2, 1]}}),
    ("9x9x4", {"dwconv": {"kernel": 3, "padding": "same", "stride": 2}}),
    ("10x7x2", {"sepconv": {"filters": 3, "kernel": 2}}),
    ("5x5x1", {"maxpool": {"kernel": 2, "stride": 2, "padding": 1, "ceil_mode": True}}),
    ("8x6x1", {"avgpool": {"kernel": 3, "stride": 2, "ceil_mode": True}}),
    ("7x9x2", {"deconv": {"filters": 2, "kernel": 3, "stride": 2, "padding": 1, "output_padding": 1}}),
]


@pytest.mark.parametrize(("inp", "layer"), WINDOW_CASES)
def test_the_stated_window_gives_the_output_size(inp: str, layer: dict[str, Any]) -> None:
    # The geometry a kind states (used by lint, rf, explain, export) is the one its shape uses.
    row = cnncalc.analyze_text(yaml.safe_dump({"input": inp, "layers": [layer]}), "w.yaml").rows[-1]
    assert row.layer is not None
    for axis in (0, 1):
        reads = row.layer.reads(row.inputs, row.output, axis)
        assert isinstance(reads, (Window, Transposed))
        assert reads.out == row.output.dims[axis]


# --- the kinds of the spec language: defaults, arguments and aliases ------------------------------


# The defaults of the issue's table, written out explicitly, change nothing; the values
# on the right are the formulas by hand.
DEFAULTS = [
    # conv 7x7x2, 4 filters 3x3: 5x5x4; 4*(2*9 + 1) = 76; 5*5*4*18 = 1,800
    ("conv: {filters: 4, kernel: 3}",
     "conv: {filters: 4, kernel: 3, stride: 1, padding: 0, dilation: 1, groups: 1, bias: true}",
     (5, 5, 4), 76, 1_800),
    # dwconv: 5x5x2; 2*(9 + 1) = 20; 5*5*2*9 = 450
    ("dwconv: 3", "dwconv: {kernel: 3, stride: 1, padding: 0, dilation: 1, multiplier: 1, bias: true}",
     (5, 5, 2), 20, 450),
    # sepconv (Keras): depthwise 2*9 (no bias) + pointwise 2*4 + 4 bias = 30; 5*5*(18 + 8) = 650
    ("sepconv: {filters: 4, kernel: 3}",
     "sepconv: {filters: 4, kernel: 3, stride: 1, padding: 0, dilation: 1, multiplier: 1, bias: true}",
     (5, 5, 4), 30, 650),
    # deconv: (7-1)*1 + 2 + 1 = 9; 2*4*9 + 4 = 76; 7*7*2*4*9 = 3,528
    ("deconv: {filters: 4, kernel: 3}",
     "deconv: {filters: 4, kernel: 3, stride: 1, padding: 0, output_padding: 0, dilation: 1, groups: 1, bias: true}",
     (9, 9, 4), 76, 3_528),
    # maxpool stride = kernel: floor((7-3)/3) + 1 = 2
    ("maxpool: 3", "maxpool: {kernel: 3, stride: 3, padding: 0, ceil_mode: false}", (2, 2, 2), 0, 0),
    # avgpool [2, 3]: h floor(5/2) + 1 = 3, w floor(4/3) + 1 = 2
    ("avgpool: [2, 3]", "avgpool: {kernel: [2, 3], stride: [2, 3], padding: 0, ceil_mode: false}", (3, 2, 2), 0, 0),
    ("upsample: 2", "upsample: {scale: 2, mode: nearest}", (14, 14, 2), 0, 0),
    # dense on 7x7x2 acts on the last axis: 2*3 + 3 = 9; 49 positions * 2 * 3 = 294
    ("dense: 3", "dense: {units: 3, bias: true}", (7, 7, 3), 9, 294),
    ("groupnorm: 2", "groupnorm: {groups: 2}", (7, 7, 2), 4, 0),
]


@pytest.mark.parametrize(("short", "explicit", "out", "params", "macs"), DEFAULTS, ids=[d[0] for d in DEFAULTS])
def test_table_defaults(short: str, explicit: str, out: tuple[int, ...], params: int, macs: int) -> None:
    """The '(defaults)' column of the issue's layer table."""
    for body in (short, explicit):
        r = run(f"input: 7x7x2\nlayers:\n  - {body}\n")
        assert (r.output.dims, r.totals.params, r.totals.macs) == (out, params, macs), body


ISSUE_TABLE = {
    # issue 2's table, then issue 3's kinds: kind -> argument names it lists
    "conv": ["filters", "kernel", "stride", "padding", "dilation", "groups", "bias"],
    "dwconv": ["kernel", "stride", "padding", "dilation", "multiplier", "bias"],
    "sepconv": ["filters", "kernel"],
    "deconv": ["filters", "kernel", "stride", "padding", "output_padding", "dilation", "groups", "bias"],
    "maxpool": ["kernel", "stride", "padding", "ceil_mode"],
    "avgpool": ["kernel", "stride", "padding", "ceil_mode"],
    "global_avgpool": [], "global_maxpool": [],
    "adaptive_avgpool": ["output"], "adaptive_maxpool": ["output"],
    "upsample": ["scale", "size", "mode"],
    "zeropad": ["padding"],
    "flatten": [],
    "dense": ["units", "bias"],
    "bn": [], "layernorm": [], "groupnorm": ["groups"],
    "relu": [], "relu6": [], "leaky_relu": [], "elu": [], "gelu": [], "silu": [], "hardswish": [],
    "sigmoid": [], "hardsigmoid": [], "tanh": [], "softmax": [], "dropout": ["rate"], "lrn": ["size"],
    "concat": [], "add": [], "multiply": [], "crop": ["to"], "channel_shuffle": ["groups"],
    "se": ["reduction", "squeeze", "activation", "gate"],
    "deform_conv": ["filters", "kernel", "stride", "padding", "dilation", "groups", "bias"],
}


ALIASES = {"dense": "linear", "bn": "batchnorm", "silu": "swish"}


def test_kinds_lists_every_kind_and_argument_of_the_issues() -> None:
    """Every kind of the issues' tables, with the arguments they name and the aliases
    'dense (alias linear)', 'bn (batchnorm)', 'silu (swish)'."""
    res = runner.invoke(app, ["kinds"])
    assert res.exit_code == 0
    listed: dict[str, tuple[str, list[str]]] = {}
    current = ""
    for line in res.stdout.splitlines():
        if line and not line.startswith(" "):
            current = line.split(":")[0].split(" (")[0]
            listed[current] = (line.split(":")[0], [])
        elif line.strip():
            listed[current][1].append(line.split()[0].rstrip(":"))
    for kind, args in ISSUE_TABLE.items():
        assert kind in listed, kind
        assert set(args) <= set(listed[kind][1]), (kind, listed[kind][1])
    for kind, alias in ALIASES.items():
        assert alias in listed[kind][0], (kind, listed[kind][0])


@pytest.mark.parametrize("pool", [{"kernel": 2}, {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                                  {"kernel": [3, 2], "stride": [3, 1]}])
def test_unpool_reads_its_pools_windows_backwards(pool: dict[str, Any]) -> None:
    # Unpool states the pool's window run backwards (Transposed): its size must be the pool's input's.
    text = yaml.safe_dump({"input": "11x10x2", "layers": [{"maxpool": pool, "name": "p"}, {"unpool": "p"}]})
    row = cnncalc.analyze_text(text, "u.yaml").rows[-1]
    assert row.layer is not None and row.output.dims == (11, 10, 2)
    for axis in (0, 1):
        reads = row.layer.reads(row.inputs, row.output, axis)
        assert isinstance(reads, Transposed) and reads.out == row.output.dims[axis]
