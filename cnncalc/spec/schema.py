"""A JSON Schema of the spec language, generated from the layer registry (``cnncalc schema``).

Editors that speak yaml-language-server complete and check a spec with it: kinds and their
arguments (with types, defaults and descriptions from each kind's declaration), blocks and
their uses, merges of paths, aux heads, ``repeat``, ``expect`` claims and budgets.  Any value
may also be a ``$arg`` or ``${expression}`` string, which the schema accepts as written (it is
checked when the spec is built).  The schema is deliberately a little looser than cnncalc
itself: a block use looks like an unknown key to it, so entries whose key is not a kind are
accepted as block uses; cnncalc reports the real errors with positions.
"""

from __future__ import annotations

from typing import Any

from cnncalc.layers.base import REGISTRY
from cnncalc.layers.frozen import arg_fields
from cnncalc.records import MISSING
from cnncalc.spec.scaling import AXES, rule

DRAFT = "https://json-schema.org/draft/2020-12/schema"
EXPR: dict[str, Any] = {"type": "string", "pattern": r"\$"}  # $arg or ${expression}
SHAPE: dict[str, Any] = {"anyOf": [
    {"type": "string", "pattern": r"^\s*[0-9]+(\s*[xX×]\s*[0-9]+){0,2}\s*$"},
    {"type": "integer", "minimum": 1},
    {"type": "array", "items": {"anyOf": [{"type": "integer", "minimum": 1}, EXPR]}, "minItems": 1, "maxItems": 3},
    EXPR,
]}
VAR: dict[str, Any] = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
COUNT: dict[str, Any] = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}],
                         "description": "61706, 61,706, 120.4M (at its written precision) or a budget: '<= 4.5G'"}
LAYER_CLAIMS = ("output", "params", "trainable_params", "non_trainable_params", "macs", "flops")
TOTAL_CLAIMS = (*LAYER_CLAIMS, "outputs", "aux_macs", "activations")
META = ("name", "expect", "repeat")


def _expect(fields: tuple[str, ...]) -> dict[str, Any]:
    outputs = {"type": "array", "items": SHAPE, "minItems": 1, "description": "every output's shape, in order"}
    props = {f: ({"anyOf": [SHAPE, EXPR]} if f == "output" else outputs if f == "outputs" else COUNT) for f in fields}
    return {"type": "object", "properties": props, "additionalProperties": False,
            "description": "claims checked by `cnncalc check`; " + ", ".join(fields)}


def _meta() -> dict[str, Any]:
    return {
        "name": {"type": "string", "description": "a name other layers can refer to; unique in its scope"},
        "expect": {"$ref": "#/$defs/expect_layer"},
        "repeat": {"anyOf": [{"type": "integer", "minimum": 0}, EXPR],
                   "description": "the entry this many times (0: none); named, one group"},
    }


def _value(schema: Any) -> dict[str, Any]:
    """An argument's schema, or an expression standing for it."""
    return {"anyOf": [dict(schema), EXPR]}


def _arguments(cls: type) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for f in arg_fields(cls):
        t = f.metadata["parse"]
        default = "required" if f.default is MISSING else f"default {f.default}"
        props[f.name] = {**_value(t.schema), "description": f"{f.metadata['doc']} ({t.name}; {default})"}
        if f.default is not MISSING and isinstance(f.default, (bool, int, float, str)):
            props[f.name]["default"] = f.default
    return props


