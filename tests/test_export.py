"""`cnncalc export --to pytorch` and atomic output files, without PyTorch.

What the exported model computes is checked against PyTorch in tests/test_torch_*.py;
here: every kind has an emitter, the command's options and errors, the generated code
is valid Python that passes ruff, spec names cannot inject code, and writes are atomic
and never touch the input spec.
"""

from __future__ import annotations

import ast
import os
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app
from cnncalc.cli.io import OutputError, write_text_atomic
from cnncalc.export.modules import EMITTERS
from cnncalc.export.pytorch import identifier, to_pytorch
from cnncalc.graph.build import build_graph
from cnncalc.layers import REGISTRY
from cnncalc.spec.parse import parse_spec

runner = CliRunner()
SPECS = sorted((Path(__file__).parent.parent / "specs").glob("*.yaml"))
LENET = str(Path(__file__).parent.parent / "specs" / "lenet5.yaml")

EVERY_KIND = textwrap.dedent("""\
    name: every kind
    input: 16x16x4
    blocks:
      unit:
        args: {f: 4}
        layers: [conv: {filters: $f, kernel: 3, stride: 2, padding: same}, bn, relu]
    layers:
      - unit: 8
        name: u
      - {maxpool: 2, name: down}
      - unpool: down
      - dwconv: {kernel: 3, padding: [0, 1, 1, 0], multiplier: 2}
      - sepconv: {filters: 8, kernel: 3, padding: same}
      - deform_conv: {filters: 8, kernel: 3, padding: 1}
      - deconv: {filters: 8, kernel: 2, stride: 2, padding: [0, 1, 0, 1]}
      - maxpool: {kernel: 3, stride: 2, padding: same, ceil_mode: true}
      - avgpool: {kernel: 2, stride: 1, padding: same}
      - zeropad: 1
      - crop: {to: u}
      - crop: 1
      - scale
      - upsample: {size: [8, 8], mode: bilinear}
      - adaptive_maxpool: 6
      - adaptive_avgpool: [4, 4]
      - se: {reduction: 4, activation: silu, gate: hardsigmoid}
      - channel_shuffle: 2
      - channel_split: {parts: 2, index: 1}
      - lrn: 3
      - groupnorm: 2
      - layernorm
      - dense: 6
      - concat: [[], [global_maxpool, upsample: 4]]
      - add: [[], [relu6, gelu, silu, hardswish, sigmoid, hardsigmoid, tanh, identity, leaky_relu, elu, dropout]]
      - add: [[], [prelu, mish, softplus, instancenorm, pixel_shuffle: 2, pixel_unshuffle: 2, upsample: 2.5,
                   upsample: 0.4, prelu: {per_channel: true}]]
      - multiply: [[], [global_avgpool: {keepdims: false}, dense: 12, sigmoid]]
      - aux: [flatten, dense: 3, softmax]
      - gap
      - flatten
      - bn
      - dense: 10
    """)


def export(text: str, file: str = "net.yaml") -> str:
    return to_pytorch(build_graph(parse_spec(text, file)), file)


def test_every_kind_has_an_emitter() -> None:
    assert {cls.kind for cls in REGISTRY.values()} - set(EMITTERS) == set()


def test_every_kind_spec_uses_every_kind() -> None:
    kinds = {n.kind for n in build_graph(parse_spec(EVERY_KIND, "k.yaml")).nodes}
    assert {cls.kind for cls in REGISTRY.values()} - kinds == set()


