"""Timing whole commands for the benchmarks: paired runs, medians, ratios, peak memory.

Every figure is a median over paired runs (A B A B ...), so a machine whose speed drifts
moves both sides of a ratio alike.  Peak memory is the child's own maximum resident set
(``os.wait4``).  Python runs with a bytecode cache (``PYTHONPYCACHEPREFIX``), as an
installed package has, even where the environment disables writing bytecode.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CACHE = Path(tempfile.gettempdir()) / "cnncalc-bench-pycache"
ENV = {**os.environ, "PYTHONPYCACHEPREFIX": str(CACHE), "PYTHONDONTWRITEBYTECODE": "", "NO_COLOR": "1"}
ENV.pop("PYTHONDONTWRITEBYTECODE")


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_kib: int


def run(cmd: list[str], tty: bool = False) -> Run:
    """One run of ``cmd``; its output goes to a pipe, or to a pseudo-terminal with ``tty``."""
    start = time.perf_counter()
    if tty:
        import pty

        master, slave = pty.openpty()
        proc = subprocess.Popen(cmd, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, env={**ENV, "COLUMNS": "120"})
        os.close(slave)
        while True:  # drain the terminal so the child never blocks on a full buffer
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
        os.close(master)
    else:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                env=ENV)
        assert proc.stdout is not None
        while proc.stdout.read(65536):
            pass
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return Run(seconds, usage.ru_maxrss)


def paired(a: list[str], b: list[str], repeat: int, tty: bool = False) -> tuple[Run, Run, float]:
    """Medians of A and of B over ``repeat`` pairs, and the median of the pairwise ratios A/B."""
    run(a, tty), run(b, tty)  # warm the bytecode cache and the file system
    ra, rb = [], []
    for _ in range(repeat):
        ra.append(run(a, tty))
        rb.append(run(b, tty))
    ratio = statistics.median(x.seconds / y.seconds for x, y in zip(ra, rb))
    med = lambda rs: Run(statistics.median(r.seconds for r in rs), int(statistics.median(r.peak_kib for r in rs)))
    return med(ra), med(rb), ratio


def cnncalc(*args: str) -> list[str]:
    """The console script a user runs (beside this Python), or ``python -m cnncalc`` without one."""
    script = Path(sys.executable).with_name("cnncalc")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "cnncalc", *args]


def line(label: str, a: Run, b: Run, ratio: float, goal: str = "") -> str:
    return (f"{label:<58} {a.seconds * 1000:8.1f} ms vs {b.seconds * 1000:8.1f} ms   ratio {ratio:5.2f}"
            + (f"   (goal {goal})" if goal else ""))
