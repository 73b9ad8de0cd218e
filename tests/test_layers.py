"""Table-driven cases per layer kind (tests/cases/<kind>.yaml).

Each case is a small spec (``input`` + ``layers``) and the hand-worked values
for its last layer (the formula with numbers substituted is in a comment
beside each value), or the error code it must raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import cnncalc
from cnncalc.layers import REGISTRY
from cnncalc.layers.base import FACTS, Layer, missing_facts, register
from cnncalc.layers.geometry import Transposed, Window

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
