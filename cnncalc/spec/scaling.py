"""``scaling:``, a spec's hint of which vars are its widths, depths and resolution, and
EfficientNet's compound scaling applied to them (``cnncalc scale``).

::

    scaling: {width: width, depth: [depths], resolution: res}

Each axis names one var or a list of vars.  What scaling does to a var depends on its value:

- a **count** (an integer, or a list of integers) is a spec's own channels, repeats or input
  side, rounded as torchvision's EfficientNet rounds (``MBConvConfig``): a width by
  ``make_divisible(c * w, 8)`` (``adjust_channels``), a depth by ``ceil(n * d)``
  (``adjust_depth``), both in doubles as Python computes them; a resolution by ``round(r * s)``
  (the nearest integer, ties to even) — the paper's resolutions are not a formula of its
  coefficients (B1's 240 is not 224 × 1.1^k) but were picked, so the nearest pixel is the one
  rule that assumes nothing; a published size is set as given with ``--set``;
- a **multiplier** (a decimal: ``width: 1.0`` used as ``make_divisible(c * width, 8)`` inside the
  spec) is multiplied exactly as the decimals are written (1.2 × 1.1 is 1.32, not the double
  1.3200000000000003), and the spec's own expressions do the rounding.

The scaled spec is the original text with only those vars' values replaced (comments and
everything else kept): :func:`rewrite`.
"""

from __future__ import annotations

import math
from decimal import Decimal

import yaml

from cnncalc.errors import CnnCalcError, SourcePos, SpecError, clip, did_you_mean
from cnncalc.records import record
from cnncalc.source.yamltree import YNode, YScalar, YSeq
from cnncalc.spec.expressions import Env
from cnncalc.spec.functions import make_divisible
from cnncalc.spec.operators import Number, ValueProblem, scalar_value
from cnncalc.spec.placeholders import protect

AXES = ("width", "depth", "resolution")
RULES = {  # how a count on each axis is rounded: the template, and the letters its docs use
    "width": ("make_divisible({v} × {f}, 8)", "c", "w"),
    "depth": ("ceil({v} × {f})", "n", "d"),
    "resolution": ("round({v} × {f})", "r", "s"),
}


def rule(axis: str, value: object = None, factor: object = None) -> str:
    """The rounding rule of an axis as text, with the value and factor filled in when given:
    ``rule("width")`` is 'make_divisible(c × w, 8)', ``rule("width", 64, "1.1")`` 'make_divisible(64 × 1.1, 8)'."""
    template, v, f = RULES[axis]
    return template.format(v=v if value is None else value, f=f if factor is None else factor)


@record(frozen=True, slots=True)
class Scaling:
    """The vars a spec declares on each axis, in the order written."""

    width: tuple[str, ...] = ()
    depth: tuple[str, ...] = ()
    resolution: tuple[str, ...] = ()
    pos: SourcePos = SourcePos("<spec>", 1, 1)

    def axis(self, name: str) -> tuple[str, ...]:
        return {"width": self.width, "depth": self.depth, "resolution": self.resolution}[name]


@record(frozen=True, slots=True)
class Change:
    """One var scaled: its values before and after (a number, or a list of numbers)."""

    var: str
    axis: str
    before: Number | list[Number]
    after: Number | list[Number]
    multiplier: bool  # a decimal multiplied exactly, not a count rounded


def _error(message: str, pos: SourcePos, hint: str | None = None) -> SpecError:
    return SpecError(message, pos, hint=hint, code="E144")


def _numbers(node: YNode) -> Number | list[Number] | None:
    """A var's value as a number or a list of numbers; None when it is neither."""
    if isinstance(node, YScalar):
        try:
            v = scalar_value(node)
        except ValueProblem:
            return None
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None
    if isinstance(node, YSeq) and node.items:
        items = [_numbers(x) for x in node.items]
        if all(isinstance(x, (int, float)) for x in items):
            return [x for x in items if isinstance(x, (int, float))]
    return None


def read_scaling(node: YNode | None, env: Env) -> tuple[Scaling | None, list[CnnCalcError]]:
    """The ``scaling:`` hint of a spec (None: it has none), checked against its vars: every name
    a declared var holding a number or a list of numbers, on one axis only."""
    if node is None or isinstance(node, YScalar) and node.is_null():
        return None, []
    from cnncalc.source.yamltree import YMap

    if not isinstance(node, YMap):
        return None, [_error("'scaling' maps width, depth and resolution to vars, e.g. {width: width, depth:"
                             " depth, resolution: res}", node.pos)]
    errors: list[CnnCalcError] = []
    axes: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for key, value in node.pairs:
        if key.value not in AXES:
            errors.append(_error(f"unknown scaling axis '{clip(key.value)}'", key.pos,
                                 did_you_mean(key.value, list(AXES)) or "the axes are: " + ", ".join(AXES)))
            continue
        items = value.items if isinstance(value, YSeq) else [value]
        names: list[str] = []
        for item in items:
            if not isinstance(item, YScalar) or not item.plain or item.is_null():
                errors.append(_error(f"scaling {key.value} names vars: a var name or a list of them", item.pos))
                continue
            name = item.value
            if name not in env:
                hint = did_you_mean(name, list(env)) or ("this spec declares no vars" if not env else
                                                          "its vars: " + ", ".join(clip(n, 20) for n in list(env)[:12]))
                errors.append(_error(f"scaling {key.value} names '{clip(name)}', which is not a var of this spec",
                                     item.pos, hint))
                continue
            if _numbers(env[name]) is None:
                errors.append(_error(f"scaling {key.value} names '{clip(name)}', whose value is not a number or a"
                                     " list of numbers", item.pos,
                                     "scale a var that holds counts (64, [3, 4, 6, 3]) or a multiplier (1.0)"))
                continue
            if name in seen:
                errors.append(_error(f"'{clip(name)}' is scaled as a {seen[name]} already", item.pos))
                continue
            seen[name] = key.value
            names.append(name)
        axes[key.value] = tuple(names)
    return Scaling(pos=node.pos, **axes), errors