def _kind(name: str, cls: Any) -> dict[str, Any]:
    """The entry ``- kind: args`` (or ``- kind``) of one kind or alias."""
    doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
    if cls.arity == 0:  # a merge: a list of two or more paths
        args: dict[str, Any] = {"type": "array", "minItems": 2, "items": {"$ref": "#/$defs/path"}}
    else:
        props = _arguments(cls)
        required = [f.name for f in arg_fields(cls) if f.default is MISSING]
        mapping = {"type": "object", "properties": props, "additionalProperties": False, "required": required}
        main = [_value(next(f.metadata["parse"].schema for f in arg_fields(cls) if f.name == cls.main))
                ] if cls.main else []
        args = {"anyOf": [mapping, *main, {"type": "null"}]} if not required or main else mapping
    entry = {"type": "object", "properties": {name: {**args, "description": doc}, **_meta()},
             "required": [name], "additionalProperties": False, "description": doc}
    return entry


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of a cnncalc spec file."""
    kinds = sorted(REGISTRY)
    bare = [k for k in kinds if REGISTRY[k].arity != 0 and not any(
        f.default is MISSING for f in arg_fields(REGISTRY[k]))]
    defs: dict[str, Any] = {f"kind_{k}": _kind(k, REGISTRY[k]) for k in kinds}
    not_a_kind = {"not": {"enum": [*kinds, *META]}}
    defs["block_use"] = {
        "type": "object", "minProperties": 1, "properties": _meta(),
        "propertyNames": {"anyOf": [{"enum": list(META)}, not_a_kind]},
        "description": "a use of a block (or an aux head: `aux: [layers]`) with its arguments",
    }
    defs["entry"] = {"anyOf": [
        {"enum": bare, "description": "a kind with its default arguments"},
        {"type": "string", "description": "a block used with its defaults"},
        *({"$ref": f"#/$defs/kind_{k}"} for k in kinds),
        {"$ref": "#/$defs/block_use"},
    ]}
    path = {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/entry"}, {"type": "string"}]},
            "description": "a path: layers from the current tensor, or from a named output ([name, ...]); the flow"
                           " goes on from its end"}
    defs["layers"] = {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/entry"}, path]}}
    defs["path"] = {"anyOf": [
        {"type": "null", "description": "the identity: the merge's input itself"},
        {"type": "string", "description": "the output of an earlier layer, by name"},
        {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/entry"}, {"type": "string"}]},
         "description": "a path of layers, optionally starting with an earlier layer's name"},
    ]}
    defs["expect_layer"] = _expect(LAYER_CLAIMS)
    defs["expect_totals"] = _expect(TOTAL_CLAIMS)
    defs["block"] = {"type": "object", "required": ["layers"], "additionalProperties": False, "properties": {
        "args": {"anyOf": [{"type": "object"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}],
                 "description": "argument names, or a mapping of names to defaults (null: required)"},
        "layers": {"$ref": "#/$defs/layers"},
    }}
    return {
        "$schema": DRAFT,
        "title": "cnncalc spec",
        "description": "A convolutional network for cnncalc (docs/spec-language.md).",
        "type": "object",
        "required": ["input", "layers"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "description": "the network's name (default: the file name)"},
            "input": {**SHAPE, "description": "H x W x C (32x32x3 or [32, 32, 3]) or a vector length"},
            "layers": {"$ref": "#/$defs/layers"},
            "blocks": {"type": "object", "additionalProperties": {"$ref": "#/$defs/block"},
                       "propertyNames": not_a_kind, "description": "reusable groups of layers with arguments"},
            "expect": {"anyOf": [{"$ref": "#/$defs/expect_totals"}, EXPR],
                       "description": "claims on the totals; or a ${...} giving them (claims that hold for some"
                                      " values of the vars only)"},
            "outputs": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                        "description": "several outputs: names of layers (or `input`), in the order reported and"
                                       " returned; default: the last layer"},
            "vars": {"type": "object", "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                     "description": "named values every ${...} can use (numbers, words, lists, mappings);"
                                    " --set NAME=VALUE overrides one"},
            "scaling": {"type": "object", "additionalProperties": False, "properties": {
                axis: {"anyOf": [VAR, {"type": "array", "items": VAR, "minItems": 1}],
                       "description": f"the vars `cnncalc scale --{axis}` multiplies: counts are rounded"
                                      f" ({rule(axis)}), decimals multiplied exactly"} for axis in AXES},
                        "description": "which vars are widths, depths and the resolution (cnncalc scale, fit)"},
        },
        "$defs": defs,
    }
