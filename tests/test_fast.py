"""cnncalc.cli.fast: plain command lines run without typer, exactly as typer would run them.

Side by side: for each command line, the arguments the fast parser hands the implementation
must equal those typer hands it (the implementation is replaced by a recorder in both runs);
anything the fast parser does not take is left to typer, whose help and messages are the
user's interface.  And end to end: the console script's output and exit status are typer's.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from invoke import CONSOLE
from typer.testing import CliRunner

from cnncalc.cli import commands, fast
from cnncalc.cli.app import app
from cnncalc.cli.params import COMMANDS

ROOT = Path(__file__).parent.parent
LENET = str(ROOT / "specs" / "lenet5.yaml")


def recorded(monkeypatch: pytest.MonkeyPatch, argv: list[str], via_fast: bool) -> dict[str, Any] | None:
    """The keyword arguments the implementation of ``argv[0]`` receives, through one path."""
    got: dict[str, Any] = {}
    monkeypatch.setattr(commands, argv[0], lambda **kw: got.update(kw))
    if via_fast:
        code = fast.run(argv)
        return None if code is None else got
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    return got


SAME = [
    ["summary", LENET],
    ["summary", LENET, "-f", "json", "--depth", "0", "--flops"],
    ["summary", "--format=csv", LENET, "--convention", "fvcore", "--rf"],
    ["summary", LENET, "-i", "64x64x1", "--input", "32x32x1", "--max-layers", "50", "--max-depth=10"],
    ["summary", "-", "--traceback", "--set", "width=0.5", "--set", "depth=2"],
    ["check", LENET, "-f", "markdown", "--max-bytes", "5000", "--max-expr", "30"],
    ["sizes", LENET, "--min", "10", "--max", "40", "--exact"],
    ["export", LENET, "--to", "pytorch", "-o", "-"],
    ["explain", LENET, "--layer", "conv1", "-f", "json"],
    ["calc", "28x28x192", "conv: {filters: 32, kernel: 5, padding: same}", "relu", "--explain"],
    ["calc", "7x7x3", "-f", "csv", "conv: {filters: 3, kernel: 5}", "--conventions"],
    ["kinds"],
    ["schema"],
    ["draw", LENET, "-f", "dot", "--depth", "1"],
    ["summary", LENET, "--plot", "chart.svg"],
    ["compare", LENET, LENET, "--set", "a=1", "--set", "a=2", "-i", "32x32x1", "--plot=x.png", "-f", "csv"],
    ["scale", LENET, "--width", "1.1", "--depth=1.2", "--resolution", "1.15", "-o", "out.yaml"],
    ["fit", LENET, "--vary", "width=0.25..2", "--step", "0.05", "--macs", "<= 600M", "--params", "5M"],
]


@pytest.mark.parametrize("argv", SAME, ids=[" ".join(a[:3]) for a in SAME])
def test_the_fast_path_passes_what_typer_passes(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    quick = recorded(monkeypatch, argv, via_fast=True)
    slow = recorded(monkeypatch, argv, via_fast=False)
    assert quick is not None, "a plain command line should not need typer"
    assert quick == slow


LEFT_TO_TYPER = [
    [], ["--help"], ["--version"], ["summary"], ["summary", "--help"], ["summary", LENET, "-h"],
    ["summary", LENET, "--nope"], ["summary", LENET, "-f", "xml"], ["summary", LENET, "-fjson"],
    ["summary", LENET, "--depth", "-1"], ["summary", LENET, "--depth", "x"], ["summary", LENET, "--depth", "+1"],
    ["summary", LENET, "-f", "json", "-f", "csv"], ["summary", LENET, LENET], ["summary", "--", LENET],
    ["summary", LENET, "--rf=yes"], ["summary", LENET, "--max-depth", "100000"], ["summary", LENET, "--set", "x"],
    ["summary", LENET, "--set", "a=1", "--set", "a=2"], ["summary", LENET, "--max-bytes"], ["export", LENET],
    ["calc", "8x8x3"], ["calc", "8x8x3", "-relu"], ["nope", LENET], ["sizes", LENET, "--min", "0"],
    ["summary", LENET, "--plot", "x.pdf"], ["scale", LENET, "--width", "0"], ["scale", LENET, "--width", "-1"],
    ["fit", LENET, "--macs", "1G"], ["fit", LENET, "--vary", "w=2..1", "--macs", "1G"],
    ["fit", LENET, "--vary", "w=1..2", "--macs", ">= 1G"], ["compare"], ["compare", LENET, "--set", "a"],
]


@pytest.mark.parametrize("argv", LEFT_TO_TYPER, ids=[" ".join(a) or "(nothing)" for a in LEFT_TO_TYPER])
def test_anything_unusual_is_left_to_typer(argv: list[str]) -> None:
    command = fast.BY_NAME.get(argv[0]) if argv else None
    assert command is None or fast.parse(command, argv[1:]) is None


def test_every_command_has_an_implementation_and_a_typer_command() -> None:
    registered = {c.name for c in app.registered_commands}
    for command in COMMANDS:
        assert callable(getattr(commands, command.name)) and command.name in registered


def script(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CONSOLE, *args], capture_output=True, text=True, input=stdin,
                          check=False, cwd=ROOT)


def test_end_to_end_the_console_script_prints_and_exits_as_typer_does() -> None:
    quick = script("summary", "specs/lenet5.yaml", "-f", "json")
    slow = CliRunner().invoke(app, ["summary", "specs/lenet5.yaml", "-f", "json"])
    assert quick.returncode == slow.exit_code == 0 and quick.stdout == slow.stdout
    wrong = script("check", "-", stdin="input: 8x8x3\nlayers: [relu]\nexpect: {params: 5}\n")
    assert wrong.returncode == 1 and "FAIL" in wrong.stdout  # a failed claim: exit 1, as under typer
    broken = script("summary", "-", stdin="input: 8x8x3\nlayers: [rleu]\n")
    assert broken.returncode == 2 and "error[E120]" in broken.stderr and "Traceback" not in broken.stderr
    usage = script("summary", "specs/lenet5.yaml", "-f", "xml")  # typer's own usage error
    assert usage.returncode == 2 and "is not an output format" in usage.stderr


def test_the_console_script_ends_without_teardown_yet_every_byte_arrives(tmp_path: Path) -> None:
    """It leaves with ``os._exit`` once its streams are flushed: a long output must still arrive
    whole, and the status must be the command's (0, 1 for a failed claim, 2 for an error)."""
    spec = tmp_path / "long.yaml"
    spec.write_text("input: 16x16x4\nlayers:\n" + "  - conv: {filters: 4, kernel: 3, padding: 1}\n" * 3000)
    quick = script("summary", str(spec), "-f", "json")
    slow = CliRunner().invoke(app, ["summary", str(spec), "-f", "json"])
    assert quick.returncode == slow.exit_code == 0 and len(quick.stdout) > 500_000 and quick.stdout == slow.stdout
    claim = tmp_path / "claim.yaml"
    claim.write_text("input: 8x8x3\nlayers: [relu]\nexpect: {params: 5}\n")
    wrong = script("check", str(claim))
    assert wrong.returncode == 1 and wrong.stdout == CliRunner().invoke(app, ["check", str(claim)]).stdout