def _scaled(axis: str, value: Number, factor: Decimal) -> Number:
    if isinstance(value, float):  # a multiplier: exact in the decimals written, then a double
        return float(Decimal(repr(value)) * factor)
    f = float(factor)
    if axis == "width":
        return make_divisible(value * f, 8)  # torchvision's adjust_channels, in doubles
    if axis == "depth":
        return math.ceil(value * f)  # torchvision's adjust_depth, in doubles
    return round(value * f)


def scale_vars(scaling: Scaling, env: Env, factors: dict[str, Decimal]) -> list[Change]:
    """The vars of every axis with a factor, scaled (EfficientNet's rounding rules, module doc)."""
    changes = []
    for axis in AXES:
        factor = factors.get(axis)
        if factor is None:
            continue
        for name in scaling.axis(axis):
            before = _numbers(env[name])
            assert before is not None  # read_scaling checked it
            if isinstance(before, list):
                after: Number | list[Number] = [_scaled(axis, v, factor) for v in before]
                multiplier = all(isinstance(v, float) for v in before)
            else:
                after, multiplier = _scaled(axis, before, factor), isinstance(before, float)
            changes.append(Change(name, axis, before, after, multiplier))
    return changes


def as_yaml(value: Number | list[Number]) -> str:
    """A scaled value as YAML flow text: a double in its shortest form, with a decimal point
    so that it reads back as a decimal (1.0 stays 1.0, never the integer 1)."""
    if isinstance(value, list):
        return "[" + ", ".join(as_yaml(v) for v in value) + "]"
    if isinstance(value, float):
        text = repr(value)
        return text if any(c in text for c in ".en") else text + ".0"
    return str(value)


def _spans(text: str) -> dict[str, tuple[int, int]]:
    """Where each top-level var's value is written: character offsets (start, end) in ``text``.

    PyYAML's events carry offsets; ``${...}`` is first swapped for same-length placeholders, as
    the parser does.  A collection's end is its last scalar's end (a block collection's own end
    mark lies past the comments that follow it)."""
    protected, _ = protect(text)
    spans: dict[str, tuple[int, int]] = {}
    frames: list[_Frame] = []
    var: tuple[str, int, int, bool] | None = None  # the var whose collection is open: name, start, depth, flow
    last_end = 0
    for ev in yaml.parse(protected, Loader=yaml.SafeLoader):
        if not isinstance(ev, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent,
                               yaml.SequenceStartEvent, yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            continue
        if isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frames.pop()
            if var is not None and len(frames) == var[2]:  # a flow collection ends at its bracket
                spans[var[0]], var = (var[1], ev.end_mark.index if var[3] else last_end), None
            if frames:
                frames[-1].done()
            continue
        parent = frames[-1] if frames else None
        if parent is not None and parent.mapping and parent.key is None:  # a key
            parent.key = ev.value if isinstance(ev, yaml.ScalarEvent) else ""
            continue
        is_var = (len(frames) == 2 and frames[0].key == "vars" and parent is not None and parent.mapping
                  and parent.key is not None)
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if is_var and parent is not None and parent.key is not None:
                var = (parent.key, ev.start_mark.index, len(frames), bool(ev.flow_style))
            frames.append(_Frame(isinstance(ev, yaml.MappingStartEvent)))
            continue
        last_end = ev.end_mark.index
        if is_var and parent is not None and parent.key is not None:
            spans[parent.key] = (ev.start_mark.index, ev.end_mark.index)
        if parent is not None:
            parent.done()
    return spans


@record(slots=True)
class _Frame:
    """An open collection while reading events: a mapping knows the key whose value comes next."""

    mapping: bool
    key: str | None = None

    def done(self) -> None:
        """A value ended: a mapping reads a key next."""
        self.key = None


def rewrite(text: str, values: dict[str, str]) -> str:
    """``text`` with the values of the named top-level vars replaced by the given YAML flow
    texts, nothing else touched (comments, layout, other vars).  A var's value that was a
    block collection becomes a flow one in its place (comments inside it go with it)."""
    spans = _spans(text)
    missing = [n for n in values if n not in spans]
    assert not missing, missing  # the spec was parsed: every declared var has a value
    out, last = [], 0
    for start, end, name in sorted((*spans[n], n) for n in values):
        out += [text[last:start], values[name]]
        last = end
    return "".join(out) + text[last:]
