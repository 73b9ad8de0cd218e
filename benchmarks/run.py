"""cnncalc's performance report: start-up, scale, sizes, budget, and the comparison with torchinfo.

Run: ``python benchmarks/run.py [--quick] [--only startup,scale,sizes,budget,torchinfo]``.
Every line is a ratio (to the minimal typer app, to a single summary, between sizes) with the
goal from issue 13 beside it; CI runs it as a report and never fails on it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import ENV, Run, cnncalc, line, paired

ROOT = Path(__file__).resolve().parent.parent
RESNET50 = str(ROOT / "specs" / "resnet50.yaml")
FLOOR = [sys.executable, str(Path(__file__).with_name("typer_floor.py")), RESNET50, "-f", "table"]


def layers_spec(n: int, directory: Path) -> str:
    """A plain spec of ``n`` layers (conv, bn, relu triples) on a 64x64x16 input."""
    path = directory / f"layers{n}.yaml"
    kinds = ["  - conv: {filters: 16, kernel: 3, padding: 1, bias: false}", "  - bn", "  - relu"]
    path.write_text("\n".join(["name: bench", "input: 64x64x16", "layers:", *(kinds[i % 3] for i in range(n))]) + "\n")
    return str(path)


def startup(repeat: int, tmp: Path) -> None:
    print("start-up (summary of ResNet-50 and a calc one-liner, against a minimal typer app)")
    a, b, r = paired(cnncalc("summary", RESNET50), FLOOR, repeat)
    print(line("  summary resnet50, piped", a, b, r, "<= 0.6"))
    a, b, r = paired(cnncalc("summary", RESNET50), FLOOR, repeat, tty=True)
    print(line("  summary resnet50, on a terminal", a, b, r, "<= 0.9"))
    calc = cnncalc("calc", "28x28x192", "conv: {filters: 32, kernel: 5, padding: same}")
    a, b, r = paired(calc, FLOOR, repeat)
    print(line("  calc one-liner, piped", a, b, r, "<= 0.6"))


def scale(repeat: int, tmp: Path, quick: bool) -> None:
    print("scale (plain specs of conv/bn/relu)")
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 50_000]
    runs: dict[int, Run] = {}
    for n in sizes:
        spec = layers_spec(n, tmp)
        a, b, r = paired(cnncalc("summary", spec), FLOOR, repeat)
        runs[n] = a
        print(line(f"  summary, {n:,} layers, piped", a, b, r, "<= 3.5 at 10,000"))
        a, b, r = paired(cnncalc("summary", spec, "-f", "json"), FLOOR, repeat)
        print(line(f"  summary -f json, {n:,} layers", a, b, r))
    if 50_000 in runs:
        t = runs[50_000].seconds / runs[10_000].seconds
        m = runs[50_000].peak_kib / runs[10_000].peak_kib
        print(f"  50,000 / 10,000 layers: time x{t:.2f} (goal <= 5.2), peak memory x{m:.2f}"
              f" ({runs[10_000].peak_kib // 1024} MiB -> {runs[50_000].peak_kib // 1024} MiB)")


def sizes(repeat: int, tmp: Path) -> None:
    print("sizes (shapes only: against one summary of the same spec)")
    single = cnncalc("summary", RESNET50)
    a, b, r = paired(cnncalc("sizes", RESNET50, "--min", "1", "--max", "1000"), single, repeat)
    print(line("  sizes resnet50 over 1,000 sizes", a, b, r, "<= 1.5"))
    inputs = [arg for n in range(100) for arg in ("-i", f"{160 + 2 * n}x{160 + 2 * n}x3")]
    a, b, r = paired(cnncalc("summary", RESNET50, *inputs), single, repeat)
    print(line("  summary resnet50 with 100 --input sizes", a, b, r, "<= 1.5"))


def budget(repeat: int, tmp: Path) -> None:
    probe = subprocess.run(cnncalc("budget", "--help"), check=False, capture_output=True, env=ENV)
    if probe.returncode != 0:
        print("budget: no `cnncalc budget` command in this version")
        return
    print("budget (a training step, against summary of the same spec)")
    a, b, r = paired(cnncalc("budget", RESNET50, "--batch", "64"), cnncalc("summary", RESNET50), repeat)
    print(line("  budget resnet50 --batch 64", a, b, r, "<= 1.2"))
    spec = layers_spec(10_000, tmp)
    a, b, r = paired(cnncalc("budget", spec), cnncalc("summary", spec), repeat)
    print(line("  budget, 10,000 layers", a, b, r, "<= 1.2"))


def torchinfo(repeat: int, tmp: Path) -> None:
    # asked in a child: importing torch here would swell this process, and a child forked from it
    # starts with this process's resident memory in its peak (ru_maxrss), cnncalc's included
    if subprocess.run([sys.executable, "-c", "import torchinfo"], capture_output=True, check=False).returncode:
        print("torchinfo: not installed (pip install torchinfo) — comparison skipped")
        return
    model = tmp / "resnet50_model.py"
    exported = subprocess.run(cnncalc("export", RESNET50, "--to", "pytorch"), capture_output=True, text=True, env=ENV,
                              check=True).stdout
    model.write_text(exported + "\n\nif __name__ == '__torchinfo__':\n    pass\n")
    script = tmp / "run_torchinfo.py"
    script.write_text("import sys, runpy\nfrom torchinfo import summary\n"
                      f"mod = runpy.run_path({str(model)!r}, run_name='model')\n"
                      "print(summary(mod['build_model'](), input_size=mod['INPUT_SHAPE'], verbose=0))\n")
    a, b, r = paired(cnncalc("summary", RESNET50), [sys.executable, str(script)], repeat)
    print("torchinfo (the same ResNet-50 in PyTorch)")
    print(line("  cnncalc summary vs torchinfo.summary", a, b, r, "<= 0.05, i.e. >= 20x faster")
          + f"   ({1 / r:.1f}x faster)")
    print(f"  peak memory: cnncalc {a.peak_kib // 1024} MiB, torchinfo {b.peak_kib // 1024} MiB:"
          f" {b.peak_kib / a.peak_kib:.1f}x less (goal >= 8x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs and no 50,000-layer spec (CI)")
    parser.add_argument("--only", default="startup,scale,sizes,budget,torchinfo")
    args = parser.parse_args()
    repeat = 3 if args.quick else 7
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, fn in (("startup", lambda: startup(repeat, tmp)), ("scale", lambda: scale(repeat, tmp, args.quick)),
                         ("sizes", lambda: sizes(repeat, tmp)), ("budget", lambda: budget(repeat, tmp)),
                         ("torchinfo", lambda: torchinfo(repeat, tmp))):
            if name in only:
                fn()
    shutil.rmtree(Path(tempfile.gettempdir()) / "cnncalc-bench-pycache", ignore_errors=True)


if __name__ == "__main__":
    main()
