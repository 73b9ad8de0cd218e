"""docs/errors.md is a test: every example produces exactly the error text shown.

Each ``### E123: title`` entry holds an optional ```yaml spec (written to
spec.yaml), a ```console block whose first line is the command and the rest
its exact standard error, and a **Fix:** line.  The catalogue must cover every
code raised in cnncalc/ (``code="E..."``) and nothing else.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).parent.parent
CATALOGUE = ROOT / "docs" / "errors.md"
HEADING = re.compile(r"^### (E\d{3}): (.+)$", re.MULTILINE)
SPEC = re.compile(r"^```yaml\n(.*?)^```$", re.MULTILINE | re.DOTALL)
CONSOLE = re.compile(r"^```console\n\$ (.*?)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
RAW = re.compile(r"<(byte|char) 0x([0-9a-f]{2})>")


@dataclass(frozen=True)
class Entry:
    code: str
    title: str
    spec: bytes | None
    command: str
    stderr: str
    has_fix: bool


def _raw(text: str) -> bytes:
    """The spec's bytes: ``<byte 0xe9>`` is that raw byte, ``<char 0x1b>`` that character."""
    out, last = b"", 0
    for m in RAW.finditer(text):
        out += text[last : m.start()].encode("utf-8")
        value = int(m.group(2), 16)
        out += bytes([value]) if m.group(1) == "byte" else chr(value).encode("utf-8")
        last = m.end()
    return out + text[last:].encode("utf-8")


def entries() -> list[Entry]:
    text = CATALOGUE.read_text(encoding="utf-8")
    heads = list(HEADING.finditer(text))
    out = []
    for head, nxt in zip(heads, [*heads[1:], None]):
        body = text[head.end() : nxt.start() if nxt else len(text)]
        spec, console = SPEC.search(body), CONSOLE.search(body)
        assert console is not None, f"{head.group(0)}: no ```console block"
        out.append(
            Entry(
                head.group(1),
                head.group(2),
                _raw(spec.group(1)) if spec else None,
                console.group(1),
                console.group(2),
                "**Fix:**" in body,
            )
        )
    return out


ENTRIES = entries()


def raised_codes() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "cnncalc").rglob("*.py"):
        found |= set(re.findall(r'code="(E\d{3})"', path.read_text(encoding="utf-8")))
    return found


def test_catalogue_covers_every_code_and_only_those() -> None:
    documented = {e.code for e in ENTRIES}
    assert raised_codes() - documented == set(), "codes raised in cnncalc/ but missing from docs/errors.md"
    assert documented - raised_codes() == set(), "codes in docs/errors.md that cnncalc never raises"


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e.code} {e.title}" for e in ENTRIES])
def test_catalogue_entry(entry: Entry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert entry.has_fix, "every entry says how to fix the error"
    assert f": error[{entry.code}]: " in entry.stderr, "the example raises the entry's own code"
    monkeypatch.chdir(tmp_path)
    if entry.spec is not None:
        (tmp_path / "spec.yaml").write_bytes(entry.spec)
    argv = shlex.split(entry.command)
    assert argv[0] == "cnncalc"
    res = CliRunner().invoke(app, argv[1:])
    assert res.exit_code == 2, res.output
    assert res.stderr == entry.stderr
