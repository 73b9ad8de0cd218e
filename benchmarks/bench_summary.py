"""Time `cnncalc summary` on a 1,000-layer spec as a ratio to `python -c "import cnncalc"`.

Run: python benchmarks/bench_summary.py [--repeat N]
Prints the median wall time of each command and their ratio (1.0 would mean the
analysis itself costs nothing beyond starting Python and importing cnncalc).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_spec(n_layers: int) -> str:
    """A plain (block-free) spec of n_layers layers: conv, bn, relu triples."""
    lines = ["name: bench", "input: 64x64x16", "layers:"]
    kinds = ["  - conv: {filters: 16, kernel: 3, padding: 1, bias: false}", "  - bn", "  - relu"]
    lines += [kinds[i % 3] for i in range(n_layers)]
    return "\n".join(lines) + "\n"


def median_time(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--layers", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "bench.yaml"
        spec.write_text(make_spec(args.layers))
        base = median_time([sys.executable, "-c", "import cnncalc"], args.repeat)
        for fmt in ("json", "table"):
            cmd = [sys.executable, "-m", "cnncalc", "summary", str(spec), "--format", fmt]
            t = median_time(cmd, args.repeat)
            print(f"summary --format {fmt:<5} {args.layers} layers: {t * 1000:7.1f} ms   "
                  f"import cnncalc: {base * 1000:6.1f} ms   ratio {t / base:5.2f}")


if __name__ == "__main__":
    main()
