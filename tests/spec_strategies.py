"""Hypothesis strategies that write spec texts, for the fuzz tests (tests/test_errors.py).

About 10,000 generated specs per run come from here: random YAML (as text and as
grammar-shaped data), structural mutations of the bundled specs in specs/
(deleted keys, swapped types, off-by-one sizes, broken references, swapped
kinds) and text mutations of them (lines deleted, duplicated, re-indented,
characters inserted, files cut short).  ``emit`` writes a positioned tree back
as block-style YAML, so that structural mutations become text again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import strategies as st

from cnncalc.errors import SourcePos
from cnncalc.layers import REGISTRY
from cnncalc.layers.frozen import arg_fields
from cnncalc.source.yamltree import YMap, YNode, YScalar, YSeq, parse_yaml
from cnncalc.spec.placeholders import protect, restore

ROOT = Path(__file__).parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
TEXTS = [p.read_text(encoding="utf-8") for p in SPECS]
NAME = "fuzz.yaml"
KINDS = sorted(REGISTRY)


# --- emitting YAML from positioned trees (plain scalars stay plain) --------------

_PLAIN = re.compile(r"(?:-(?! )|[A-Za-z0-9_$.+])[A-Za-z0-9_$.+\-x× ,*/%()]*")


def _scalar(node: YScalar) -> str:
    v = node.value
    if node.plain and (v == "" or (_PLAIN.fullmatch(v) and not v.endswith(" ") and ": " not in v)):
        return v if v else "~" if node.is_null() else '""'
    return json.dumps(v)  # a JSON string is a valid YAML double-quoted scalar


def emit(node: YNode, indent: str = "") -> str:
    """Block-style YAML text for ``node`` (aliases written out in full)."""
    if isinstance(node, YScalar):
        return indent + _scalar(node) + "\n"
    out = []
    if isinstance(node, YSeq):
        if not node.items:
            return indent + "[]\n"
        for item in node.items:
            if isinstance(item, YScalar):
                out.append(f"{indent}- {_scalar(item)}\n")
            else:
                out.append(f"{indent}-\n" + emit(item, indent + "  "))
        return "".join(out)
    if not node.pairs:
        return indent + "{}\n"
    for key, value in node.pairs:
        k = _scalar(key) if key.value else '""'
        if isinstance(value, YScalar):
            out.append(f"{indent}{k}: {_scalar(value)}\n")
        else:
            out.append(f"{indent}{k}:\n" + emit(value, indent + "  "))
    return "".join(out)


def _tree(text: str) -> YNode:
    protected, table = protect(text)  # as parse_spec: ${...} may sit inside {flow} collections
    node = parse_yaml(protected, NAME, max_depth=1000)
    restore(node, table)
    assert node is not None
    return node


def _slots(root: YNode) -> list[tuple[YSeq | YMap, int]]:
    """Every (parent, index) place a value sits in, walking the tree once."""
    out: list[tuple[YSeq | YMap, int]] = []
    todo: list[YNode] = [root]
    while todo:
        node = todo.pop()
        if isinstance(node, YSeq):
            out += [(node, i) for i in range(len(node.items))]
            todo += node.items
        elif isinstance(node, YMap):
            out += [(node, i) for i in range(len(node.pairs))]
            todo += [v for _, v in node.pairs]
    return out


def _get(parent: YSeq | YMap, i: int) -> YNode:
    return parent.items[i] if isinstance(parent, YSeq) else parent.pairs[i][1]


def _put(parent: YSeq | YMap, i: int, value: YNode) -> None:
    if isinstance(parent, YSeq):
        parent.items[i] = value
    else:
        parent.pairs[i] = (parent.pairs[i][0], value)


def _s(value: str, plain: bool = True) -> YScalar:
    return YScalar(value, plain, _POS)


def reindex(m: YSeq | YMap) -> None:
    """Rebuild a mapping's key index after its pairs changed."""
    if isinstance(m, YMap):
        m._index = {k.value: n for n, (k, _) in enumerate(m.pairs)}


_POS = SourcePos(NAME, 1, 1)
ODD_VALUES = [
    *("yes", "no", "on", "true", "~", ""),  # YAML 1.1 booleans, null
    *("010", "1e3", "1_000", "0x10", "1:30", "1.5"),  # YAML 1.1 numbers
    *("-1", "0", "10000000000000", "9" * 60),  # out of range
    *("abc", "${f * 2}", "$f", "same", "valid", "[", "3x3", "٣"),
]


