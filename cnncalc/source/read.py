"""Reading spec text: a file or standard input, size-limited, decoded as UTF-8 with positioned errors."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from cnncalc.errors import LimitError, SourcePos, SpecError
from cnncalc.limits import Limits


def read_source(path: str | Path, limits: Limits = Limits()) -> str:
    """Read a spec file as UTF-8 text, refusing oversized or binary files.

    At most ``max_bytes + 1`` bytes are read, whatever the file claims to be
    (``/dev/zero`` or a growing pipe included).
    """
    try:
        with open(path, "rb") as f:
            data = f.read(limits.max_bytes + 1)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise SpecError(f"cannot read spec: {why}", SourcePos(str(path), 1, 1), code="E100") from None
    return decode_source(data, str(path), limits)


def read_stream(stream: BinaryIO, name: str = "<stdin>", limits: Limits = Limits()) -> str:
    """Read a spec from a binary stream (standard input), with the checks of :func:`read_source`."""
    return decode_source(stream.read(limits.max_bytes + 1), name, limits)


def decode_source(data: bytes, name: str, limits: Limits = Limits()) -> str:
    """UTF-8 text of a spec (a leading BOM dropped); size and encoding errors positioned."""
    if len(data) > limits.max_bytes:
        raise LimitError(
            f"spec is larger than the {limits.max_bytes:,} byte limit (raise it with --max-bytes)",
            SourcePos(name, 1, 1),
            code="E152",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[start : exc.start].decode("utf-8", errors="replace")) + 1
        hint = "save the file as UTF-8"
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            hint += " (it looks like UTF-16)"
        elif b"\x00" in data[:1024]:
            hint = "is this a binary file?"
        raise SpecError(
            f"spec is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot start or continue a character",
            SourcePos(name, line, col),
            hint=hint,
            code="E100",
        ) from None
