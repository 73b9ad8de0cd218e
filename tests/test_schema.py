"""cnncalc.spec.schema: the JSON Schema editors use, checked with a real validator.

Every bundled spec validates against it (read as cnncalc reads it: ``${...}`` inside flow
collections is cnncalc syntax, not YAML, so the spec is composed by cnncalc's own reader and
handed to the validator as plain data); broken specs do not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (test extra) validates the generated schema")

from cnncalc.layers import REGISTRY
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq, parse_yaml
from cnncalc.spec.expressions import protect, restore
from cnncalc.spec.schema import spec_schema

SPECS = sorted((Path(__file__).parent.parent / "specs").glob("*.yaml"))
VALIDATOR = jsonschema.Draft202012Validator(spec_schema())


def data(node: YNode | None) -> Any:
    """A composed YAML node as the plain data a YAML 1.2 loader would give."""
    if node is None:
        return None
    if isinstance(node, YMap):
        return {k.value: data(v) for k, v in node.pairs}
    if isinstance(node, YSeq):
        return [data(x) for x in node.items]
    assert isinstance(node, YScalar)
    if node.is_null():
        return None
    if node.plain and re.fullmatch(r"-?[0-9]+", node.value):
        return int(node.value)
    if node.plain and re.fullmatch(r"-?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?", node.value):
        return float(node.value)
    if node.plain and node.value in ("true", "false"):
        return node.value == "true"
    return node.value


def load(text: str) -> Any:
    protected, table = protect(text)
    root = parse_yaml(protected, "s.yaml")
    restore(root, table)
    return data(root)


def errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(load(text))]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(spec_schema())


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_every_bundled_spec_validates(path: Path) -> None:
    assert errors(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("text", [
    "inptu: 8x8x3\nlayers: [relu]\n",  # unknown top-level key
    "input: 8x8x3\n",  # no layers
    "input: 8x8x3\nlayers:\n  - conv: {filter: 3, kernel: 3}\n",  # unknown argument
    "input: 8x8x3\nlayers:\n  - conv: {filters: 3, kernel: same}\n",  # a kernel is not a padding
    "input: 8x8x3\nlayers:\n  - conv: {kernel: 3}\n",  # filters is required
    "input: 8x8x3\nlayers:\n  - maxpool: {kernel: 2, ceil_mode: yes}\n",  # YAML 1.1 boolean: a string here
    "input: 8x8x3\nlayers:\n  - relu\nexpect: {parms: 3}\n",  # unknown claim
    "input: 8x8x3\nlayers:\n  - concat: [relu]\n",  # a merge needs two paths
    "input: 8x8x3\nlayers:\n  - {relu: null, repeat: -1}\n",
    "input: 8x8x3\nlayers: [relu]\noutputs: relu1\n",  # outputs is a list of names
    "input: 8x8x3\nlayers: [relu]\nexpect: {outputs: 8x8x3}\n",  # a list of shapes
])
def test_broken_specs_do_not_validate(text: str) -> None:
    assert errors(text)


def test_expressions_and_block_uses_are_accepted_as_written() -> None:
    text = ("input: 8x8x3\nblocks:\n  b:\n    args: [c]\n    layers: [{conv: {filters: ${2 * c}, kernel: 1}}]\n"
            "layers:\n  - b: 4\n  - {b: {c: 2}, name: x, expect: {params: '<= 100'}}\n  - aux: [relu]\n")
    assert errors(text) == []


def test_outputs_and_path_entries_are_accepted() -> None:
    text = ("input: 8x8x3\nlayers:\n  - {conv: {filters: 2, kernel: 1}, name: a}\n  - [input, {relu: null, name: b}]\n"
            "outputs: [a, b]\nexpect: {outputs: [8x8x2, [8, 8, 3]]}\n")
    assert errors(text) == []


def test_every_kind_and_argument_is_described() -> None:
    defs = spec_schema()["$defs"]
    for name, cls in REGISTRY.items():
        entry = defs[f"kind_{name}"]["properties"][name]
        assert entry["description"], name
        if cls.arity != 0:
            mapping = next(b for b in entry.get("anyOf", [entry]) if b.get("type") == "object")
            for arg, prop in mapping["properties"].items():
                assert prop["description"], (name, arg)
