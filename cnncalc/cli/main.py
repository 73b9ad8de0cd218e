"""The console script ``cnncalc``: a well-formed command line runs straight away (:mod:`.fast`);
anything else — ``--help``, a usage error, shell completion — goes to typer (:mod:`.app`)."""

from __future__ import annotations

import gc
import os
import sys
from typing import Any, NoReturn

from cnncalc.cli.streams import Exit, finish, stdout_failed, write_err


def main(argv: list[str] | None = None) -> None:
    """Run one command (``sys.argv[1:]`` without ``argv``); make sure what it wrote reached
    standard output; raise ``SystemExit`` with its status."""
    sys.exit(_collected(sys.argv[1:] if argv is None else argv))


def console() -> NoReturn:
    """The console script ``cnncalc``: as :func:`main`, but the process ends at once when both
    streams are flushed.  Every file a command wrote is closed by then, and tearing the
    interpreter down would only free memory the system takes back anyway (9 ms of a 90 ms
    summary, benchmarks/run.py).  ``python -m cnncalc`` runs :func:`main`, for the tools that
    wrap a module's run (coverage, profilers)."""
    _end(_collected(sys.argv[1:]))


def _collected(args: list[str]) -> Any:
    # One short-lived run whose data holds no reference cycles: reference counting frees it all,
    # and the cycle collector would only walk it again and again (15 % of a 10,000-layer summary,
    # 7 % of ResNet-50's; peak memory the same, benchmarks/run.py).  Restored for callers in-process.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args)
    finally:
        if collecting:
            gc.enable()


def _end(code: Any) -> NoReturn:
    """Exit with the status ``sys.exit(code)`` would give, skipping the interpreter's teardown."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # as sys.exit does with a message: print it, exit 1
        write_err(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # already reported by finish(); nothing more to say
            pass
    os._exit(status)


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
