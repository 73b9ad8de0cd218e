"""Names of layers and groups: unique by construction, or a positioned error.

Every layer and every group (a block instance, a named ``repeat``, an aux head with a
name or claims) has a *full name*: the names of the block instances around it, each
followed by a dot, then its own (``layer3.conv2``).  Claims, the report, ``explain``
and ``export`` all find things by full name, so two things with one name would make one
of them disappear.  :class:`Names` holds every full name issued while building a
graph: a written name already issued is an error pointing at both places, and a
generated name skips every name taken or written.

Generated names are a base and a count: ``conv1``, ``conv2``.  A base that ends in a
digit gets an underscore first (block ``mb1``: ``mb1_1``, ``mb1_2``), so that ``mb``'s
11th instance (``mb11``) and ``mb1``'s first are told apart by construction, not
only by the table.
"""

from __future__ import annotations

from cnncalc.errors import SourcePos, SpecError, clip
from cnncalc.records import field, record
from cnncalc.source.yamltree import YScalar


@record(slots=True)
class Scope:
    """The names a reference can see: its own, then its parent's (an aux head sees the flow
    it hangs off; a block instance sees only itself).  ``prefix`` makes full names."""

    names: dict[str, int] = field(default_factory=dict)
    parent: Scope | None = None
    prefix: str = ""

    def find(self, name: str) -> int | None:
        s: Scope | None = self
        while s is not None:
            if name in s.names:
                return s.names[name]
            s = s.parent
        return None

    def visible(self) -> list[str]:
        out: list[str] = []
        s: Scope | None = self
        while s is not None:
            out += list(s.names)
            s = s.parent
        return out


@record(frozen=True, slots=True)
class _Taken:
    pos: SourcePos
    generated: bool


class Names:
    """Every full name issued in one build, written or generated."""

    def __init__(self, written: set[str], reserved: set[str]) -> None:
        self.written = written  # every name: value in the spec; generated names avoid them
        self.reserved = reserved  # layer kinds and block names: not usable as names
        self.taken: dict[str, _Taken] = {}
        self.counters: dict[str, int] = {}

    def claim(self, name: YScalar, prefix: str) -> str:
        """Check a written name and reserve its full name (``prefix`` + name)."""
        text = name.value
        if not text.strip() or "." in text:
            raise SpecError(
                f"name '{clip(text)}' is not usable: names are non-empty and have no '.'"
                " (a dot separates a block instance from the names inside it)",
                name.pos,
                code="E212",
            )
        if text == "input":
            raise SpecError("name 'input' is taken: it names the network's input (inside a block, the block's input)",
                            name.pos, code="E210")
        if text in self.reserved:
            raise SpecError(f"name '{clip(text)}' is a layer kind; choose another name", name.pos, code="E210")
        full = prefix + text
        first = self.taken.get(full)
        if first is not None and first.pos == name.pos:  # the same written name, issued again
            raise SpecError(f"name '{clip(text)}' is inside a repeated aux head or path, so every copy would"
                            " have it", name.pos, code="E211",
                            hint="make the repeated layers a block (each use has names of its own),"
                            " or drop the name")
        if first is not None:
            where = f"line {first.pos.line}" if first.pos.file == name.pos.file else str(first.pos)
            what = "the generated name of the layer or group at " if first.generated else "first at "
            raise SpecError(f"name '{clip(text)}' is used twice ({what}{where})", name.pos, code="E211",
                            hint="layers, block uses, named repeats and aux heads each need a name of their own")
        self.taken[full] = _Taken(name.pos, False)
        return full

    def fresh(self, base: str, pos: SourcePos, prefix: str = "") -> str:
        """A new name ``base1``, ``base2``, ... (``base_1`` if ``base`` ends in a digit)."""
        sep = "_" if base[-1:].isdigit() else ""
        n = self.counters.get(base, 0)
        while True:
            n += 1
            name = f"{base}{sep}{n}"
            if name not in self.written and prefix + name not in self.taken:
                self.counters[base] = n
                self.taken[prefix + name] = _Taken(pos, True)
                return prefix + name

    def why_unseen(self, name: str, prefix: str = "") -> str | None:
        """Why a name that exists cannot be referred to from a scope with ``prefix`` (a hint for E201)."""
        taken = self.taken.get(prefix + name)
        if taken is None and prefix and name in self.taken:
            return (f"'{clip(name)}' is outside this block, which sees only its own layers and arguments: pass"
                    " what it needs as an argument, or write the layer that needs it outside the block")
        if taken is None:
            return None
        if taken.generated:
            return f"'{clip(name)}' is a generated name: write 'name: {clip(name)}' beside the layer to refer to it"
        if "." in name:
            return "names inside a block instance are not visible outside it: name the block use (its name is the" \
                   " block's output)"
        return (f"'{clip(name)}' is inside an aux head, which runs only in training; to use it in the main flow,"
                " write the head as a path: '- [name, layers...]'")

    def save(self) -> tuple[dict[str, _Taken], dict[str, int]]:
        return self.taken, self.counters

    def restore(self, state: tuple[dict[str, _Taken], dict[str, int]]) -> None:
        self.taken, self.counters = state
