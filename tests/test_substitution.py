"""Block arguments (cnncalc/spec/substitution.py): $arg and ${...} stand for any value; a bad
value points at the use that gave it; shared aliases are substituted once, not once per copy."""

from __future__ import annotations

import pytest
from failing import _laughs, at, only
from worked import run

from cnncalc.limits import Limits
from cnncalc.spec import substitution as blocks


def test_block_arguments_stand_for_any_value() -> None:
    """'$arg and ${expression} ... may stand for any value': a list, a word, a boolean, a whole
    argument mapping, a layer kind."""
    r = run("""
        input: 8x8x4
        blocks:
          unit:
            args: {k: [3, 1], pad: same, b: false, conf: {filters: 8, kernel: 1}, act: hardswish}
            layers:
              - conv: {filters: 6, kernel: $k, padding: $pad, bias: $b}
              - conv: $conf
              - $act
        layers:
          - unit
          - unit: {act: {leaky_relu: 0.2}, b: true}
    """)
    assert [x.kind for x in r.rows] == ["conv", "conv", "hardswish", "conv", "conv", "leaky_relu"]
    # [3, 1] same keeps 8x8: 6*4*3 = 72 (no bias); 1x1 6 -> 8: 8*(6 + 1) = 56;
    # second use on 8 channels with bias: 6*8*3 + 6 = 150; 1x1 again 56
    assert [x.cost.params for x in r.rows if x.kind == "conv"] == [72, 56, 150, 56]
    assert r.output.dims == (8, 8, 8)


def test_block_argument_error_inside_an_expanded_block() -> None:
    text = "input: 8x8x3\nblocks:\n  b:\n    args: [f]\n    layers:\n      - conv: {filters: $f, kernel: 1}\nlayers:\n  - b: {f: yes}\n"
    err = only(text)
    # the value at fault is the `yes` given at the use; the trace is the use itself
    assert err.code == "E110" and at(err) == (8, 12) and [p.line for p in err.trace] == [8]


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