def _scalars(slots: list[tuple[YSeq | YMap, int]], pattern: str) -> list[tuple[YSeq | YMap, int, str]]:
    """The slots holding a scalar that matches ``pattern``, with its text."""
    out = []
    for parent, i in slots:
        node = _get(parent, i)
        if isinstance(node, YScalar) and re.fullmatch(pattern, node.value):
            out.append((parent, i, node.value))
    return out


def mutate(root: YNode, op: str, a: int, b: int) -> None:
    """Apply one mutation in place; ``a`` picks the target and ``b`` the variant."""
    slots = _slots(root)
    if not slots:
        return
    parent, i = slots[a % len(slots)]
    node = _get(parent, i)
    if op == "delete":  # a deleted key or list item
        if isinstance(parent, YMap):
            del parent.pairs[i]
            reindex(parent)
        else:
            del parent.items[i]
    elif op == "swap_type":  # a value of another type (or a YAML 1.1 look-alike)
        odd = ODD_VALUES[b % len(ODD_VALUES)]
        choices: list[YNode] = [_s(odd), _s(odd, plain=False), YSeq([node], _POS), YSeq([], _POS)]
        choices += [YMap([(_s("x"), node)], _POS), _s("")]
        _put(parent, i, choices[b % len(choices)])
    elif op == "off_by_one":  # a size one off (or zero, negative, far too large)
        ints = _scalars(slots, r"-?[0-9]+")
        if ints:
            p, j, text = ints[a % len(ints)]
            n = int(text)
            _put(p, j, _s(str([n + 1, n - 1, 0, -1, n * 1000, n + 2][b % 6])))
    elif op == "break_ref":  # a name (reference, kind, block) misspelt or replaced by another
        words = _scalars(slots, r"[A-Za-z_][A-Za-z0-9_]*")
        if words:
            p, j, old = words[a % len(words)]
            others = [w for _, _, w in words if w != old]
            _put(p, j, _s(old + "x" if not others or b % 2 else others[b % len(others)]))
    elif op == "swap_kind":  # the first key of a mapping (a layer's kind, mostly) becomes another kind
        maps = [m for m in (_get(p, j) for p, j in slots) if isinstance(m, YMap) and m.pairs]
        if maps:
            m = maps[a % len(maps)]
            assert isinstance(m, YMap)
            m.pairs[0] = (_s(KINDS[b % len(KINDS)]), m.pairs[0][1])
            reindex(m)
    elif op == "duplicate" and isinstance(parent, YSeq):  # a layer (or list item) twice
        parent.items.insert(i, node)


OPS = ["delete", "swap_type", "off_by_one", "break_ref", "swap_kind", "duplicate"]
mutation = st.tuples(st.sampled_from(OPS), st.integers(0, 10**6), st.integers(0, 10**6))


@st.composite
def mutated_spec(draw: st.DrawFn) -> str:
    text = TEXTS[draw(st.integers(0, len(TEXTS) - 1))]
    root = _tree(text)
    for op, a, b in draw(st.lists(mutation, min_size=1, max_size=3)):
        mutate(root, op, a, b)
    return emit(root)