@pytest.mark.parametrize("argv", [["summary", "specs/lenet5.yaml"], ["summary", "specs/efficientnet.yaml", "-f", "csv"]])
def test_a_plain_command_never_imports_typer_rich_matplotlib_or_torch(argv: list[str]) -> None:
    heavy = ("typer", "click", "rich", "pydantic", "matplotlib", "torch", "numpy")
    code = ("import sys\nfrom cnncalc.cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_plotting_imports_matplotlib_only_then(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib")
    code = ("import sys\nfrom cnncalc.cli.main import main\n"
            f"try:\n    main(['summary', 'specs/lenet5.yaml', '--plot', {str(tmp_path / 'x.svg')!r}])\n"
            "except SystemExit:\n    pass\n"
            "print('matplotlib' in sys.modules, 'typer' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.stderr.strip().splitlines()[-1] == "True False" and (tmp_path / "x.svg").exists()


def test_import_cnncalc_is_light_and_every_public_name_resolves() -> None:
    """``cnncalc``'s names load on first use (PEP 562): importing the package loads no pipeline
    module, yet every name in ``__all__`` is there, and ``from cnncalc import X`` works."""
    code = ("import sys, cnncalc\n"
            "light = sorted(m for m in sys.modules if m.startswith(('cnncalc.', 'yaml')))\n"
            "names = {n: getattr(cnncalc, n) for n in cnncalc.__all__}\n"
            "from cnncalc import Report, analyze_file\n"
            "assert names['Report'] is Report and analyze_file('specs/lenet5.yaml').totals.params == 61706\n"
            "assert set(cnncalc.__all__) <= set(dir(cnncalc))\n"
            "print(light)\n")
    # what an eager import made reachable stays so: a stage's modules, and parse (docs/spec-language.md)
    reach = ("import cnncalc\n"
             "assert callable(cnncalc.spec.vars.override_sources) and callable(cnncalc.parse)\n"
             "assert cnncalc.errors.SpecError is cnncalc.SpecError and callable(cnncalc.graph.build.build_graph)\n")
    reached = subprocess.run([sys.executable, "-c", reach], capture_output=True, text=True, check=False, cwd=ROOT)
    assert reached.returncode == 0, reached.stderr
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded = ast.literal_eval(done.stdout.strip())  # the list the child printed
    assert "cnncalc.limits" in loaded and all(m == "cnncalc.limits" or m.startswith("cnncalc.records") for m in loaded)


def test_python_m_cnncalc_ends_through_system_exit() -> None:
    """Coverage, profilers and runpy wrap a module's run: ``python -m cnncalc`` ends as main()
    does, through a SystemExit they can catch, not with the console script's quick exit."""
    code = ("import runpy, sys\nsys.argv = ['cnncalc', 'check', 'specs/lenet5.yaml']\n"
            "try:\n    runpy.run_module('cnncalc', run_name='__main__')\n"
            "except SystemExit as exc:\n    print('exit', exc.code)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT)
    assert done.stdout.strip().splitlines()[-1] == "exit 0" and "PASS" in done.stdout
