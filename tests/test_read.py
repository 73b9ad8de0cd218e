"""Reading spec files and standard input (cnncalc/source/read.py): UTF-8 only (a BOM is fine;
Latin-1 and UTF-16 are refused with a position or a hint), and never more than --max-bytes,
even from an endless file."""

from __future__ import annotations

from pathlib import Path

import pytest
from failing import F, cli
from typer.testing import CliRunner

from cnncalc.cli.app import app
from cnncalc.errors import CnnCalcError, LimitError, SourcePos
from cnncalc.limits import Limits
from cnncalc.source.read import decode_source, read_source

runner = CliRunner()


def test_non_utf8_file_is_refused_at_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("input: 8x8x3\n# café\nlayers: [relu]\n".encode("latin-1"))
    with pytest.raises(CnnCalcError) as info:
        read_source(path)
    # "# caf" is 5 characters, so the Latin-1 é (0xe9) is column 6 of line 2
    assert info.value.code == "E100" and info.value.pos == SourcePos(str(path), 2, 6)


def test_utf16_file_gets_a_hint() -> None:
    with pytest.raises(CnnCalcError) as info:
        decode_source("input: 8x8x3\n".encode("utf-16"), F)
    assert info.value.code == "E100" and info.value.hint is not None and "UTF-16" in info.value.hint


def test_utf8_bom_is_accepted() -> None:
    assert decode_source(b"\xef\xbb\xbfinput: 8x8x3\n", F) == "input: 8x8x3\n"


def test_oversized_file_is_refused_and_the_flag_raises_the_limit(tmp_path: Path) -> None:
    text = "input: 8x8x3\nlayers: [relu]\n"  # 28 bytes
    code, err = cli(tmp_path, text, "--max-bytes", "27")
    assert code == 2 and "error[E152]" in err and "--max-bytes" in err
    assert cli(tmp_path, text, "--max-bytes", "28")[0] == 0


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_file_is_read_no_further_than_the_limit() -> None:
    with pytest.raises(LimitError) as info:
        read_source("/dev/zero", Limits(max_bytes=1000))
    assert info.value.code == "E152"


def test_standard_input_has_the_same_limit() -> None:
    res = runner.invoke(app, ["summary", "-", "--max-bytes", "10"], input=b"input: 8x8x3\nlayers: [relu]\n")
    assert res.exit_code == 2 and res.stderr.startswith("<stdin>:1:1: error[E152]")
