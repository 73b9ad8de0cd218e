"""YAML text -> a tree of positioned nodes, without constructing Python objects.

PyYAML's loaders build Python values and forget where they came from; they
also keep the last of two duplicate keys silently and recurse once per nesting
level.  We instead read PyYAML's *event* stream and compose the tree ourselves,
iteratively: every node keeps its ``SourcePos``, duplicate keys and tags are
errors, and nesting depth is bounded without ever hitting Python's recursion
limit.  Scalars stay text; :mod:`cnncalc.values` interprets them in context, so
YAML 1.1 surprises (``yes``, ``010``) are reported where they matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .errors import LimitError, SourcePos, SpecError

_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Tags a plain-data spec may carry explicitly (``!!str 010`` is a fair request).
_ALLOWED_TAGS = {
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}


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


def parse_yaml(text: str, file: str, *, max_depth: int = 64) -> YNode | None:
    """Compose one YAML document into positioned nodes (``None`` if empty)."""
    stack: list[YSeq | YMap] = []
    pending_key: list[YScalar | None] = []
    anchors: dict[str, YNode] = {}
    root: YNode | None = None
    documents = 0

    def attach(node: YNode, pos: SourcePos) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        top = stack[-1]
        if isinstance(top, YSeq):
            top.items.append(node)
            return
        key = pending_key[-1]
        if key is None:
            if not isinstance(node, YScalar):
                raise SpecError("a mapping key must be a plain name", pos, code="E102")
            if node.value in top._index:
                first = top.pairs[top._index[node.value]][0].pos
                raise SpecError(
                    f"duplicate key '{node.value}' (first at line {first.line});"
                    " YAML would silently keep only the last one",
                    pos,
                    code="E103",
                )
            pending_key[-1] = node
        else:
            top._index[key.value] = len(top.pairs)
            top.pairs.append((key, node))
            pending_key[-1] = None

    try:
        for ev in yaml.parse(text, Loader=_Parser):
            pos = _pos(file, ev.start_mark)
            if isinstance(ev, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise SpecError(
                        "a spec file holds one YAML document; found a second '---'",
                        pos,
                        code="E101",
                    )
                continue
            tag = getattr(ev, "tag", None)
            if tag not in _ALLOWED_TAGS:
                raise SpecError(
                    f"YAML tag '{_tag_name(tag)}' is not allowed: a spec is plain data"
                    " and cnncalc never constructs objects from tags",
                    pos,
                    code="E104",
                )
            if isinstance(ev, yaml.AliasEvent):
                if ev.anchor not in anchors:
                    raise SpecError(f"unknown alias '*{ev.anchor}'", pos, code="E101")
                attach(anchors[ev.anchor], pos)
            elif isinstance(ev, yaml.ScalarEvent):
                plain = not ev.style and tag != "tag:yaml.org,2002:str"
                node: YNode = YScalar(ev.value, plain, pos)
                if ev.anchor:
                    anchors[ev.anchor] = node
                if (
                    stack
                    and isinstance(stack[-1], YMap)
                    and pending_key[-1] is None
                    and ev.value == "<<"
                    and plain
                ):
                    raise SpecError(
                        "YAML merge keys ('<<') are not supported; use a block instead",
                        pos,
                        code="E102",
                    )
                attach(node, pos)
            elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= max_depth:
                    raise LimitError(
                        f"nesting deeper than {max_depth} levels"
                        " (raise the limit with --max-depth)",
                        pos,
                        code="E151",
                    )
                coll: YSeq | YMap = (
                    YSeq([], pos) if isinstance(ev, yaml.SequenceStartEvent) else YMap([], pos)
                )
                if ev.anchor:
                    anchors[ev.anchor] = coll
                attach(coll, pos)
                stack.append(coll)
                pending_key.append(None)
            elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                stack.pop()
                pending_key.pop()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(f"invalid YAML: {problem}", _pos(file, mark), code="E101") from None
    except yaml.YAMLError as exc:  # reader errors (control characters) have no mark
        raise SpecError(f"invalid YAML: {exc}", SourcePos(file, 1, 1), code="E101") from None
    return root
