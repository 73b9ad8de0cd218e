"""Layer entries (cnncalc/graph/entries.py): a bare kind, or a one-key mapping whose value is a
mapping, a scalar (the main argument) or null, with name:, expect: (and repeat:) beside the kind;
a misspelt key beside the kind gets a did-you-mean."""

from __future__ import annotations

import pytest
from worked import errors_of, run


def test_list_input_null_and_scalar_entry_forms_name_and_expect() -> None:
    """'input: 32x32x1 ... the list [32, 32, 1] works too'; 'A layer entry is a bare kind
    name or a one-key mapping kind: args whose value is a mapping, a scalar (the main
    argument) or null. Beside the kind key an entry may carry name: and expect:'."""
    r = run("""
        input: [32, 32, 1]
        layers:
          - conv: {filters: 6, kernel: 5}
          - tanh:
          - avgpool: {kernel: 2}
          - conv: {filters: 16, kernel: 5}
          - tanh
          - avgpool: 2
          - flatten: null
          - dense: {units: 120}
          - tanh
          - linear: 84
            name: fc2
            expect: {output: 84, params: 10164}
          - tanh
          - add: [fc2, []]
          - dense: 10
          - softmax
    """)
    assert r.input.dims == (32, 32, 1)
    # LeNet-5 by hand: 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 params;
    # 117,600 + 240,000 + 48,000 + 10,080 + 840 = 416,520 MACs (the add counts 0)
    assert (r.totals.params, r.totals.macs) == (61_706, 416_520)
    # avgpool {kernel: 2} and avgpool: 2 both halve: 28 -> 14, 10 -> 5; flatten 5*5*16 = 400
    assert [x.output.dims for x in r.rows if x.kind in ("avgpool", "flatten")] == [(14, 14, 6), (5, 5, 16), (400,)]
    # the name refers to the output of linear: 84 (120*84 + 84 = 10,164 params)
    add = next(x for x in r.rows if x.kind == "add")
    assert [s.dims for s in add.inputs] == [(84,), (84,)]
    assert [c.ok for c in r.rows[9].checks] == [True, True] and r.rows[9].name == "fc2"


@pytest.mark.parametrize("key", ["nmae", "expcet", "repaet"])
def test_misspelt_key_beside_the_kind_gets_did_you_mean(key: str) -> None:
    """'Beside the kind key an entry may carry name: and expect:' + 'unknown ... keys get a
    did-you-mean' -- and the caret should point at the key."""
    [err] = errors_of(f"input: 8x8x4\nlayers:\n  - relu:\n    {key}: 2\n")
    assert err.hint is not None and "did you mean" in err.hint
    assert err.pos is not None and (err.pos.line, err.pos.col) == (4, 5)
