"""cnncalc.cli: one test (at least) per command: output formats, exit codes, messages; every
command that reads a spec takes every limit flag; a user error exits 2 with file:line:col."""

from __future__ import annotations

import csv
import inspect
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from failing import BLOCKS, _repeats, cli
from invoke import CONSOLE
from typer.testing import CliRunner

from cnncalc.cli.app import app

runner = CliRunner()
SPECS = Path(__file__).parent.parent / "specs"
LENET = str(SPECS / "lenet5.yaml")


def write(tmp_path: Path, text: str, name: str = "net.yaml") -> str:
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_summary_table_plain_when_piped() -> None:
    res = runner.invoke(app, ["summary", LENET])
    assert res.exit_code == 0, res.output
    assert "\x1b[" not in res.stdout  # no colour codes when not a terminal
    # LeNet-5 totals worked by hand in tests/test_seeds.py: 61,706 params, 416,520 MACs
    assert "61,706" in res.stdout and "416,520" in res.stdout
    assert "FLOPs (2 x MACs): 833,040" in res.stdout


def test_summary_json_contract() -> None:
    res = runner.invoke(app, ["summary", LENET, "--format", "json"])
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["input"] == [32, 32, 1] and data["output"] == [10]
    first = data["layers"][0]
    for key in ("name", "kind", "input", "output", "params", "trainable_params", "macs"):
        assert key in first
    assert first["name"] == "conv1" and first["output"] == [28, 28, 6]
    assert data["layers"][6]["output"] == [400]  # flatten: 5*5*16
    t = data["totals"]
    assert (t["params"], t["trainable_params"], t["non_trainable_params"]) == (61706, 61706, 0)
    assert t["flops"] == 2 * t["macs"] == 833040