def ruff_check(code: str, tmp_path: Path) -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed")
    path = tmp_path / "model.py"
    path.write_text(code, encoding="utf-8")
    # --isolated: the generated file must pass on its own, not under this project's settings
    res = subprocess.run([ruff, "check", "--isolated", "--select", "E,F,W,B,UP", "--line-length", "120", str(path)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_exported_specs_pass_ruff(path: Path, tmp_path: Path) -> None:
    ruff_check(export(path.read_text(encoding="utf-8"), str(path)), tmp_path)


def test_every_kind_passes_ruff_and_says_what_it_cannot_do(tmp_path: Path) -> None:
    code = export(EVERY_KIND)
    ruff_check(code, tmp_path)
    assert "torchvision" in code.split('"""')[1]  # the module docstring names the dependency
    assert "auxiliary heads run only in training mode" in code
    assert "def build_model() -> nn.Module:" in code


def test_long_spec_text_still_fits_the_line_length(tmp_path: Path) -> None:
    """Spec names, layer names, paths and merges of any length export within 120 columns.

    CI once failed only because its checkout path was longer than the developer's: every line that
    carries spec text must wrap, whatever its length."""
    long = "n" * 150
    branches = "".join("      - [conv: {filters: 1, kernel: 1}]\n" for _ in range(12))
    names = "".join(f"  - conv: {{filters: 2, kernel: 1}}\n    name: {long}{i}\n" for i in range(12))
    spec = (f"name: {long}\ninput: 8x8x3\nlayers:\n{names}"
            f"  - concat: [{', '.join(f'{long}{i}' for i in range(12))}]\n    name: {long}é'\"cat\n"
            f"  - aux: [conv: {{filters: 1, kernel: 1}}]\n"
            + f"  - add:\n{branches}    name: {long}add\n")
    source = str(tmp_path / ("deep" * 40) / "net.yaml")
    code = export(spec, source)
    ruff_check(code, tmp_path)
    tree = ast.parse(code)
    layers = next(n for n in tree.body if isinstance(n, ast.AnnAssign))
    mapping = ast.literal_eval(layers.value)
    assert f"{long}é'\"cat" in mapping.values()  # split literals join back to the exact name
    first_paragraph = code.split('"""')[1].split("\n\n")[0]
    assert "".join(first_paragraph.split()).endswith("/" + "deep" * 40 + "/net.yaml.")  # wrapped, not cut


NASTY = ['a"""b', "x\nimport os", "class", "forward", "training", "1x", "é", "__init__", "a_b",
         "'); import os; ('", "\\", "x"]  # "a.b" and "" are refused as layer names (E212): see below


@pytest.mark.parametrize("name", NASTY)
def test_spec_names_cannot_inject_code(name: str) -> None:
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    text = f"name: {quoted}\ninput: 4x4x1\nlayers:\n  - relu:\n    name: {quoted}\n  - conv: {{filters: 1, kernel: 1}}\n"
    tree = ast.parse(export(text))
    top = [type(n).__name__ for n in tree.body]
    # docstring, __future__, import torch, from torch import nn, INPUT_SHAPE, class, LAYERS, build_model, __main__
    assert top == ["Expr", "ImportFrom", "Import", "ImportFrom", "Assign", "ClassDef", "AnnAssign", "FunctionDef",
                   "If"]
    layers = next(n for n in tree.body if isinstance(n, ast.AnnAssign))
    mapping = ast.literal_eval(layers.value)
    assert list(mapping.values()) == [name or "relu1", "conv1"]  # an empty name gets a generated one
    assert all(k.isidentifier() and k.isascii() for k in mapping)


@pytest.mark.parametrize("name", ["a.b", ""])
def test_network_names_refused_for_layers_still_export(name: str) -> None:
    text = f'name: "{name}"\ninput: 4x4x1\nlayers:\n  - relu\n'
    ast.parse(export(text))  # the network's own name is free text, safely quoted
    with pytest.raises(cnncalc.CnnCalcError) as info:
        cnncalc.analyze_text(f'input: 4x4x1\nlayers:\n  - relu:\n    name: "{name}"\n', "n.yaml")
    assert info.value.code == "E212"


def test_identifiers_are_unique_and_not_reserved() -> None:
    taken: set[str] = set()
    got = [identifier(n, taken) for n in ["a.b", "a_b", "a-b", "forward", "x", "9", "_", "parameters"]]
    assert got == ["a_b", "a_b_2", "a_b_3", "forward_", "x_", "layer_9", "layer", "parameters_"]


def test_duplicate_layer_names_still_give_distinct_attributes() -> None:
    text = "input: 4x4x1\nlayers:\n  - conv: {filters: 1, kernel: 1}\n    name: conv2\n  - conv: {filters: 1, kernel: 1}\n" \
           "  - conv: {filters: 1, kernel: 1}\n"
    tree = ast.parse(export(text))
    layers = next(n for n in tree.body if isinstance(n, ast.AnnAssign))
    assert len(ast.literal_eval(layers.value)) == 3


# --- the command ---------------------------------------------------------------------

def test_export_to_stdout_is_the_module() -> None:
    res = runner.invoke(app, ["export", LENET, "--to", "pytorch"])
    assert res.exit_code == 0, res.output
    assert res.stdout == export(Path(LENET).read_text(encoding="utf-8"), LENET)
    compile(res.stdout, "model.py", "exec")


def test_export_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "model.py"
    res = runner.invoke(app, ["export", LENET, "--to", "pytorch", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert res.stdout == ""
    assert "class Lenet5(nn.Module):" in out.read_text(encoding="utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["model.py"]  # no temporary file left


def test_export_reads_stdin() -> None:
    res = runner.invoke(app, ["export", "-", "--to", "pytorch"], input="input: 4\nlayers: [dense: 2]\n")
    assert res.exit_code == 0, res.output
    assert "nn.Linear(4, 2)" in res.stdout


def test_export_needs_a_target() -> None:
    res = runner.invoke(app, ["export", LENET])
    assert res.exit_code == 2
    assert "--to" in res.output


def test_export_spec_error_is_positioned(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: 4x4x1\nlayers:\n  - conv: {filters: 1, kernel: 9}\n")
    res = runner.invoke(app, ["export", str(spec), "--to", "pytorch", "-o", str(tmp_path / "m.py")])
    assert res.exit_code == 2
    assert f"{spec}:3:5: error[E302]" in res.stderr
    assert not (tmp_path / "m.py").exists()


@pytest.mark.parametrize("how", ["same path", "dot-dot", "symlink", "hard link"])
def test_export_refuses_to_overwrite_the_spec(tmp_path: Path, how: str) -> None:
    spec = tmp_path / "net.yaml"
    text = "input: 4\nlayers: [dense: 2]\n"
    spec.write_text(text)
    (tmp_path / "sub").mkdir()
    out = {"same path": spec, "dot-dot": tmp_path / "sub" / ".." / "net.yaml", "symlink": tmp_path / "link.py",
           "hard link": tmp_path / "hard.py"}[how]
    if how == "symlink":
        out.symlink_to(spec)
    if how == "hard link":
        os.link(spec, out)
    res = runner.invoke(app, ["export", str(spec), "--to", "pytorch", "-o", str(out)])
    assert res.exit_code == 2
    assert "error[E401]: refusing to write over the input spec" in res.stderr
    assert spec.read_text() == text


def test_export_into_a_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["export", LENET, "--to", "pytorch", "-o", str(tmp_path / "no" / "m.py")])
    assert res.exit_code == 2
    assert "error[E402]: cannot write" in res.stderr


# --- atomic writes ---------------------------------------------------------------------

def test_atomic_write_replaces_and_keeps_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(target, "new ✓")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640  # 0666 & ~0027


def test_atomic_write_through_a_symlink_replaces_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_atomic_write_failure_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def boom(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OutputError) as info:
        write_text_atomic(target, "new")
    assert info.value.code == "E402" and "No space left on device" in info.value.message
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        write_text_atomic(tmp_path, "x")
    assert info.value.code == "E402" and info.value.pos is not None
