"""YAML text -> a tree of positioned nodes, without constructing Python objects.

PyYAML's loaders build Python values and forget where they came from; they
also keep the last of two duplicate keys silently and recurse once per nesting
level.  We instead read PyYAML's *event* stream and compose the tree ourselves,
iteratively: every node keeps its ``SourcePos``, duplicate keys and tags are
errors, and nesting depth is bounded without ever hitting Python's recursion
limit.  Scalars stay text; :mod:`cnncalc.values` interprets them in context, so
YAML 1.1 surprises (``yes``, ``010``) are reported where they matter.

Aliases share nodes instead of copying them, so the tree is really a DAG.  Its
size *as if* every alias were copied is tracked while composing (one addition
per event): a short file whose aliases nest into billions of values is refused
before anything walks it, and an alias inside its own anchor (a cycle) is
refused outright.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import yaml

from cnncalc.errors import LimitError, SourcePos, SpecError, clip
from cnncalc.records import field, record
from cnncalc.source.text import check_characters, mark_pos, syntax_error

# libyaml (when PyYAML was built with it) is 15-20x faster than the pure-Python
# parser and gives the same events.  It is not the reference for errors: builds
# differ (PyYAML 6.0.4's libyaml refuses nesting deeper than 1000 levels itself,
# and scans flow collections ahead of the events), so any error it raises sends
# the text through the pure-Python parser, whose events and messages are the same
# on every machine.
_FAST = getattr(yaml, "CSafeLoader", None)
_REFERENCE = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
# Tags a plain-data spec may carry explicitly (``!!str 010`` is a fair request).
_SCALAR_TAGS = {None, "!", _STR, _INT}
_SEQ_TAGS = {None, "!", "tag:yaml.org,2002:seq"}
_MAP_TAGS = {None, "!", "tag:yaml.org,2002:map"}

@record(eq=False, slots=True)
class YScalar:
    """A YAML scalar as written: its text, whether it was plain (unquoted), and its position."""

    value: str
    plain: bool  # unquoted and untagged: subject to int/bool/null interpretation
    pos: SourcePos
    tag: str = ""  # an explicit tag written on it ("!", "!!str"): why a bare 16 is text
    origin: str = ""  # the ${...} text it was computed from (spec.substitution), for messages
    oneline: bool = True  # written on one line: a column in its value is a column in the source

    def is_null(self) -> bool:
        return self.plain and self.value in ("", "~", "null", "Null", "NULL")


@record(eq=False, slots=True)
class YSeq:
    """A YAML sequence and its position."""

    items: list[YNode]
    pos: SourcePos


@record(eq=False, slots=True)
class YMap:
    """A YAML mapping: its (key, value) pairs in order, a key index, and its position."""

    pairs: list[tuple[YScalar, YNode]]
    pos: SourcePos
    _index: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> YNode | None:
        i = self._index.get(key)
        return None if i is None else self.pairs[i][1]

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.pairs]


YNode = YScalar | YSeq | YMap


def walk(*roots: YNode, keys: bool = False) -> Iterator[YNode]:
    """Every distinct node under ``roots`` once, depth first (aliases share nodes: a shared one is
    visited once, so a DAG of nested aliases costs its size, not its expansion); with ``keys``,
    the mappings' keys too.  A node may be changed in place when it is yielded."""
    stack: list[YNode] = list(roots)
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, YSeq):
            stack.extend(node.items)
        elif isinstance(node, YMap):
            for k, v in node.pairs:
                if keys:
                    stack.append(k)
                stack.append(v)


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _tag_error(tag: str, what: str, pos: SourcePos) -> SpecError:
    if tag.startswith(("tag:yaml.org,2002:python/", "!!python/")):
        why = "cnncalc never constructs Python objects from a spec"
    elif what == "a value":
        why = "a spec is plain data; only !!str and !!int are accepted on values"
    else:
        why = f"it does not fit {what}"
    return SpecError(f"YAML tag '{_tag_name(tag)}' is not allowed: {why}", pos, code="E104")


def parse_yaml(text: str, file: str, *, max_depth: int = 64, max_aliased: int = 2_000_000) -> YNode | None:
    """Compose one YAML document into positioned nodes (``None`` if empty).

    ``max_depth`` bounds the nesting of lists and mappings; ``max_aliased``
    bounds the values that aliases add when expanded (the "billion laughs").
    """
    check_characters(text, file)
    # The tree holds no reference cycles; the collector would only rescan the
    # growing tree (half the time on a 4 MB spec).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if _FAST is not None:
            try:
                return _compose(text, file, max_depth, max_aliased, _FAST)
            except _ParserFailed:
                pass  # the reference parser decides what the error is, and where
        try:
            return _compose(text, file, max_depth, max_aliased, _REFERENCE)
        except _ParserFailed as failed:
            raise failed.error from None
    finally:
        if was_enabled:
            gc.enable()


class _ParserFailed(Exception):
    """Internal: the YAML parser refused the text (``error`` is the positioned message)."""

    def __init__(self, error: SpecError) -> None:
        super().__init__(error.message)
        self.error = error