def test_summary_csv_and_markdown() -> None:
    res = runner.invoke(app, ["summary", LENET, "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert rows[0]["name"] == "conv1" and rows[0]["params"] == "156"  # 6*(25+1)
    assert rows[-1]["name"] == "TOTAL" and rows[-1]["macs"] == "416520"
    md = runner.invoke(app, ["summary", LENET, "-f", "markdown"]).stdout
    assert "| conv1 | conv | 32x32x1 | 28x28x6 | 156 | 117,600 |" in md  # 28*28*6*25


def test_check_passes_and_fails(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["check", LENET])
    assert ok.exit_code == 0 and "0 failed" in ok.stdout
    bad = write(tmp_path, "input: 7x7x3\nlayers:\n  - conv: {filters: 1, kernel: 3}\n    expect: {params: 27}\n")
    res = runner.invoke(app, ["check", bad])
    # 1*(3*3*3 + 1) = 28, so the claim 27 fails
    assert res.exit_code == 1
    assert "FAIL" in res.stdout and "expected 27" in res.stdout and "computed 28" in res.stdout


def test_short_form_expectations(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 28x28x192\nlayers:\n  - conv: {filters: 32, kernel: 5, padding: same}\n"
                 "expect: {macs: 120.4M, flops: 240.8M}\n")
    # 28*28*32*5*5*192 = 120,422,400 -> 120.4M; FLOPs 240,844,800 -> 240.8M
    assert runner.invoke(app, ["check", spec]).exit_code == 0
    spec2 = write(tmp_path, "input: 28x28x192\nlayers: [conv: {filters: 32, kernel: 5}]\nexpect: {macs: 120.4M}\n", "b.yaml")
    assert runner.invoke(app, ["check", spec2]).exit_code == 1  # valid padding: 88,473,600


def test_user_error_is_positioned_exit_2(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 8x8x3\nlayers:\n  - conv: {filters: 4, kernal: 3}\n")
    res = runner.invoke(app, ["summary", spec])
    assert res.exit_code == 2
    assert f"{spec}:3:24: error[E121]: unknown argument 'kernal' for conv" in res.stderr
    assert "   3 |   - conv: {filters: 4, kernal: 3}" in res.stderr
    assert "hint: did you mean 'kernel'?" in res.stderr
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_traceback_flag_shows_python_trace(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 8x8x3\nlayers: [frobnicate]\n")
    res = runner.invoke(app, ["summary", spec, "--traceback"])
    assert res.exit_code != 0 and res.exception is not None


def test_missing_file(tmp_path: Path) -> None:
    res = runner.invoke(app, ["summary", str(tmp_path / "nope.yaml")])
    assert res.exit_code == 2 and "cannot read spec" in res.stderr


def test_stdin_spec() -> None:
    res = runner.invoke(app, ["summary", "-", "-f", "json"], input="input: 4x4x1\nlayers: [flatten]\n")
    assert json.loads(res.stdout)["output"] == [16]


def test_kinds_lists_every_kind() -> None:
    res = runner.invoke(app, ["kinds"])
    assert res.exit_code == 0
    assert "conv (alias conv2d)" in res.stdout and "deconv" in res.stdout and "filters [main]" in res.stdout


def test_depth_collapses_blocks(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 8x8x4\nblocks:\n  b: {layers: [conv: {filters: 4, kernel: 1}, relu]}\n"
                 "layers:\n  - b:\n    repeat: 2\n")
    res = runner.invoke(app, ["summary", spec, "--depth", "0"])
    assert "b1" in res.stdout and "b2" in res.stdout and "relu1" not in res.stdout
    # one block: 4*(4+1) = 20 params
    assert res.stdout.count(" 20 ") == 2


def test_sizes_lists_accepted_inputs(tmp_path: Path) -> None:
    # conv 3x3 pad 1 keeps n; maxpool 2 floors n/2; upsample 2 doubles: the concat needs n even
    spec = write(tmp_path, "input: 16x16x1\nlayers:\n  - {conv: {filters: 2, kernel: 3, padding: 1}, name: d}\n"
                 "  - maxpool: 2\n  - upsample: 2\n  - concat: [d, []]\n")
    res = runner.invoke(app, ["sizes", spec, "--min", "2", "--max", "20"])
    assert res.exit_code == 0
    assert res.stdout.strip() == "accepted input sizes (n x n) from 2 to 20: 2 to 20 every 2"


def test_mismatch_hint_names_nearest_sizes(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 15x15x1\nlayers:\n  - {conv: {filters: 2, kernel: 3, padding: 1}, name: d}\n"
                 "  - maxpool: 2\n  - upsample: 2\n  - concat: [d, []]\n")
    res = runner.invoke(app, ["summary", spec])
    assert res.exit_code == 2
    # 15 -> floor(15/2) = 7 -> 14 != 15; 14 and 16 are the nearest even sizes
    assert "maxpool1 (maxpool, stride 2) takes 15 to 7" in res.stderr
    assert "nearest input sizes that work: 14x14 and 16x16" in res.stderr


def test_sizes_exact_reproduces_the_unet_tile_rule() -> None:
    # U-Net (Ronneberger et al. 2015): every 2x2 max pool must see an even size. With two
    # valid 3x3 convs (-4) per level and four pools, n - 4 even, (n-4)/2 - 4 even, ... gives
    # n = 16m + 12: in 560..590 that is 572 (the paper's tile) and 588.
    res = runner.invoke(app, ["sizes", str(SPECS / "unet.yaml"), "--min", "560", "--max", "590", "--exact"])
    assert res.exit_code == 0
    assert res.stdout.strip().endswith(": 572, 588")


def test_channels_first_input_gets_a_hint(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 3x224x224\nlayers: [conv: {filters: 64, kernel: 7, stride: 2}]\n")
    res = runner.invoke(app, ["summary", spec])
    assert res.exit_code == 2 and "did you mean 224x224x3?" in res.stderr


# --- summary --input: the spec at other input sizes ------------------------------------


def test_input_override_counts_at_the_new_size(tmp_path: Path) -> None:
    """specs/seed6_mnist_convnet.yaml at 32x32x1 instead of 28x28x1, worked by hand:
    conv 3x3/32: 30x30x32, 30·30·32·9 = 259,200 MACs; pool: 15x15x32; conv 3x3/64: 13x13x64,
    13·13·64·288 = 3,115,008; pool: 6x6x64; flatten: 2,304; dense 10: 2,304·10 + 10 = 23,050
    params, 23,040 MACs.  Totals: 320 + 18,496 + 23,050 = 41,866 params; 3,397,248 MACs."""
    res = runner.invoke(app, ["summary", str(SPECS / "seed6_mnist_convnet.yaml"), "-i", "32x32x1", "-f", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["input"] == [32, 32, 1] and data["output"] == [10]
    assert (data["totals"]["params"], data["totals"]["macs"]) == (41_866, 3_397_248)
    assert "not judged at --input" in res.stderr  # the spec's claims were written for 28x28x1
    assert all(not layer.get("expect") for layer in data["layers"])


def test_several_inputs_compare_in_one_table() -> None:
    """28x28x1 is the spec's own input (its published totals: 34,826 params, 2,440,960 MACs)."""
    res = runner.invoke(app, ["summary", str(SPECS / "seed6_mnist_convnet.yaml"), "-i", "28x28x1", "-i", "32x32x1",
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["input"], r["params"], r["macs"]) for r in rows] == [
        ([28, 28, 1], 34_826, 2_440_960), ([32, 32, 1], 41_866, 3_397_248)]
    assert rows[1]["flops"] == 2 * 3_397_248 and rows[1]["activation_bytes"] == 4 * rows[1]["activations"]
    text = runner.invoke(app, ["summary", str(SPECS / "seed6_mnist_convnet.yaml"), "-i", "28x28x1",
                               "-i", "32x32x1", "--flops"]).stdout
    assert "seed6_mnist_convnet at 2 input sizes" in text and "6,794,496" in text  # 2 × 3,397,248 FLOPs


def test_a_bad_input_override_is_positioned() -> None:
    res = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "-i", "32x32x1", "-i", "3x3x1"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "specs/lenet5.yaml:" in res.stderr and "error[E302]" in res.stderr  # 5x5 kernel on 3x3: in the spec
    res = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "-i", "32xx1"])
    assert res.exit_code == 2 and res.stderr.startswith("<--input 1>:1:1: error[E112]")


# --- budgets: expect with a bound, `check` as a CI gate --------------------------------

BUDGET = """\
input: 299x299x3
layers:
  - conv: {filters: 32, kernel: 3, stride: 2}
    expect: {macs: <= 19181664}
  - gap
expect: {macs: "<= 19.2M", params: < 896, activations: "> 710463", flops: ">= 1M"}
"""
# By hand: floor((299 − 3) / 2) + 1 = 149; MACs 149·149·32·(3·3·3) = 19,181,664; params
# 32·27 + 32 = 896; activations 149·149·32 + 1·1·32 = 710,464; FLOPs 2 × MACs = 38,363,328.


def test_budgets_pass_at_the_boundary_and_fail_past_it(tmp_path: Path) -> None:
    spec = tmp_path / "budget.yaml"
    spec.write_text(BUDGET)
    res = runner.invoke(app, ["check", str(spec), "-f", "json"])
    assert res.exit_code == 1  # params < 896 fails: 896 is not below 896
    checks = {(c["where"], c["field"]): c["ok"] for c in json.loads(res.stdout)["expect"]}
    assert checks == {("conv1", "macs"): True, ("totals", "macs"): True, ("totals", "params"): False,
                      ("totals", "activations"): True, ("totals", "flops"): True}
    text = runner.invoke(app, ["check", str(spec)]).stdout
    assert "FAIL  totals" in text and f"({spec}:6:" in text  # the failed budget's file:line:col
    spec.write_text(BUDGET.replace("params: < 896", "params: <= 896"))
    assert runner.invoke(app, ["check", str(spec)]).exit_code == 0


def test_a_budget_needs_a_count_after_its_operator(tmp_path: Path) -> None:
    spec = tmp_path / "budget.yaml"
    spec.write_text("input: 8x8x3\nlayers: [relu]\nexpect: {macs: <= lots}\n")
    res = runner.invoke(app, ["check", str(spec)])
    assert res.exit_code == 2 and "error[E132]" in res.stderr and "budget like '<= 4.5G'" in res.stderr


def test_several_inputs_refuse_the_per_layer_options() -> None:
    res = runner.invoke(app, ["summary", str(SPECS / "lenet5.yaml"), "-i", "32x32x1", "-i", "36x36x1", "--rf"])
    assert res.exit_code == 2 and "give one --input with them" in res.stderr


# --- streams: nothing lost silently, no traceback ---------------------------------------------

ROOT = Path(__file__).parent.parent


def child(*args: str, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    """The real command in a child process, with real (or closed) standard streams."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **kw.pop("env", {})}
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    return subprocess.run([*CONSOLE, *args], env=env, timeout=60, check=False, **kw)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_on_stdout_is_an_error_not_a_traceback() -> None:
    with open("/dev/full", "wb") as full:
        res = child("summary", LENET, stdout=full)
    assert res.returncode == 2
    assert res.stderr == b"error: cannot write to standard output: No space left on device\n"


def test_a_closed_stdout_is_an_error() -> None:
    """It exited 0 having written nothing."""
    res = child("summary", LENET, preexec_fn=lambda: os.close(1))
    assert res.returncode == 2 and b"error: cannot write to standard output: it is closed" in res.stderr


def test_a_closed_stdin_is_a_positioned_spec_error() -> None:
    res = child("summary", "-", preexec_fn=lambda: os.close(0))
    assert res.returncode == 2
    assert res.stderr == b"<stdin>:1:1: error[E100]: cannot read spec: standard input is closed\n"


def test_a_reader_gone_away_ends_quietly_with_141() -> None:
    read, write = os.pipe()
    os.close(read)
    try:
        res = child("summary", LENET, stdout=write)
    finally:
        os.close(write)
    assert res.returncode == 141 and res.stderr == b""


def test_a_stream_that_cannot_encode_falls_back_to_ascii() -> None:
    """cp1252 has no '─' (the table's rule) or '−' (a formula's minus): UnicodeEncodeError before."""
    res = child("calc", "25x25x1", "maxpool: 2", "--explain", env={"PYTHONIOENCODING": "cp1252"})
    assert res.returncode == 0, res.stderr
    assert b"floor((25 + 0 + 0 - 2) / 2) + 1 = 12" in res.stdout and b"(25 + 0 + 0 - 2)" in res.stderr
    table = child("summary", LENET, env={"PYTHONIOENCODING": "cp1252"})
    assert table.returncode == 0 and b" ---------" in table.stdout and b"+++" in table.stdout  # rule, marks


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="runs a child as nobody")
def test_an_unreadable_spec_is_e100_not_typers_box() -> None:
    """typer checked the path itself and printed its own box; now cnncalc reads it and says E100."""
    where = Path(tempfile.mkdtemp(dir="/tmp"))
    where.chmod(0o755)  # the directory is open to everyone, the file is not
    spec = where / "secret.yaml"
    spec.write_text("input: 8x8x3\nlayers: [relu]\n")
    spec.chmod(0o600)
    res = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                          "cnncalc", "summary", str(spec)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, timeout=60, check=False)
    shutil.rmtree(where)
    assert res.returncode == 2
    assert res.stderr.decode() == f"{spec}:1:1: error[E100]: cannot read spec: Permission denied\n"


# --- help, version, choices ------------------------------------------------------------------

COMMANDS = ["summary", "check", "sizes", "export", "explain", "calc", "kinds"]


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_flags_as_flags_arguments_as_names_and_an_example(command: str) -> None:
    """typer 0.29's rich help printed '--rf <bool>', '--help <bool>' and '{spec}'."""
    out = runner.invoke(app, [command, "--help"], env={"COLUMNS": "100"}).stdout
    assert "<bool>" not in out and "{" not in out.splitlines()[0]
    assert re.search(r"^  --help +Show this message", out, re.MULTILINE)
    assert f"Example: cnncalc {command}" in out
    if command not in ("calc", "kinds"):
        assert out.splitlines()[0].endswith(" SPEC") and re.search(r"^  --traceback +show", out, re.MULTILINE)


def test_version_is_the_package_version() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    import cnncalc

    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout == f"cnncalc {cnncalc.__version__}\n"
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"] == cnncalc.__version__


def test_an_unknown_choice_is_answered_in_words() -> None:
    """'Value error, 'keras' is not one of 'pytorch'' became a sentence naming the choices."""
    res = runner.invoke(app, ["export", LENET, "--to", "keras"])
    assert res.exit_code == 2
    assert "Invalid value for '--to': 'keras' is not an export target; the choices are: pytorch" in res.stderr
    res = runner.invoke(app, ["summary", LENET, "--convention", "fvcor"])
    assert res.exit_code == 2 and "the choices are: torchvision, fvcore, ptflops, all (did you mean 'fvcore'?)" in (
        " ".join(res.stderr.split()))


def test_the_convention_choices_are_the_presets() -> None:
    from cnncalc.analysis.conventions import PRESETS

    out = runner.invoke(app, ["summary", "--help"], env={"COLUMNS": "200"}).stdout
    assert f"--convention {'|'.join(PRESETS)}" in out


def test_every_command_that_reads_a_spec_has_the_same_limit_options() -> None:
    import typer.main

    group = typer.main.get_command(app)
    limits = {"--max-layers", "--max-depth", "--max-bytes", "--max-expr"}
    for name in ("summary", "check", "sizes", "export", "explain"):
        opts = {o for p in group.commands[name].params for o in p.opts}  # type: ignore[attr-defined]
        assert limits <= opts, name
    calc = {o for p in group.commands["calc"].params for o in p.opts}  # type: ignore[attr-defined]
    assert limits - calc == {"--max-bytes"}  # calc reads no file


def test_a_limit_reaches_the_command(tmp_path: Path) -> None:
    spec = write(tmp_path, "input: 8x8x3\nlayers:\n  - relu:\n    repeat: 5\n")
    res = runner.invoke(app, ["summary", spec, "--max-layers", "4"])
    assert res.exit_code == 2 and "error[E155]" in res.stderr
    res = runner.invoke(app, ["summary", spec, "--max-bytes", "99999999999999999999"])
    assert res.exit_code == 2 and "Invalid value for '--max-bytes'" in res.stderr  # OverflowError before


# --- what a user sees --------------------------------------------------------------------------

def test_unquoted_calc_layers_get_the_command_that_works() -> None:
    res = runner.invoke(app, ["calc", "28x28x3", "conv:", "{filters:", "8,", "kernel:", "3}"])
    assert res.exit_code == 2 and "error[E109]" in res.stderr
    assert "hint: quote each layer: cnncalc calc 28x28x3 'conv: {filters: 8, kernel: 3}'" in res.stderr
    # the command it proposes works: 26·26·8·27 = 146,016 MACs
    ok = runner.invoke(app, ["calc", "28x28x3", "conv: {filters: 8, kernel: 3}"])
    assert ok.exit_code == 0 and "146,016" in ok.stdout


def test_check_honours_csv_and_markdown(tmp_path: Path) -> None:
    bad = write(tmp_path, "input: 7x7x3\nlayers:\n  - conv: {filters: 1, kernel: 3}\n    expect: {params: 27}\n")
    res = runner.invoke(app, ["check", bad, "-f", "csv"])
    assert res.exit_code == 1
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["where"], r["field"], r["expected"], r["actual"], r["ok"]) for r in rows] == [
        ("conv1", "params", "27", "28", "0")]  # 1·(3·3·3 + 1) = 28
    md = runner.invoke(app, ["check", bad, "-f", "markdown"]).stdout
    assert "| FAIL | conv1 | params | 27 | 28 |" in md


def test_explain_refuses_csv_in_words() -> None:
    res = runner.invoke(app, ["explain", LENET, "-f", "csv"])
    assert res.exit_code == 2 and "'csv' is not an output format of explain" in res.stderr
    res = runner.invoke(app, ["calc", "8x8x1", "relu", "--explain", "-f", "csv"])
    assert res.exit_code == 2 and "--explain prints formulas" in res.stderr


@pytest.mark.parametrize("extra", [["--rf"], ["--depth", "0"]])
def test_conventions_refuse_the_per_layer_table_options(extra: list[str]) -> None:
    """--conventions silently dropped --rf and --depth."""
    res = runner.invoke(app, ["summary", LENET, "--conventions", *extra])
    assert res.exit_code == 2 and "run them without --conventions" in res.stderr


def test_sizes_refuses_an_empty_range_and_a_vector_input(tmp_path: Path) -> None:
    res = runner.invoke(app, ["sizes", LENET, "--min", "300", "--max", "200"])
    assert res.exit_code == 2 and "--min 300 is larger than --max 200" in res.stderr
    vec = write(tmp_path, "input: [100]\nlayers: [dense: 10]\n")
    res = runner.invoke(app, ["sizes", vec])
    assert res.exit_code == 2 and "input 100 is a vector" in res.stderr


def test_a_failing_input_size_is_named() -> None:
    """With several -i, the error did not say which size failed."""
    res = runner.invoke(app, ["summary", LENET, "-i", "32x32x1", "-i", "3x3x1", "-i", "36x36x1"])
    assert res.exit_code == 2 and "note: with --input 3x3x1, the 2nd of 3" in res.stderr


# --- every reading command takes the limit flags; a user error exits 2 with a position --------


def test_every_command_reading_a_spec_takes_every_limit_flag() -> None:
    readers = [c for c in app.registered_commands if "spec" in inspect.signature(c.callback).parameters]
    assert {c.name for c in readers} >= {"summary", "check"}
    for command in readers:
        params = set(inspect.signature(command.callback).parameters)
        assert params >= {"max_layers", "max_depth", "max_bytes", "max_expr"}, command.name


@pytest.mark.parametrize(
    "text",
    [
        "input: !!python/name:os.system\nlayers: [relu]\n",
        "input: 8x8x3\nlayers: " + "[" * 5000 + "\n",
        BLOCKS,
        _repeats(9),
    ],
)
def test_cli_user_errors_exit_2_with_a_position(tmp_path: Path, text: str) -> None:
    code, err = cli(tmp_path, text)
    assert code == 2 and re.match(re.escape(str(tmp_path / "net.yaml")) + r":\d+:\d+: error\[E\d{3}\]: ", err), err
