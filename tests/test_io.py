"""cnncalc.cli.io: ``export -o`` never destroys what the user owns.

Each case was a bug: the text was renamed over whatever the target was (a device node became a
regular file, a FIFO's reader got nothing, an appending redirection lost its content, a
read-only file and the spec read from standard input were replaced).  The subprocess cases run
the real command with real file descriptors.  And the input spec is never written over; a
failed write leaves the old file whole, with no temporary behind.
"""

from __future__ import annotations

import os
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from invoke import CONSOLE
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).parent.parent
LENET_PATH = ROOT / "specs" / "lenet5.yaml"
LENET = str(LENET_PATH)
runner = CliRunner()


def export(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, ["export", LENET, "--to", "pytorch", *args])
    return res.exit_code, res.stdout, res.stderr


def cnncalc(*args: str, **kw: Any) -> subprocess.CompletedProcess[bytes]:
    """The real command in a child process (real file descriptors), this checkout first on the path."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*CONSOLE, *args], env=env, capture_output="stdout" not in kw,
                          timeout=60, check=False, **kw)


CODE = export()[1]  # what -o should write: the same text as standard output gets


def test_the_exported_module_is_what_stdout_gets() -> None:
    assert CODE.startswith('"""lenet5: a PyTorch model') and "class " in CODE and "def build_model" in CODE


def test_dash_and_dev_stdout_write_to_standard_output(tmp_path: Path) -> None:
    assert export("-o", "-")[1] == CODE
    out = tmp_path / "out.py"
    with out.open("wb") as f:
        assert cnncalc("export", LENET, "--to", "pytorch", "-o", "/dev/stdout", stdout=f).returncode == 0
    assert out.read_text() == CODE


def test_dev_fd_1_in_an_appending_redirection_appends(tmp_path: Path) -> None:
    """`>> log` with `-o /dev/fd/1` lost the log's content: the file was replaced."""
    log = tmp_path / "log.txt"
    log.write_text("kept\n")
    with log.open("ab") as f:
        assert cnncalc("export", LENET, "--to", "pytorch", "-o", "/dev/fd/1", stdout=f).returncode == 0
    assert log.read_text() == "kept\n" + CODE


def test_a_fifo_is_written_through(tmp_path: Path) -> None:
    """Renaming over a FIFO replaced it by a regular file; its reader got nothing."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()), daemon=True)
    reader.start()
    code = export("-o", str(fifo))[0]
    reader.join(10)
    if reader.is_alive() and stat.S_ISFIFO(fifo.stat().st_mode):  # nothing was written: unblock the reader
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert code == 0
    assert got == [CODE] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_character_device_is_written_through(tmp_path: Path) -> None:
    """A copy of /dev/null became a regular file."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs privileges")
    assert export("-o", str(node))[0] == 0
    assert stat.S_ISCHR(node.stat().st_mode) and sorted(os.listdir(tmp_path)) == ["null"]


def test_a_block_device_is_refused(tmp_path: Path) -> None:
    node = tmp_path / "disk"
    try:
        os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 254))
    except PermissionError:
        pytest.skip("creating a device node needs privileges")
    code, _, err = export("-o", str(node))
    assert code == 2 and "error[E402]: refusing to write to the block device" in err
    assert stat.S_ISBLK(node.stat().st_mode)


def test_a_read_only_file_is_left_alone(tmp_path: Path) -> None:
    """The shell's `>` refuses a read-only file; cnncalc replaced it (as root too: no write bit, no write)."""
    out = tmp_path / "model.py"
    out.write_text("mine\n")
    out.chmod(0o444)
    code, _, err = export("-o", str(out))
    assert code == 2 and "error[E402]" in err and "read-only" in err
    assert out.read_text() == "mine\n" and stat.S_IMODE(out.stat().st_mode) == 0o444


def test_the_spec_read_from_stdin_is_protected(tmp_path: Path) -> None:
    """`export - -o spec.yaml < spec.yaml` replaced the spec being read."""
    spec = tmp_path / "spec.yaml"
    text = Path(LENET).read_text()
    spec.write_text(text)
    with spec.open("rb") as f:
        res = cnncalc("export", "-", "--to", "pytorch", "-o", str(spec), stdin=f)
    assert res.returncode == 2 and b"error[E401]: refusing to write over the input spec" in res.stderr
    assert spec.read_text() == text


def test_a_trailing_slash_never_writes_the_file(tmp_path: Path) -> None:
    """`-o new.py/` wrote new.py."""
    code, _, err = export("-o", str(tmp_path / "new.py") + "/")
    assert code == 2 and "a directory name, not a file" in err
    assert os.listdir(tmp_path) == []


def test_a_long_file_name_is_not_too_long_for_the_temporary_file(tmp_path: Path) -> None:
    """The temporary name added 18 characters: a 248-character name failed (NAME_MAX is 255)."""
    out = tmp_path / ("m" * 245 + ".py")
    code, _, err = export("-o", str(out))
    assert code == 0, err
    assert out.read_text() == CODE and os.listdir(tmp_path) == [out.name]


def test_a_symlink_loop_is_a_user_error(tmp_path: Path) -> None:
    """Path.resolve raised RuntimeError (a traceback) on a loop."""
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    code, _, err = export("-o", str(tmp_path / "a"))
    assert code == 2 and "error[E402]" in err and "symbolic links" in err and "Traceback" not in err


def test_a_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "model.py"
    out.write_text("old\n")
    out.chmod(0o640)
    assert export("-o", str(out))[0] == 0
    assert out.read_text() == CODE and stat.S_IMODE(out.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["model.py"]


# --- the input spec is never written over; a failed write leaves the old file ------------------


def test_output_is_never_written_over_the_input_spec(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_bytes(LENET_PATH.read_bytes())
    (tmp_path / "link.py").symlink_to(spec)
    for target in (spec, tmp_path / "link.py", tmp_path / "." / "net.yaml"):
        res = runner.invoke(app, ["export", str(spec), "--to", "pytorch", "-o", str(target)])
        assert res.exit_code == 2 and "error[E401]" in res.stderr, res.output
        assert spec.read_bytes() == LENET_PATH.read_bytes()


def test_output_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "model.py"
    out.write_text("old contents\n")

    def crash(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", crash)
    res = runner.invoke(app, ["export", str(LENET), "--to", "pytorch", "-o", str(out)])
    assert res.exit_code == 2 and "error[E402]" in res.stderr
    assert out.read_text() == "old contents\n"  # the old file, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py"]  # no temporary left behind
