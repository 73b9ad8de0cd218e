"""Names of layers and groups (cnncalc/graph/names.py): unique, or a positioned error;
and every ``expect:`` claim judged exactly once (issue 9: a false claim never passes ``check``
silently, not even beside an aux head)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from invoke import cli

import cnncalc
from cnncalc.errors import CnnCalcError, LimitError, flatten
from cnncalc.limits import Limits


def run(text: str) -> cnncalc.Report:
    return cnncalc.analyze_text(textwrap.dedent(text), "n.yaml")


def errors_of(text: str) -> list[CnnCalcError]:
    with pytest.raises(CnnCalcError) as info:
        run(text)
    return flatten(info.value)


# --- the clashes issue 9 found: each was a claim that vanished --------------------------

@pytest.mark.parametrize("second", [
    "- aux: [conv: {filters: 2, kernel: 1}]\n  name: h",         # two aux heads named h
    "- b: null\n  name: h",                                     # an aux head and a block use
    "- conv: {filters: 3, kernel: 1}\n  name: h\n  repeat: 2",  # an aux head and a named repeat
    "- relu\n- relu:\n  name: h",                               # an aux head and a layer
])
def test_a_name_shared_by_an_aux_head_and_another_group_is_refused_where_written(second: str) -> None:
    head = textwrap.dedent("""\
        input: 8x8x3
        blocks:
          b:
            layers: [conv: {filters: 3, kernel: 1}]
        layers:
          - aux: [conv: {filters: 2, kernel: 1}]
            name: h
            expect: {params: 999}
    """)
    [err] = errors_of(head + textwrap.indent(second + "\n  expect: {params: 998}\n", "  "))
    assert err.code == "E211"
    assert "first at line 7" in err.message
    assert err.pos is not None and err.pos.line > 8


def test_a_name_inside_an_aux_head_is_not_reused_by_the_main_flow() -> None:
    [err] = errors_of("""
        input: 8x8x3
        layers:
          - aux: [{conv: {filters: 2, kernel: 1}, name: x, expect: {params: 999}}]
          - conv: {filters: 3, kernel: 1}
            name: x
    """)
    assert (err.code, err.pos and err.pos.line) == ("E211", 6)


@pytest.mark.parametrize("entry", ["aux: [{relu: null, name: r}]", "add: [[], [{relu: null, name: r}]]"])
def test_a_name_inside_a_repeated_head_or_path_is_refused_not_duplicated(entry: str) -> None:
    """Before: a repeated aux head gave two layers the name 'r' (the second shadowing the first)."""
    [err] = errors_of(f"""
        input: 8x8x3
        layers:
          - {entry}
            repeat: 2
    """)
    assert err.code == "E211" and "every copy" in err.message
    assert err.pos is not None and err.pos.line == 4


def test_generated_instance_names_of_mb_and_mb1_never_collide() -> None:
    """Before: the 11th instance of `mb` and the 1st of `mb1` were both `mb11`, and the claim
    on `mb1` was never judged ('no expectations in this spec', exit 0)."""
    r = run("""
        input: 8x8x3
        blocks:
          mb:
            layers: [conv: {filters: 3, kernel: 1}]
          mb1:
            layers: [conv: {filters: 3, kernel: 1}]
        layers:
          - mb: null
            repeat: 11
          - mb1: null
            expect: {params: 149}
    """)
    checks = r.all_checks()
    assert len(checks) == 1
    # mb1 holds one 1x1 conv 3 -> 3 with bias: 3·3 + 3 = 12 parameters, not 149
    [(_, check)] = checks
    assert (check.actual, check.ok) == ("12", False)
    instances = {row.group[0] for row in r.rows}
    assert len(instances) == 12  # 11 of mb, 1 of mb1, all distinct
    assert "mb11" in instances and "mb1_1" in instances


def test_generated_names_skip_written_ones_and_group_names() -> None:
    r = run("""
        input: 8x8x3
        blocks:
          conv1:
            layers: [relu]
        layers:
          - conv: {filters: 3, kernel: 1}
          - conv1: null
          - conv: {filters: 3, kernel: 1}
            name: conv2
          - conv: {filters: 3, kernel: 1}
    """)
    names = [row.name for row in r.rows]
    groups = {g for row in r.rows for g in row.group}
    # generated conv names avoid the written conv2; the block conv1's instance is conv1_1
    assert names[0] == "conv1" and names[2] == "conv2" and names[3] == "conv3"
    assert groups == {"conv1_1"}
    assert len(set(names) | groups) == len(names) + len(groups)


def test_repeated_unnamed_aux_head_claims_belong_to_the_last_copy() -> None:
    r = run("""
        input: 8x8x3
        layers:
          - aux: [conv: {filters: 2, kernel: 1}]
            repeat: 3
            expect: {params: 8}
    """)
    # one claim written, one judged (the head: 3·2 + 2 = 8 parameters)
    assert [c.ok for _, c in r.all_checks()] == [True]


def test_generated_names_cost_linear_time_in_the_names() -> None:
    """`b`, `b1`, ..., `b9`, each with many instances: a name is tried at most about twice
    (counted, not timed), however the bases overlap."""
    from cnncalc.graph.names import Names

    tries = 0

    class Counting(dict):  # type: ignore[type-arg]
        def __contains__(self, key: object) -> bool:
            nonlocal tries
            tries += 1
            return super().__contains__(key)

    names = Names({"b5", "b1_7"}, set())
    names.taken = Counting()
    pos = cnncalc.SourcePos("x", 1, 1)
    for base in ["b", *(f"b{i}" for i in range(10)), "b1_"]:
        for _ in range(2000):
            names.fresh(base, pos)
    assert len(names.taken) == 12 * 2000
    assert tries <= 2 * len(names.taken)


# --- every claim judged exactly once, over generated specs ------------------------------

LEAVES: list[Any] = ["relu", "identity", {"conv": {"filters": 3, "kernel": 1}}, {"bn": None}]
# Names that look generated, end in digits, or are prefixes of one another.
TRICKY = ["h", "x", "conv1", "conv2", "relu1", "aux1", "mb11", "mb1_1", "b1", "b11", "b1_1", "s", "s1"]
BLOCK_NAMES = ["mb", "mb1", "b", "b1", "b11", "blk"]
CLAIM_KEYS = ["params", "macs", "trainable_params", "flops"]


class Gen:
    """Draws a spec as Python data, and counts the claims it should judge."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.used_names: set[tuple[str, str]] = set()
        self.fresh = 0
        self.blocks: list[str] = []
        self.block_claims: dict[str, int] = {}

    def name(self, prefix_scope: str) -> str | None:
        if not self.draw(st.booleans()):
            return None
        pool = [n for n in TRICKY if (prefix_scope, n) not in self.used_names and n not in self.blocks]
        if pool and self.draw(st.booleans()):
            n = self.draw(st.sampled_from(pool))
        else:
            self.fresh += 1
            n = f"n{self.fresh}"
        self.used_names.add((prefix_scope, n))
        return n

    def entry(self, blocks: list[str], scope: str, depth: int, copied: bool = False) -> tuple[Any, int]:
        """One entry and the number of claims judging it should produce.  Inside a repeated
        head or path (``copied``) nothing is named: every copy would have the name."""
        kinds = ["leaf", "leaf"] + (["block"] if blocks else []) + (["aux", "add"] if depth < 2 else [])
        kind = self.draw(st.sampled_from(kinds))
        # 11 and 12 make mb's 11th instance beside mb1's first; deeper down, small counts keep
        # the expansion small (the layer limit is not what this test is about)
        repeat = self.draw(st.sampled_from([1, 1, 1, 0, 2, 3, 11, 12] if depth == 0 else [1, 1, 0, 2]))
        inner = 0
        body: dict[str, Any]
        if kind == "leaf":
            leaf = self.draw(st.sampled_from(LEAVES))
            body = dict(leaf) if isinstance(leaf, dict) else {leaf: None}
        elif kind == "block":
            b = self.draw(st.sampled_from(blocks))
            body, inner = {b: None}, self.block_claims[b]
        elif kind == "aux":
            items, inner = self.entries(blocks, scope, depth + 1, copied or repeat > 1)
            body = {"aux": items}
        else:
            items, inner = self.entries(blocks, scope, depth + 1, copied or repeat > 1)
            body = {"add": [[], items]}
        if repeat != 1:
            body["repeat"] = repeat
        if repeat == 0:  # adds nothing: may take no name or claims
            return body, 0
        own = 0
        if not copied and (n := self.name(scope)) is not None:
            body["name"] = n
        if self.draw(st.booleans()):
            keys = self.draw(st.lists(st.sampled_from(CLAIM_KEYS), min_size=1, max_size=3, unique=True))
            body["expect"] = {k: 0 for k in keys}
            own = len(keys)
        # the entry's own claims are judged once (on its last copy, or on the group of a named
        # repeat); what is inside it (a block's body, a head, a path) once per copy
        return body, own + repeat * inner

    def entries(self, blocks: list[str], scope: str, depth: int, copied: bool = False) -> tuple[list[Any], int]:
        n = self.draw(st.integers(1, 3))
        out, total = [], 0
        for _ in range(n):
            e, c = self.entry(blocks, scope, depth, copied)
            out.append(e)
            total += c
        return out, total


