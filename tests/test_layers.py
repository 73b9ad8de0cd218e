"""Table-driven cases per layer kind (tests/cases/<kind>.yaml).

Each case is a small spec (``input`` + ``layers``) and the hand-worked values
for its last layer (the formula with numbers substituted is in a comment
beside each value), or the error code it must raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import cnncalc
from cnncalc.layers import REGISTRY

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
