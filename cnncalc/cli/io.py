"""Writing output files safely: atomically, and never over the spec being read.

A reader of the target (or a crash half-way) sees either the old file or the
whole new one, never a truncated mix: the text goes to a temporary file in the
same directory, is flushed to disk, and replaces the target with ``os.replace``
(atomic on POSIX and Windows).  A symbolic link as the target is followed, as a
shell redirection would: the file it points to is replaced.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cnncalc.errors import CnnCalcError, SourcePos


class OutputError(CnnCalcError):
    """An output file cannot or must not be written."""

    code = "E400"


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file (through links, ``..`` and hard links)."""
    try:
        return a.resolve() == b.resolve() or os.path.samefile(a, b)
    except OSError:  # either does not exist (yet): not the same file
        return False


def write_text_atomic(path: str | Path, text: str, *, protect: Iterable[str | Path] = ()) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically.

    Refuses, with an :class:`OutputError`, to write over any ``protect`` path
    (the input spec) or a path that resolves to it, and turns operating-system
    failures (missing directory, no permission) into positioned user errors.
    A new file gets the usual permissions (0666 less the umask); a replaced one
    keeps its mode.
    """
    target = Path(path)
    where = SourcePos(str(path), 1, 1)
    for p in protect:
        if str(p) != "-" and _same_file(target, Path(p)):
            raise OutputError(
                f"refusing to write over the input spec {p}",
                where,
                hint="choose another output file with -o",
                code="E401",
            )
    real = target.resolve()
    if real.is_dir():
        raise OutputError(f"{path} is a directory", where, code="E402")
    tmp = real.with_name(f".{real.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}", where, code="E402") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if real.exists():
            os.chmod(tmp, real.stat().st_mode & 0o7777)
        os.replace(tmp, real)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}", where, code="E402") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