@st.composite
def specs(draw: Any) -> tuple[str, int]:
    g = Gen(draw)
    names = draw(st.lists(st.sampled_from(BLOCK_NAMES), max_size=3, unique=True))
    g.blocks = names
    blocks: dict[str, Any] = {}
    for i, b in enumerate(names):
        layers, claims = g.entries(names[:i], b, 1)  # a block uses only earlier blocks: no cycles
        blocks[b] = {"layers": layers}
        g.block_claims[b] = claims
    layers, total = g.entries(names, "", 0)
    spec: dict[str, Any] = {"input": "4x4x3", "layers": layers}
    if blocks:
        spec["blocks"] = blocks
    if draw(st.booleans()):
        spec["expect"] = {"params": 0}
        total += 1
    return yaml.safe_dump(spec, sort_keys=False), total


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_every_claim_written_is_judged_exactly_once(case: tuple[str, int]) -> None:
    """Claims counted on the spec as written (each use of a block counts its body's claims;
    a repeated entry's own claims count once, its body's once per copy) equal the checks
    the report judges.  The written names are distinct in each scope, so no clash is the
    user's: generated names (``mb11`` of ``mb``, ``mb1``'s first) must never take one."""
    text, written = case
    try:
        report = cnncalc.analyze_text(text, "p.yaml", Limits(max_layers=20_000))
    except LimitError as exc:  # blocks using blocks, repeated: refused before any work
        assume(exc.code != "E155")
        raise
    assert len(report.all_checks()) == written


