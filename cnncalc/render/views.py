"""The secondary views as text: `cnncalc kinds`, `cnncalc sizes` and the --conventions grids.

The main report (table, JSON, CSV, Markdown) is rendered by :mod:`cnncalc.render`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import MISSING

from cnncalc.analysis.report import Report
from cnncalc.layers.base import REGISTRY, arg_fields
from cnncalc.render.report import both, shape_list, short


def kinds_text() -> str:
    """Every layer kind with its aliases, the first paragraph of its doc and its arguments."""
    out = []
    for name, cls in sorted(REGISTRY.items()):
        if name != cls.kind:
            continue
        doc = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())  # the first paragraph
        alias = f" (alias {', '.join(cls.aliases)})" if cls.aliases else ""
        out.append(f"{name}{alias}: {doc}")
        for f in arg_fields(cls):
            default = "required" if f.default is MISSING else f"default {f.default}"
            main = " [main]" if f.name == cls.main else ""
            out.append(f"    {f.name}{main}: {f.metadata['doc']} ({default})")
    return "\n".join(out)


def sizes_text(found: list[int], lo: int, hi: int) -> str:
    """Accepted sizes, runs of a constant step written as progressions."""
    if not found:
        return f"no input size from {lo} to {hi} works"
    parts: list[str] = []
    i = 0
    while i < len(found):
        j = i + 1
        step = found[j] - found[i] if j < len(found) else 0
        while j + 1 < len(found) and found[j + 1] - found[j] == step:
            j += 1
        if j - i >= 2:
            parts.append(f"{found[i]} to {found[j]} every {step}")
            i = j + 1
        else:
            parts.append(str(found[i]))
            i += 1
    return f"accepted input sizes (n x n) from {lo} to {hi}: " + ", ".join(parts)


# --- the --conventions view: one MAC column per preset ------------------------------

def conventions_cells(report: Report, per_layer: list[dict[str, int]],
                      flops: bool = False) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """Per layer, its count under each preset; a last TOTAL row (aux heads excluded)."""
    presets = list(per_layer[0]) if per_layer else []
    k = 2 if flops else 1
    unit = "FLOPs" if flops else "MACs"
    columns = [("name", "left"), ("kind", "left"), ("output", "right")]
    columns += [(f"{p} {unit}" if i == 0 else p, "right") for i, p in enumerate(presets)]
    rows = [["  " * len(r.group) + r.name, r.kind, str(r.output), *(f"{k * d[p]:,}" for p in presets)]
            for r, d in zip(report.rows, per_layer)]
    totals = {p: sum(d[p] for d, r in zip(per_layer, report.rows) if not r.aux) for p in presets}
    rows.append(["TOTAL", "", str(report.output), *(f"{k * totals[p]:,}" for p in presets)])
    return columns, rows


def aligned(head: str, columns: list[tuple[str, str]], rows: list[list[str]]) -> str:
    """A plain aligned text table under a title line."""
    widths = [max([len(name), *(len(r[i]) for r in rows)]) for i, (name, _) in enumerate(columns)]

    def fmt(values: list[str]) -> str:
        parts = [v.ljust(w) if just == "left" else v.rjust(w) for v, w, (_, just) in zip(values, widths, columns)]
        return "  " + "   ".join(parts).rstrip()

    out = [head, "", fmt([name for name, _ in columns]), " " + "─" * (sum(widths) + 3 * len(widths))]
    return "\n".join([*out, *(fmt(r) for r in rows)]) + "\n"


def markdown_grid(head: str, columns: list[tuple[str, str]], rows: list[list[str]]) -> str:
    out = [f"### {head}", "", "| " + " | ".join(c for c, _ in columns) + " |",
           "|" + "|".join("--:" if j == "right" else "---" for _, j in columns) + "|"]
    out += ["| " + " | ".join(cell.strip() for cell in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def csv_grid(columns: list[tuple[str, str]], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in columns])
    w.writerows([[cell.strip().replace(",", "") for cell in r] for r in rows])
    return buf.getvalue()


def conventions_json(report: Report, per_layer: list[dict[str, int]]) -> str:
    presets = list(per_layer[0]) if per_layer else []
    layers = [{"name": r.name, "kind": r.kind, "output": shape_list(r.output), "macs": d}
              for r, d in zip(report.rows, per_layer)]
    totals = {p: sum(d[p] for d, r in zip(per_layer, report.rows) if not r.aux) for p in presets}
    return json.dumps({"name": report.name, "layers": layers, "totals": {"macs": totals}}, indent=2)



# --- summary --input A --input B: one row per input size ------------------------------

def inputs_cells(reports: list[Report], flops: bool = False) -> tuple[list[tuple[str, str]], list[list[str]]]:
    """Per input size: output, parameters, MACs (or FLOPs) and activation memory."""
    k, unit = (2, "FLOPs") if flops else (1, "MACs")
    columns = [("input", "right"), ("output", "right"), ("params", "right"), (unit, "right"),
               ("activations", "right"), ("float32", "right")]
    rows = [[str(r.input), str(r.output), both(r.totals.params), both(k * r.totals.macs),
             both(r.totals.activations), f"{short(4 * r.totals.activations)}B"] for r in reports]
    return columns, rows


def inputs_json(reports: list[Report]) -> str:
    return json.dumps([{"input": shape_list(r.input), "output": shape_list(r.output), "params": r.totals.params,
                        "macs": r.totals.macs, "flops": r.totals.flops, "activations": r.totals.activations,
                        "activation_bytes": 4 * r.totals.activations} for r in reports], indent=2)
