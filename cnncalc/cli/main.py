"""The console script ``cnncalc``: a well-formed command line runs straight away (:mod:`.fast`);
anything else — ``--help``, a usage error, shell completion — goes to typer (:mod:`.app`)."""

from __future__ import annotations

import gc
import sys
from typing import Any

from cnncalc.cli.streams import Exit, finish, stdout_failed


def main(argv: list[str] | None = None) -> None:
    """Run one command; make sure what it wrote reached standard output; exit with its status."""
    args = sys.argv[1:] if argv is None else argv
    code: Any = 0
    # One short-lived run whose data holds no reference cycles: reference counting frees it all,
    # and the cycle collector would only walk it again and again (15 % of a 10,000-layer summary,
    # 7 % of ResNet-50's; peak memory the same, benchmarks/run.py).  Restored for callers in-process.
    collecting = gc.isenabled()
    gc.disable()
    try:
        code = _run(args)
    finally:
        if collecting:
            gc.enable()
    sys.exit(code)


def _run(args: list[str]) -> Any:
    code: Any = 0
    try:
        try:
            from cnncalc.cli.fast import run

            handled = run(args)
            if handled is None:  # not a plain command line: typer parses it, and reports what is wrong
                from cnncalc.cli.app import app

                app(args, prog_name="cnncalc")
            else:
                code = handled
        except SystemExit as exc:
            code = exc.code
        except OSError as exc:  # typer itself writing help or usage to a failing stream
            stdout_failed(exc.strerror or str(exc))
        finish()
    except Exit as exc:
        code = exc.code
    return code
