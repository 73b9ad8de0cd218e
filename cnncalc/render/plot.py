"""Charts as SVG or PNG bytes, drawn with matplotlib (an optional extra: ``cnncalc[plot]``).

- :func:`summary_chart`: a network's MACs and activation memory per layer, in the order the
  layers run (the x axis is the depth), top-level blocks shaded and named;
- :func:`compare_chart`: models as labelled points, MACs against parameters on log scales,
  the members of one family spec joined in the order given.

matplotlib is imported here only, when a chart is drawn: no other command pays for it.  The
figure is built without pyplot (no global state, no display) and saved with fixed metadata and
SVG ids, so the same report gives the same file; SVG text stays text (``svg.fonttype: none``),
so the labels can be searched and read by tests.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cnncalc.analysis.compare import Model
from cnncalc.analysis.report import BYTES_PER_VALUE, Report
from cnncalc.render.text import safe, short

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("svg", "png")
EXTRA = "pip install 'cnncalc[plot]'"  # the words of the message when matplotlib is missing


class NoMatplotlib(Exception):
    """matplotlib is not installed; the message says how to install the extra."""


def chart_format(path: str) -> str | None:
    """'svg' or 'png' from a file name's extension (any case); None for anything else."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return ext if ext in FORMATS else None


def _figure(**kwargs: Any) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise NoMatplotlib(f"--plot draws with matplotlib, which is not installed: {EXTRA}"
                           " (or pip install matplotlib)") from None
    return Figure(**kwargs)


def _save(fig: Figure, fmt: str) -> bytes:
    from matplotlib import rc_context

    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "cnncalc"}):
        fig.savefig(buf, format=fmt, metadata=meta, dpi=110, bbox_inches="tight")
    return buf.getvalue()


def _text(user: str) -> str:
    """User text (a network's or a block's name) as matplotlib shows it literally: control characters
    made visible, and every '$' escaped so that it never opens mathtext."""
    return safe(user).replace("$", r"\$")


def _human(value: float, _pos: object = None) -> str:
    return short(round(value))


def summary_chart(report: Report, fmt: str) -> bytes:
    """Per layer (aux heads left out: they do not run at inference), its MACs above and its output's
    float32 memory below, along the layers in order; each top-level block a shaded, named band."""
    rows = [r for r in report.rows if not r.aux]
    fig = _figure(figsize=(10, 5.6), layout="constrained")
    macs_ax, mem_ax = fig.subplots(2, 1, sharex=True)
    xs = list(range(1, len(rows) + 1))
    macs_ax.bar(xs, [r.cost.macs for r in rows], width=1.0, color="#3b6ea5", linewidth=0)
    mem_ax.bar(xs, [r.activations * BYTES_PER_VALUE for r in rows], width=1.0, color="#d0843b", linewidth=0)
    from matplotlib.ticker import FuncFormatter

    for ax, what, unit in ((macs_ax, "MACs per layer", ""), (mem_ax, "output memory (float32)", "B")):
        ax.set_ylabel(what)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p, unit=unit: _human(v) + unit))
        ax.grid(axis="y", alpha=0.3)
        ax.set_xlim(0.5, len(rows) + 0.5)
    mem_ax.set_xlabel("layer, in the order the network runs them")
    start, shaded = 0, 0
    for k in range(1, len(rows) + 1):  # runs of rows in the same top-level block: bands, alternately shaded
        group = rows[start].group[:1]
        if k < len(rows) and rows[k].group[:1] == group:
            continue
        if group:
            for ax in (macs_ax, mem_ax):
                ax.axvspan(start + 0.5, k + 0.5, color="#888888", alpha=0.16 if shaded % 2 else 0.07, lw=0)
            if k - start >= len(rows) / 40:  # a name only where it has room
                macs_ax.annotate(_text(group[0]), xy=((start + k + 1) / 2, 1.0), xycoords=("data", "axes fraction"),
                                 ha="center", va="bottom", fontsize=7, annotation_clip=False)
            shaded += 1
        start = k
    t = report.totals
    fig.suptitle(f"{_text(report.name)}: {report.input} -> {report.output}   "
                 f"{short(t.macs)} MACs, {short(t.params)} params, {short(t.activations * BYTES_PER_VALUE)}B of"
                 " activations")
    return _save(fig, fmt)


def compare_chart(models: Sequence[Model], fmt: str) -> bytes:
    """MACs (x) against trainable parameters (y), log scales, one labelled point per model; the
    models of one spec file (a family under several --set) joined by a line, in the order given."""
    fig = _figure(figsize=(8, 5.6), layout="constrained")
    ax = fig.subplots()
    by_file: dict[str, list[Model]] = {}
    for m in models:
        by_file.setdefault(m.file, []).append(m)
    for family in by_file.values():
        if len(family) > 1:
            ax.plot([m.macs for m in family], [m.trainable_params for m in family], color="#3b6ea5", alpha=0.4,
                    linewidth=1, zorder=1)
    ax.scatter([m.macs for m in models], [m.trainable_params for m in models], s=36, color="#3b6ea5", zorder=2)
    for m in models:
        ax.annotate(_text(m.label), (m.macs, m.trainable_params), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    from matplotlib.ticker import FuncFormatter, LogLocator

    for axis in (ax.xaxis, ax.yaxis):  # 1, 2, 5 of each decade labelled: a family spans few decades
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(_human))
        axis.set_minor_formatter(FuncFormatter(lambda v, p: ""))
    ax.set_xlabel("MACs per image (torchvision convention)")
    ax.set_ylabel("trainable parameters")
    ax.grid(which="major", alpha=0.3)
    ax.margins(0.15)
    fig.suptitle(f"{len(models)} models: MACs and parameters")
    return _save(fig, fmt)