@st.composite
def text_mutated_spec(draw: st.DrawFn) -> str:
    lines = TEXTS[draw(st.integers(0, len(TEXTS) - 1))].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        op = draw(st.sampled_from(["del", "dup", "indent", "dedent", "insert", "cut", "swap"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "del":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = " " * draw(st.integers(1, 3)) + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip(" ")
        elif op == "insert":
            at = draw(st.integers(0, len(lines[i])))
            ch = draw(st.sampled_from(list(":-[]{},#&*!|>'\"%@`\t ") + ["\x00", "\x85", "é", "${", "}"]))
            lines[i] = lines[i][:at] + ch + lines[i][at:]
        elif op == "cut":
            lines = lines[:i]
        else:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


# --- random specs ----------------------------------------------------------------

SCALARS = st.one_of(
    st.sampled_from(ODD_VALUES + KINDS + ["8x8x3", "32x32x3", "[10]", "1", "2", "3", "16", "skip", "b", "aux"]),
    st.integers(-3, 70).map(str),
    st.text(alphabet="ab$x{}*0123456789 -_", max_size=8),
)
KEYS = st.sampled_from(
    [
        "input",
        "layers",
        "blocks",
        "expect",
        "name",
        "repeat",
        "args",
        "filters",
        "kernel",
        "stride",
        "padding",
        "units",
        "to",
        "scale",
        "size",
        "groups",
        "output",
        "params",
        "macs",
        "f",
        "x",
        *KINDS[:12],
    ]
)


def _node(value: object) -> YNode:
    if isinstance(value, (list, tuple)):
        return YSeq([_node(v) for v in value], _POS)
    if isinstance(value, dict):
        m = YMap([(_s(k), _node(v)) for k, v in value.items()], _POS)
        reindex(m)
        return m
    assert isinstance(value, str)
    return _s(value)


junk = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
# Mostly well-formed values, so that most specs get past parsing into the graph and shapes.
SMALL = st.integers(1, 5).map(str)
VALUE = st.one_of(
    SMALL,
    SMALL,
    SMALL,
    st.lists(SMALL, min_size=2, max_size=2),
    st.sampled_from(
        [
            "0",
            "same",
            "valid",
            "true",
            "false",
            "16",
            "64",
            "$f",
            "${f * 2}",
            "${f // 2 + 1}",
            "skip",
            "relu",
            "sigmoid",
            "nearest",
            "0.5",
        ]
    ),
    SCALARS,
)
ARGS = {kind: [f.name for f in arg_fields(cls)] for kind, cls in REGISTRY.items()}


@st.composite
def layer_entry(draw: st.DrawFn, depth: int = 0) -> object:
    kind = draw(st.sampled_from([*KINDS, "b", "c", "aux"] if depth < 2 else KINDS))
    if kind in REGISTRY and REGISTRY[kind].arity == 0 or kind == "aux":
        paths = st.one_of(st.sampled_from(["skip", "~", "x"]), st.lists(layer_entry(depth + 1), max_size=3))
        args: object = draw(st.lists(paths, min_size=0 if kind == "aux" else 1, max_size=3))
    elif kind in ("b", "c"):
        args = draw(st.one_of(st.just("~"), st.fixed_dictionaries({}, optional={"f": VALUE}), SMALL))
    else:
        names = ARGS[kind]
        fields = st.dictionaries(st.sampled_from(names), VALUE, max_size=len(names)) if names else st.just("~")
        args = draw(st.integers(0, 5).flatmap(lambda i: [fields, fields, fields, VALUE, st.just("~"), junk][i]))
    if args == "~" and draw(st.booleans()):
        return kind
    out = {kind: args}
    extra = draw(st.sampled_from(["", "", "", "name", "repeat", "expect"]))
    if extra == "name":
        out["name"] = draw(st.sampled_from(["skip", "x", "b", "conv", "y"]))
    elif extra == "repeat":
        out["repeat"] = draw(st.one_of(SMALL, st.sampled_from(["0", "$f", "1000000000000"])))
    elif extra == "expect":
        out["expect"] = draw(
            st.dictionaries(
                st.sampled_from(["output", "params", "macs", "flops", "bogus"]),
                st.sampled_from(["8x8x3", "100", "1.5K", "abc", "0"]),
                max_size=2,
            )
        )
    return out


entry = layer_entry()
random_spec = st.fixed_dictionaries(
    {
        "input": st.integers(0, 9).flatmap(
            lambda i: (
                junk
                if i == 0
                else st.sampled_from(["8x8x3", "16x16x4", "7x9x2", "32x32x3", ["10"], "1x1x1", "[4, 4, 2]"])
            )
        ),
        "layers": st.lists(entry, min_size=1, max_size=6),
    },
    optional={
        "blocks": st.dictionaries(
            st.sampled_from(["b", "c"]),
            st.fixed_dictionaries(
                {"layers": st.lists(entry, min_size=1, max_size=4)},
                optional={"args": st.one_of(st.just({"f": "3"}), st.just(["f"]), junk)},
            ),
        ),
        "expect": st.dictionaries(st.sampled_from(["params", "macs", "output"]), SCALARS, max_size=2),
    },
).map(lambda d: emit(_node(d)))

YAML_ALPHABET = st.sampled_from(
    list("abxyz0123456789:-[]{},#&*!|>'\"%@ \n\t.$") + ["\n  ", "\n- ", "input: ", "layers:\n"]
)
raw_text = st.lists(YAML_ALPHABET, max_size=60).map("".join)
