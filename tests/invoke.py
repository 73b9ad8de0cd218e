"""Run a cnncalc command on spec text, as a user would: the text goes into a file, typer runs."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cnncalc.cli.app import app

runner = CliRunner()

# The console script as a child process runs it (it ends with os._exit once its streams are
# flushed); ``python -m cnncalc`` runs main(), which ends through SystemExit.
CONSOLE = [sys.executable, "-c", "from cnncalc.cli.main import console; console()"]


def cli(tmp_path: Path, text: str, *args: str, command: str = "summary") -> Any:
    """``cnncalc COMMAND tmp_path/c.yaml ARGS...`` on ``text`` (dedented); typer's result."""
    spec = tmp_path / "c.yaml"
    spec.write_text(textwrap.dedent(text))
    return runner.invoke(app, [command, str(spec), *args])
