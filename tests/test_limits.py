"""cnncalc.limits: every limit has a documented ceiling; an impossible value is a clear
ValueError naming the flag (issue 9: --max-bytes 99999999999999999999 was an OverflowError
deep inside file reading); --max-depth above the ceiling is refused on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from failing import cli

from cnncalc.limits import CEILINGS, MAX_DEPTH_CEILING, Limits, LimitValueError
from cnncalc.source.read import read_source


@pytest.mark.parametrize("name", ["max_bytes", "max_depth", "max_layers", "max_expr"])
def test_each_limit_takes_its_ceiling_and_refuses_one_more(name: str) -> None:
    assert getattr(Limits(**{name: CEILINGS[name]}), name) == CEILINGS[name]
    flag = "--" + name.replace("_", "-")
    with pytest.raises(LimitValueError) as info:
        Limits(**{name: CEILINGS[name] + 1})
    assert info.value.name == name
    assert flag in str(info.value) and f"{CEILINGS[name]:,}" in str(info.value)


def test_an_absurd_max_bytes_is_a_value_error_not_an_overflow(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        Limits(max_bytes=99999999999999999999)
    assert str(info.value) == "--max-bytes can be at most 1,073,741,824, got 99,999,999,999,999,999,999"
    with pytest.raises(ValueError, match="a number of 100 digits"):
        Limits(max_layers=10**99)
    # at the ceiling, reading works: at most max_bytes + 1 bytes are asked for
    spec = tmp_path / "s.yaml"
    spec.write_text("input: 8x8x3\nlayers: [relu]\n")
    assert read_source(spec, Limits(max_bytes=CEILINGS["max_bytes"])).startswith("input")


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "7"])
def test_a_limit_is_a_positive_whole_number(value: object) -> None:
    with pytest.raises(LimitValueError):
        Limits(max_expr=value)  # type: ignore[arg-type]


def test_the_depth_ceiling_is_the_one_the_cli_uses() -> None:
    assert CEILINGS["max_depth"] == MAX_DEPTH_CEILING


# --- the --max-depth flag ------------------------------------------------------------------------


def test_depth_flag_has_a_ceiling(tmp_path: Path) -> None:
    code, err = cli(tmp_path, "input: 8x8x3\nlayers: [relu]\n", "--max-depth", str(MAX_DEPTH_CEILING + 1))
    assert code == 2 and "--max-depth" in err
    with pytest.raises(ValueError):
        Limits(max_depth=MAX_DEPTH_CEILING + 1)