def test_claims_inside_an_unused_block_are_recorded_as_unjudged() -> None:
    """A block is judged per use; one that no layer uses has claims nobody judges.  The graph
    keeps them, so a report can say so rather than 'no expectations in this spec'."""
    from cnncalc.graph.build import build_graph
    from cnncalc.spec.parse import parse

    graph = build_graph(parse(textwrap.dedent("""
        input: 8x8x3
        blocks:
          spare:
            layers:
              - conv: {filters: 3, kernel: 1}
                expect: {params: 12}
        layers: [relu]
    """), "u.yaml"))
    assert [c.field for c in graph.unjudged] == ["params"]
    assert not graph.claims and not any(n.claims for n in graph.nodes)


def test_check_says_when_claims_sit_in_unused_blocks(tmp_path: object) -> None:
    from pathlib import Path

    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    spec = Path(str(tmp_path)) / "u.yaml"
    spec.write_text("input: 8x8x3\nblocks:\n  spare:\n    layers:\n      - relu:\n        expect: {params: 0}\n"
                    "layers: [relu]\n")
    res = CliRunner().invoke(app, ["check", str(spec)])
    assert "1 expect: claims are inside blocks no layer uses; not judged" in res.stderr


# --- generated names never repeat a user's; a claim beside an aux head is judged -----------------


def test_generated_names_never_repeat_a_user_name() -> None:
    """'name: (unique; refers to its output later)' / readable generated names: a report in
    which two rows are called conv2 cannot be read by name."""
    r = run("""
        input: 8x8x4
        layers:
          - conv: {filters: 4, kernel: 1}
            name: conv2
          - conv: {filters: 4, kernel: 1}
          - conv: {filters: 4, kernel: 1}
    """)
    names = [x.name for x in r.rows]
    assert len(set(names)) == len(names), names


def test_a_false_claim_beside_an_aux_head_does_not_pass(tmp_path: Path) -> None:
    """'Any layer ... may carry expect:' / check 'exits 1 if any fails': a claim written beside
    `aux:` must be judged (on the head) or refused -- never silently dropped."""
    # the head: dense on the vector 4*4*2 = 32: 32*3 + 3 = 99 params, so 999 is false
    res = cli(tmp_path, """
        input: 4x4x2
        layers:
          - aux: [flatten, dense: 3]
            expect: {params: 999}
          - relu
    """, command="check")
    assert res.exit_code in (1, 2), res.output
