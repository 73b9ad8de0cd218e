"""Writing an output file (``export -o``) without destroying anything the user owns.

What ``-o PATH`` does depends on what PATH is, as a careful shell redirection would:

* ``-`` or the very file standard output already writes to (``/dev/stdout``, ``/dev/fd/1``,
  or the file of ``>> log``): the text goes to standard output, so an appending redirection
  still appends;
* a new path, or a regular file the user may write: written atomically — a temporary file in
  the same directory (a short name, so a 250-character target still fits), flushed to disk,
  renamed over the target, the target's mode kept.  A reader never sees half a file;
* a FIFO, a character device (``/dev/null``, a terminal) or a socket: written through, opened
  as it is (renaming over it would replace the device node by a regular file);
* refused, with a positioned error, nothing touched: the spec being read (by any name, hard
  links and standard input included), a read-only file, a directory or a path ending in ``/``,
  a block device, a missing directory, a symbolic-link loop.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from cnncalc.errors import CnnCalcError, SourcePos, shown


class OutputError(CnnCalcError):
    """An output file cannot or must not be written."""

    code = "E400"


def _name(path: str | Path) -> str:
    """A path as a message quotes it: controls made visible, clipped to 120 characters."""
    return shown(str(path), 120)


def _error(path: str | Path, message: str, *, code: str, hint: str | None = None) -> OutputError:
    return OutputError(message, SourcePos(shown(str(path), 200), 1, 1), hint=hint, code=code)


def _stat(path: str | Path) -> os.stat_result | None:
    """``os.stat`` (links followed) of ``path``; None when nothing is there yet."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ENOTDIR:
            raise _error(path, f"cannot write {_name(path)}: a part of the path is not a directory", code="E402") from None
        if exc.errno == errno.ELOOP:
            raise _error(path, f"cannot write {_name(path)}: too many levels of symbolic links", code="E402") from None
        raise _error(path, f"cannot write {_name(path)}: {exc.strerror or exc}", code="E402") from None


def _fd_stat(fd: int) -> os.stat_result | None:
    try:
        return os.fstat(fd)
    except (OSError, ValueError):
        return None


def _same(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _stdout_stat() -> os.stat_result | None:
    try:
        return _fd_stat(sys.stdout.fileno()) if sys.stdout is not None else None
    except (OSError, ValueError, AttributeError):  # a test runner's stream has no descriptor
        return None


def goes_to_stdout(path: str) -> bool:
    """Whether ``-o path`` means standard output: ``-``, or the file standard output writes to."""
    if path in ("-", "/dev/stdout"):
        return True
    try:
        target = os.stat(path)
    except OSError:
        return False
    return _same(target, _stdout_stat())


def _protect(path: str | Path, target: os.stat_result, protect: Iterable[str | Path]) -> None:
    """Refuse to write over the spec being read: by its name, a link to it, or as standard input."""
    for p in protect:
        spec = _fd_stat(0) if str(p) == "-" else _stat(p)
        if _same(target, spec):
            raise _error(path, f"refusing to write over the input spec {_name(p)}",
                         hint="choose another output file with -o", code="E401")


def write_output(path: str, text: str | bytes, *, protect: Iterable[str | Path] = ()) -> None:
    """Write ``text`` (UTF-8; or bytes, an image) to ``path`` as the module docstring says;
    ``path`` is not standard output (see :func:`goes_to_stdout`)."""
    if not path:
        raise _error(path, "-o needs a file name", hint="give a file name, or - for standard output", code="E402")
    target = _stat(path)
    if path.endswith(("/", os.sep)) and (target is None or not stat.S_ISDIR(target.st_mode)):
        raise _error(path, f"{_name(path)} ends in '{path[-1]}': a directory name, not a file",
                     hint="give the file name without the trailing slash", code="E402")
    if target is None:
        write_text_atomic(path, text)
        return
    _protect(path, target, protect)
    mode = target.st_mode
    if stat.S_ISDIR(mode):
        raise _error(path, f"{_name(path)} is a directory", code="E402")
    if stat.S_ISBLK(mode):
        raise _error(path, f"refusing to write to the block device {_name(path)}", hint="write to a file", code="E402")
    if not stat.S_ISREG(mode):  # FIFO, character device, socket: write through, as a shell would
        _write_through(path, text)
        return
    if not os.access(path, os.W_OK) or not mode & 0o222:
        raise _error(path, f"{_name(path)} is read-only; it was left as it is",
                     hint="make it writable (chmod u+w) or choose another output file", code="E402")
    write_text_atomic(path, text)


def _write_through(path: str | Path, text: str | bytes) -> None:
    try:
        with open(path, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
    except OSError as exc:
        raise _error(path, f"cannot write {_name(path)}: {exc.strerror or exc}", code="E402") from None


def write_text_atomic(path: str | Path, text: str | bytes, *, protect: Iterable[str | Path] = ()) -> None:
    """Write ``text`` (UTF-8; or bytes) to the regular file ``path`` atomically.

    Refuses, with an :class:`OutputError`, to write over any ``protect`` path (the input
    spec), and turns operating-system failures (missing directory, no permission, no space)
    into positioned user errors.  A new file gets the usual permissions (0666 less the umask);
    a replaced one keeps its mode.
    """
    target = _stat(path)
    if target is not None:
        _protect(path, target, protect)
        if stat.S_ISDIR(target.st_mode):
            raise _error(path, f"{_name(path)} is a directory", code="E402")
    real = Path(os.path.realpath(path))
    tmp = real.with_name(f".cnncalc-{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except PermissionError:
        if target is None:
            raise _error(path, f"cannot write {_name(path)}: Permission denied", code="E402") from None
        _write_through(path, text)  # a writable file in a directory we may not add to: as a shell would
        return
    except OSError as exc:
        raise _error(path, f"cannot write {_name(path)}: {exc.strerror or exc}", code="E402") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8") if isinstance(text, str) else text)
            f.flush()
            os.fsync(f.fileno())
        if target is not None:
            os.chmod(tmp, stat.S_IMODE(target.st_mode))
        os.replace(tmp, real)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _error(path, f"cannot write {_name(path)}: {exc.strerror or exc}", code="E402") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
