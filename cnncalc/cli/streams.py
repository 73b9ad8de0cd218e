"""Standard output and standard error: every write checked, never a traceback, never a silent loss.

* Standard output closed (``cnncalc summary x >&-``), full (``> /dev/full``) or failing: a message
  on standard error and exit status 2 — a script never takes "nothing written" for success.
* Its reader gone (``| head -1``): exit quietly with status 141, as a process killed by SIGPIPE.
* A stream that cannot encode a character (``PYTHONIOENCODING=cp1252``, an ASCII locale): the
  table's own characters fall back to ASCII (``─`` -> ``-``, ``−`` -> ``-``, ``✓`` -> ``+``) and any
  other is written as an escape (``\\u4e2d``), never a ``UnicodeEncodeError``.
"""

from __future__ import annotations

import os
import sys
from typing import NoReturn, TextIO


class Exit(Exception):
    """End the command with this exit status (what it had to say is already written)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code


BROKEN_PIPE = 141  # 128 + SIGPIPE: what the shell reports for a writer whose reader went away

ASCII = str.maketrans({"─": "-", "−": "-", "—": "--", "×": "x", "·": "*", "²": "^2", "→": "->", "…": "...",
                       "✓": "+", "✗": "x", "▸": ">", "≥": ">=", "≤": "<=", "β": "beta", "γ": "gamma", "Δ": "d"})


def encodable(stream: TextIO, text: str) -> str:
    """``text`` as ``stream`` can encode it: unchanged when it can, else with the ASCII fallback."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    # Tested strictly: standard error's own 'backslashreplace' would accept '−' as '\u2212'.
    # Lone surrogates (undecodable bytes of a file name) go back out as those bytes where the
    # stream says so.
    errors = "surrogateescape" if getattr(stream, "errors", None) == "surrogateescape" else "strict"
    try:
        text.encode(encoding, errors)
        return text
    except UnicodeEncodeError:
        return text.translate(ASCII).encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: let the stream decide
        return text


def _silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        fd = sys.stdout.fileno() if sys.stdout is not None else 1
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real descriptor (a test runner's stream)
        pass


def stdout_failed(why: str) -> NoReturn:
    """Standard output cannot take what cnncalc has to say: say so on standard error, exit 2."""
    _silence_stdout()
    write_err(f"error: cannot write to standard output: {why}\n")
    raise Exit(2)


def write_out(text: str) -> None:
    """Write ``text`` to standard output and flush it, so that a failure is reported here."""
    stream = sys.stdout
    if stream is None:  # the descriptor was closed before the interpreter started
        stdout_failed("it is closed; nothing was written")
    try:
        stream.write(encodable(stream, text))
        stream.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise Exit(BROKEN_PIPE) from None
    except OSError as exc:
        stdout_failed(exc.strerror or str(exc))
    except ValueError:  # "I/O operation on closed file"
        stdout_failed("it is closed")


def write_err(text: str) -> None:
    """Write ``text`` to standard error; when even that fails there is no one left to tell."""
    stream = sys.stderr
    if stream is None:
        return
    try:
        stream.write(encodable(stream, text))
        stream.flush()
    except (OSError, ValueError):
        pass


def finish() -> None:
    """Flush standard output at the end of a command (text buffered by a library still counts)."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise Exit(BROKEN_PIPE) from None
    except (OSError, ValueError) as exc:
        stdout_failed(getattr(exc, "strerror", None) or str(exc))