def _compose(text: str, file: str, max_depth: int, max_aliased: int, loader: type) -> YNode | None:
    # One frame per open collection: the node, the pending mapping key, the
    # expanded size so far, and the anchor to record when it closes.
    nodes: list[YSeq | YMap] = []
    keys: list[YScalar | None] = []
    sizes: list[int] = []
    heights: list[int] = []  # levels below each open collection, aliases expanded
    anchored: list[str | None] = []
    anchors: dict[str, YNode] = {}
    anchor_size: dict[str, int | None] = {}  # None: still open (an alias to it is a cycle)
    anchor_height: dict[str, int] = {}
    root: YNode | None = None
    documents = 0
    aliased = 0

    def attach(node: YNode, size: int, pos: SourcePos) -> None:
        nonlocal root
        if not nodes:
            root = node
            return
        top = nodes[-1]
        sizes[-1] += size
        if isinstance(top, YSeq):
            top.items.append(node)
            return
        key = keys[-1]
        if key is not None:
            top._index[key.value] = len(top.pairs)
            top.pairs.append((key, node))
            keys[-1] = None
            return
        if not isinstance(node, YScalar):
            raise SpecError("a mapping key must be a plain name, not a list or a mapping", pos, code="E102")
        if node.value in top._index:
            first = top.pairs[top._index[node.value]][0].pos
            raise SpecError(
                f"duplicate key '{clip(node.value)}' (first at line {first.line});"
                " YAML would silently keep only the last one",
                pos,
                code="E103",
            )
        if node.value == "<<" and node.plain:
            raise SpecError("YAML merge keys ('<<') are not supported; use a block instead", pos, code="E102")
        keys[-1] = node

    try:
        for ev in yaml.parse(text, Loader=loader):
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                pos = mark_pos(file, ev.start_mark)
                tag = ev.tag
                if tag not in _SCALAR_TAGS:
                    raise _tag_error(tag, "a value", pos)
                plain = not ev.style and tag != _STR and tag != "!" or tag == _INT
                scalar = YScalar(ev.value, plain, pos, _tag_name(tag) if tag else "", "", ev.end_mark.line == pos.line - 1)
                if ev.anchor:
                    anchors[ev.anchor], anchor_size[ev.anchor] = scalar, 1
                attach(scalar, 1, pos)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                pos = mark_pos(file, ev.start_mark)
                is_seq = cls is yaml.SequenceStartEvent
                if ev.tag not in (_SEQ_TAGS if is_seq else _MAP_TAGS):
                    raise _tag_error(ev.tag, "a list" if is_seq else "a mapping", pos)
                if len(nodes) >= max_depth:
                    raise LimitError(
                        f"nesting deeper than {max_depth} levels (raise the limit with --max-depth)",
                        pos,
                        code="E151",
                    )
                coll: YSeq | YMap = YSeq([], pos) if is_seq else YMap([], pos)
                attach(coll, 0, pos)  # its size is added when it closes
                if ev.anchor:
                    anchors[ev.anchor], anchor_size[ev.anchor] = coll, None
                nodes.append(coll)
                keys.append(None)
                sizes.append(1)
                heights.append(0)
                anchored.append(ev.anchor)
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                nodes.pop()
                keys.pop()
                size = sizes.pop()
                height = 1 + heights.pop()
                anchor = anchored.pop()
                if anchor is not None:
                    anchor_size[anchor], anchor_height[anchor] = size, height
                if sizes:
                    sizes[-1] += size
                    heights[-1] = max(heights[-1], height)
            elif cls is yaml.AliasEvent:
                pos = mark_pos(file, ev.start_mark)
                if ev.anchor not in anchors:
                    raise SpecError(f"unknown alias '*{clip(ev.anchor)}'", pos, code="E101")
                shared = anchor_size[ev.anchor]
                if shared is None:
                    raise SpecError(
                        f"alias '*{clip(ev.anchor)}' is inside its own anchor: the value would contain itself",
                        pos,
                        code="E107",
                    )
                # Every walk of the tree goes as deep as the aliases expand, not as the text is
                # written: 25 anchors each nesting 58 levels inside the previous are 1,450 levels.
                height = anchor_height.get(ev.anchor, 0)
                if len(nodes) + height > max_depth:
                    raise LimitError(f"nesting deeper than {max_depth} levels once the alias '*{clip(ev.anchor)}'"
                                     f" is expanded ({len(nodes)} levels here, {height} inside it; raise the limit"
                                     " with --max-depth)", pos, code="E151")
                if heights:
                    heights[-1] = max(heights[-1], height)
                aliased += shared
                if aliased > max_aliased:
                    raise LimitError(
                        f"YAML aliases expand the spec to more than {max_aliased:,} values"
                        " (raise the limit with --max-layers)",
                        pos,
                        code="E156",
                    )
                attach(anchors[ev.anchor], shared, pos)
            elif cls is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise SpecError(
                        "a spec file holds one YAML document; found a second '---'",
                        mark_pos(file, ev.start_mark),
                        code="E101",
                    )
    except yaml.YAMLError as exc:
        raise _ParserFailed(syntax_error(exc, text, file)) from None
    return root
