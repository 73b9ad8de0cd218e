"""Helpers for specs that must be refused: the error they raise, where it points, what the CLI says;
and the hostile specs several test files share (aliases and repeats that would make billions of
layers, an error deep inside nested blocks).

Texts are analysed as written (not dedented), under the file name ``F``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app
from cnncalc.errors import CnnCalcError, flatten
from cnncalc.limits import Limits

runner = CliRunner()
F = "t.yaml"


def fail(text: str, limits: Limits = Limits()) -> CnnCalcError:
    """The error ``text`` raises (it must raise one)."""
    with pytest.raises(CnnCalcError) as info:
        cnncalc.analyze_text(text, F, limits)
    return info.value


def only(text: str, limits: Limits = Limits()) -> CnnCalcError:
    """The single error ``text`` raises."""
    errors = flatten(fail(text, limits))
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def at(err: CnnCalcError) -> tuple[int, int]:
    """(line, column) of an error in ``F``."""
    assert err.pos is not None and err.pos.file == F
    return err.pos.line, err.pos.col


def cli(tmp_path: Path, text: str | bytes, *args: str) -> tuple[int, str]:
    """``cnncalc summary tmp_path/net.yaml ARGS...``: (exit code, stderr), never a traceback."""
    spec = tmp_path / "net.yaml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    res = runner.invoke(app, ["summary", str(spec), *args])
    assert "Traceback" not in res.output
    return res.exit_code, res.stderr


# A shape error inside `inner`, reached through `outer` then `inner`.
BLOCKS = """input: 8x8x3
blocks:
  inner:
    args: {k: 3}
    layers:
      - conv: {filters: 3, kernel: $k}
  outer:
    args: {k: 3}
    layers:
      - relu
      - inner: {k: $k}
layers:
  - outer: {k: 9}
"""


def _laughs(levels: int) -> str:
    """Nested aliases: level i is ten merges of level i-1, so about 10**levels layers from a dozen lines.

    The anchors sit in the defaults of an unused block, where any YAML may sit.
    """
    lines = ["input: 8x8x3", "blocks:", "  keep:", "    layers: [relu]", "    args:"]
    lines += ["      l0: &l0 [" + ", ".join(["relu"] * 10) + "]"]
    lines += [f"      l{i}: &l{i} [" + ", ".join([f"{{add: [*l{i - 1}, []]}}"] * 10) + "]" for i in range(1, levels)]
    lines += ["layers:", f"  - add: [*l{levels - 1}, []]"]
    return "\n".join(lines) + "\n"


def _repeats(levels: int) -> str:
    """Blocks of blocks, each repeated 1000 times: 1000**levels relus from a few lines."""
    lines = ["input: 8x8x3", "blocks:", "  b0: {layers: [relu]}"]
    lines += [f"  b{i}: {{layers: [{{b{i - 1}: ~, repeat: 1000}}]}}" for i in range(1, levels + 1)]
    return "\n".join([*lines, f"layers: [b{levels}]"]) + "\n"
