"""A training budget as text, JSON, CSV and Markdown (``cnncalc budget``).  Every figure is for the
whole batch and labelled with its unit; machine formats carry raw integers."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cnncalc.analysis.budget import Budget, LayerTime, totals
from cnncalc.records import record
from cnncalc.render.layout import Cell, Column, Grid, Role
from cnncalc.render.text import safe, short


def nbytes(n: int) -> str:
    """Bytes as people read them: 1,234,567,890 B (1.15 GiB)."""
    if n < 1024:
        return f"{n:,} B"
    units = (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10))
    name, size = next((u for u in units if n >= u[1]), units[-1])
    return f"{n:,} B ({n / size:.2f} {name})"


@record(frozen=True, slots=True)
class Extras:
    """What the command adds beside the step: the batch that fits, time on a device, what-ifs."""

    memory: int | None = None
    fit: Budget | None = None  # the budget at the largest batch that fits (None: nothing fits)
    device: str = ""
    utilization: float = 0.0
    times: tuple[LayerTime, ...] = ()
    step_seconds: float = 0.0
    samples: int | None = None
    epochs: int | None = None
    total_flops: int | None = None
    device_hours: float | None = None
    what_if: tuple[tuple[str, Budget | str], ...] = ()


def _title(b: Budget) -> str:
    s = b.setup
    mode = f"{s.dtype} autocast (fp32 parameters)" if s.amp else s.dtype
    return (f"{safe(b.step.report.name)}: one training step, batch {s.batch}, {mode}, {s.optimizer};"
            f" input {b.step.report.input}")


def grid(b: Budget, extras: Extras) -> Grid:
    """Per layer: forward and backward MACs (input and weight gradients), kept bytes, and the
    roofline estimate when a device is given."""
    columns = [Column("name", role=Role.LABEL), Column("kind", role=Role.LABEL), Column("output", True),
               Column("forward MACs", True, Role.NUMBER), Column("grad input MACs", True, Role.NUMBER),
               Column("grad weight MACs", True, Role.NUMBER), Column("kept bytes", True, Role.NUMBER)]
    timed = {id(t.layer): t for t in extras.times}
    if timed:
        columns += [Column("FLOP/byte", True), Column("bound"), Column("est. ms", True, Role.NUMBER)]
    rows = []
    for ls in b.step.layers:
        r = ls.row
        cells = [Cell("  " * len(r.group) + safe(r.name)), Cell(safe(r.kind)), Cell(str(r.output)),
                 Cell(f"{ls.forward_macs:,}"), Cell(f"{ls.grad_input_macs:,}"), Cell(f"{ls.grad_weight_macs:,}"),
                 Cell(f"{ls.owned_bytes:,}")]
        if timed:
            t = timed[id(ls)]
            cells += [Cell(f"{t.intensity:.1f}" if t.bytes else "-"), Cell("compute" if t.compute_bound else "memory"),
                      Cell(f"{t.seconds * 1000:.3f}")]
        rows.append(cells)
    return Grid(_title(b), tuple(columns), tuple(tuple(r) for r in rows), tuple(footer(b, extras)))


def footer(b: Budget, extras: Extras) -> list[str]:
    """The totals, the peak model, and what the options asked for."""
    s = b.step
    copies = f"; autocast weight copies {nbytes(s.weight_copy_bytes)} of it" if s.weight_copy_bytes else ""
    input_note = " among them" if s.input_kept else ", not kept"
    out = [
        (f"parameters {nbytes(b.param_bytes)}, gradients {nbytes(b.grad_bytes)}, optimizer state"
         f" {nbytes(b.optimizer_bytes)}, buffers {nbytes(b.buffer_bytes)}"),
        f"kept for backward {nbytes(b.kept_bytes)} (the input batch {nbytes(s.input_bytes)}{input_note}){copies}",
        (f"peak (a model: state + kept + the largest transient, {safe(b.transient_layer)}'s"
         f" {nbytes(b.transient_bytes)}; or the optimizer step) {nbytes(b.peak_bytes)}, in {b.peak_phase}"),
        (f"MACs: forward {b.forward_macs:,} ({short(b.forward_macs)}), backward {b.backward_macs:,}"
         f" ({short(b.backward_macs)}), training {b.training_macs:,} ({short(b.training_macs)});"
         f" FLOPs = 2 x MACs: {short(2 * b.training_macs)} per step"),
    ]
    if extras.memory is not None:
        if extras.fit is None:
            out.append(f"memory {nbytes(extras.memory)}: not even batch 1 fits (its peak is {nbytes(b.peak_bytes)}"
                       f" at batch {b.setup.batch}; see the first line for what it holds)")
        else:
            out.append(f"memory {nbytes(extras.memory)}: the largest batch that fits is {extras.fit.setup.batch},"
                       f" peak {nbytes(extras.fit.peak_bytes)}")
    if extras.device:
        out.append(f"on {extras.device} at {extras.utilization:.0%} of its peak (an estimate: a roofline per layer):"
                   f" {extras.step_seconds * 1000:.1f} ms a step,"
                   f" {b.setup.batch / extras.step_seconds:,.0f} samples/s" if extras.step_seconds else
                   f"on {extras.device}: nothing to time")
    if extras.total_flops is not None:
        hours = f", {extras.device_hours:,.1f} device-hours on {extras.device}" if extras.device_hours is not None else ""
        out.append(f"training: {extras.samples:,} samples x {extras.epochs} epochs = {short(extras.total_flops)}FLOPs"
                   f" ({extras.total_flops:,}){hours}")
    for label, alt in extras.what_if:
        if isinstance(alt, str):
            out.append(f"what if {label}: {alt}")
        else:
            out.append(f"what if {label}: kept {nbytes(alt.kept_bytes)}, peak {nbytes(alt.peak_bytes)}")
    return out


def to_dict(b: Budget, extras: Extras) -> dict[str, Any]:
    """The budget as JSON-ready data (raw integers; bytes and MACs for the whole batch)."""
    s = b.setup
    times = {id(t.layer): t for t in extras.times}
    layers = []
    for ls in b.step.layers:
        item: dict[str, Any] = {
            "name": ls.row.name, "kind": ls.row.kind, "output": list(ls.row.output.dims),
            "forward_macs": ls.forward_macs, "backward_macs": ls.backward_macs,
            "grad_input_macs": ls.grad_input_macs, "grad_weight_macs": ls.grad_weight_macs,
            "kept_bytes": ls.kept_bytes, "owned_kept_bytes": ls.owned_bytes,
            "weight_copy_bytes": ls.weight_copy_bytes, "input_bytes": ls.input_bytes, "output_bytes": ls.output_bytes,
        }
        if id(ls) in times:
            t = times[id(ls)]
            item["roofline"] = {"flops": t.flops, "bytes": t.bytes, "compute_bound": t.compute_bound,
                                "seconds": t.seconds}
        layers.append(item)
    out: dict[str, Any] = {"name": b.step.report.name, "batch": s.batch, "dtype": s.dtype, "amp": s.amp,
                           "optimizer": s.optimizer, "input": list(b.step.report.input.dims), "layers": layers,
                           "totals": {**totals(b), "input_kept": b.step.input_kept,
                                      "weight_copy_bytes": b.step.weight_copy_bytes, "peak_phase": b.peak_phase}}
    if extras.memory is not None:
        out["fit"] = {"memory_bytes": extras.memory, "batch": extras.fit.setup.batch if extras.fit else None,
                      "peak_bytes": extras.fit.peak_bytes if extras.fit else None}
    if extras.device:
        out["device"] = {"name": extras.device, "utilization": extras.utilization, "step_seconds": extras.step_seconds}
    if extras.total_flops is not None:
        out["training"] = {"samples": extras.samples, "epochs": extras.epochs, "flops": extras.total_flops,
                           "device_hours": extras.device_hours}
    if extras.what_if:
        out["what_if"] = [{"change": label, **({"error": alt} if isinstance(alt, str) else
                                               {"kept_bytes": alt.kept_bytes, "peak_bytes": alt.peak_bytes})}
                          for label, alt in extras.what_if]
    return out


def to_json(b: Budget, extras: Extras) -> str:
    return json.dumps(to_dict(b, extras), indent=2)


def to_csv(b: Budget, extras: Extras) -> str:
    """One row per layer and a TOTAL row: raw integers."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["name", "kind", "output", "forward_macs", "grad_input_macs", "grad_weight_macs", "kept_bytes",
                "owned_kept_bytes"])
    for ls in b.step.layers:
        w.writerow([safe(ls.row.name), safe(ls.row.kind), str(ls.row.output), ls.forward_macs, ls.grad_input_macs,
                    ls.grad_weight_macs, ls.kept_bytes, ls.owned_bytes])
    w.writerow(["TOTAL", "", str(b.step.report.output), b.forward_macs, sum(x.grad_input_macs for x in b.step.layers),
                sum(x.grad_weight_macs for x in b.step.layers), b.kept_bytes, b.kept_bytes])
    return buf.getvalue()
