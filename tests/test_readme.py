"""The README's examples are real output: every ``$ cnncalc ...`` in a console block that runs on
files in this repository is run, and its output must be what the README shows (exactly, or, where
the README abridges with ``...``, every shown line in order).  And the package the README
describes: its runtime dependencies, the two commands CI runs, the benchmark script."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
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


def test_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's ``>>>`` examples of the Python API run as doctests; their numbers are
    torchvision's published ResNet-50 figures and formulas worked in the comments beside them."""
    import doctest

    monkeypatch.chdir(ROOT)
    blocks = [b for b in re.findall(r"```python\n(.*?)```", README, re.DOTALL) if ">>>" in b]
    assert blocks
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for i, block in enumerate(blocks):
        runner.run(doctest.DocTestParser().get_doctest(block, {}, f"README block {i}", "README.md", 0))
    assert runner.summarize(verbose=False).failed == 0


# --- the package: dependencies, the README's commands in CI, the benchmark ------------------------


def test_package_readme_ci_and_benchmark() -> None:
    """'Runtime dependencies: typer, rich, pyyaml. Console script cnncalc. Python >= 3.10.'
    'README opens with the two commands ...; .ci/run runs exactly that test command (after
    installing torch 2.13.0)'; 'a benchmark script in benchmarks/ ... on a 1,000-layer spec'."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {re.split(r"[<>=!~ \[]", d)[0].lower() for d in project["dependencies"]}
    assert deps == {"typer", "rich", "pyyaml"}
    assert project["scripts"]["cnncalc"] and project["requires-python"] == ">=3.10"
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    commands = [ln.split("#")[0].strip() for ln in first_block.splitlines()[1:] if ln.strip()]
    assert len(commands) == 2
    spec = re.search(r"cnncalc summary (\S+)", commands[0])
    assert spec is not None and (ROOT / spec.group(1)).exists()
    assert "pytest" in commands[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines() and "torch==2.13.0" in ci
    bench = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert bench is not None and bench.loader is not None
    assert "benchmarks/run.py" in ci  # CI prints the performance report
    import sys
    import tempfile

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        module = importlib.util.module_from_spec(bench)
        bench.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    with tempfile.TemporaryDirectory() as d:
        assert len(cnncalc.analyze_file(module.layers_spec(1000, Path(d))).rows) == 1000
