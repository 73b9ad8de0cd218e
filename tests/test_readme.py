"""The README's examples are real output: every ``$ cnncalc ...`` in a console block that runs on
files in this repository is run, and its output must be what the README shows (exactly, or, where
the README abridges with ``...``, every shown line in order)."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def examples() -> list[tuple[str, list[str]]]:
    """(command, shown output lines) for each ``$ cnncalc`` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", README, re.DOTALL):
        command: str | None = None
        shown: list[str] = []
        for line in [*block.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command is not None:
                    out.append((command, shown))
                command, shown = (line[2:].split("  #")[0].strip() if line.startswith("$ cnncalc") else None), []
            elif command is not None:
                shown.append(line.rstrip())
    return out


def runnable(command: str) -> bool:
    files = [a for a in shlex.split(command) if a.endswith(".yaml")]
    return all((ROOT / f).exists() for f in files)


EXAMPLES = [e for e in examples() if runnable(e[0])]


def test_the_readme_has_runnable_examples() -> None:
    assert len(EXAMPLES) >= 4, [c for c, _ in EXAMPLES]


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command: str, shown: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setitem(os.environ, "COLUMNS", "200")
    res = CliRunner().invoke(app, shlex.split(command)[1:])
    actual = [line.rstrip() for line in res.output.splitlines()]  # stdout and stderr as interleaved
    while actual and not actual[-1]:
        actual.pop()
    while shown and not shown[-1]:
        shown.pop()
    if all(line.strip() != "..." for line in shown):
        assert actual == shown
        return
    it = iter(actual)
    for line in shown:
        if line.strip() != "...":
            assert any(a == line for a in it), f"README line not in the output (in order): {line!r}"
