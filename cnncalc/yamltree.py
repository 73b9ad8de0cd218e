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
import re
from dataclasses import dataclass, field

import yaml

from .errors import LimitError, SourcePos, SpecError, clip

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
# Tags a plain-data spec may carry explicitly (``!!str 010`` is a fair request).
_SCALAR_TAGS = {None, "!", _STR, _INT}
_SEQ_TAGS = {None, "!", "tag:yaml.org,2002:seq"}
_MAP_TAGS = {None, "!", "tag:yaml.org,2002:map"}

# Characters the YAML reader refuses (YAML 1.1 "printable" set, as PyYAML's
# reader).  Checked up front so the message can point at the exact character.
_NON_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


@dataclass(eq=False, slots=True)
class YScalar:
    value: str
    plain: bool  # unquoted: subject to int/bool/null interpretation
    pos: SourcePos

    def is_null(self) -> bool:
        return self.plain and self.value in ("", "~", "null", "Null", "NULL")


@dataclass(eq=False, slots=True)
class YSeq:
    items: list[YNode]
    pos: SourcePos


@dataclass(eq=False, slots=True)
class YMap:
    pairs: list[tuple[YScalar, YNode]]
    pos: SourcePos
    _index: dict[str, int] = field(default_factory=dict)

    def get(self, key: str) -> YNode | None:
        i = self._index.get(key)
        return None if i is None else self.pairs[i][1]

    def keys(self) -> list[str]:
        return [k.value for k, _ in self.pairs]


YNode = YScalar | YSeq | YMap


def _pos(file: str, mark: yaml.Mark | None) -> SourcePos:
    if mark is None:
        return SourcePos(file, 1, 1)
    return SourcePos(file, mark.line + 1, mark.column + 1)


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def offset_pos(text: str, offset: int, file: str) -> SourcePos:
    """The 1-based line and column of character ``offset`` (YAML's line breaks)."""
    line, start = 1, 0
    for m in _BREAK.finditer(text, 0, offset):
        line, start = line + 1, m.end()
    return SourcePos(file, line, offset - start + 1)


def _check_characters(text: str, file: str) -> None:
    m = _NON_PRINTABLE.search(text)
    if m is None:
        return
    ch = m.group(0)
    what = "a NUL byte (is this a binary file?)" if ch == "\x00" else f"the control character U+{ord(ch):04X}"
    raise SpecError(
        f"invalid YAML: {what} is not allowed in a spec",
        offset_pos(text, m.start(), file),
        hint="delete it or write it as an escape inside double quotes",
        code="E101",
    )


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
    _check_characters(text, file)
    # The tree holds no reference cycles; the collector would only rescan the
    # growing tree (half the time on a 4 MB spec).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _compose(text, file, max_depth, max_aliased)
    finally:
        if was_enabled:
            gc.enable()


def _compose(text: str, file: str, max_depth: int, max_aliased: int) -> YNode | None:
    # One frame per open collection: the node, the pending mapping key, the
    # expanded size so far, and the anchor to record when it closes.
    nodes: list[YSeq | YMap] = []
    keys: list[YScalar | None] = []
    sizes: list[int] = []
    anchored: list[str | None] = []
    anchors: dict[str, YNode] = {}
    anchor_size: dict[str, int | None] = {}  # None: still open (an alias to it is a cycle)
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
        for ev in yaml.parse(text, Loader=_Parser):
            cls = type(ev)
            if cls is yaml.ScalarEvent:
                pos = _pos(file, ev.start_mark)
                tag = ev.tag
                if tag not in _SCALAR_TAGS:
                    raise _tag_error(tag, "a value", pos)
                plain = not ev.style and tag != _STR and tag != "!" or tag == _INT
                scalar = YScalar(ev.value, plain, pos)
                if ev.anchor:
                    anchors[ev.anchor], anchor_size[ev.anchor] = scalar, 1
                attach(scalar, 1, pos)
            elif cls is yaml.MappingStartEvent or cls is yaml.SequenceStartEvent:
                pos = _pos(file, ev.start_mark)
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
                anchored.append(ev.anchor)
            elif cls is yaml.MappingEndEvent or cls is yaml.SequenceEndEvent:
                nodes.pop()
                keys.pop()
                size = sizes.pop()
                anchor = anchored.pop()
                if anchor is not None:
                    anchor_size[anchor] = size
                if sizes:
                    sizes[-1] += size
            elif cls is yaml.AliasEvent:
                pos = _pos(file, ev.start_mark)
                if ev.anchor not in anchors:
                    raise SpecError(f"unknown alias '*{clip(ev.anchor)}'", pos, code="E101")
                shared = anchor_size[ev.anchor]
                if shared is None:
                    raise SpecError(
                        f"alias '*{clip(ev.anchor)}' is inside its own anchor: the value would contain itself",
                        pos,
                        code="E107",
                    )
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
                        _pos(file, ev.start_mark),
                        code="E101",
                    )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"invalid YAML: {problem}", _pos(file, mark), code="E101") from None
    except yaml.YAMLError as exc:  # defensive: reader errors are caught by _check_characters
        raise SpecError(f"invalid YAML: {exc}", SourcePos(file, 1, 1), code="E101") from None
    return root
