"""A picture of the network (``cnncalc draw``): Mermaid and Graphviz DOT text.

Every layer is a box with its name, kind and output shape; merges and aux heads are
branches (aux heads dashed); block instances, named repeats and aux heads are clusters,
nested as they are in the spec, and ``depth`` collapses the ones nested deeper into one
box with their subtotals.  Labels are user text: they are escaped for each language, so a
name can never break out of its label.
"""

from __future__ import annotations

from cnncalc.analysis.report import LayerReport, Report, Totals
from cnncalc.graph.nodes import INPUT
from cnncalc.records import field, record

INPUT_ID = "input"


@record(slots=True)
class _Cluster:
    """A group (block instance, named repeat, aux head) and what is drawn inside it."""

    name: str
    items: list[str | _Cluster] = field(default_factory=list)  # node ids and nested clusters


@record(frozen=True, slots=True)
class Picture:
    """The drawing, language-neutral: boxes, their clusters, and edges between boxes."""

    labels: dict[str, tuple[str, str]]  # node id -> (title, detail)
    aux: frozenset[str]
    root: list[str | _Cluster]
    edges: list[tuple[str, str, bool]]  # (from, to, dashed)
    outputs: frozenset[str]  # the boxes of the network's outputs (drawn rounded, as the input)


def picture(report: Report, depth: int | None = None) -> Picture:
    """Boxes, clusters and edges of ``report``; groups nested deeper than ``depth`` collapse."""
    labels: dict[str, tuple[str, str]] = {INPUT_ID: ("input", str(report.input))}
    aux: set[str] = set()
    root: list[str | _Cluster] = [INPUT_ID]
    clusters: dict[tuple[str, ...], _Cluster] = {}
    box_of: list[str] = []  # row index -> the box that shows it
    members: dict[str, list[LayerReport]] = {}
    collapsed: dict[tuple[str, ...], str] = {}

    def container(key: tuple[str, ...]) -> list[str | _Cluster]:
        if not key:
            return root
        if key not in clusters:
            clusters[key] = _Cluster(key[-1])
            container(key[:-1]).append(clusters[key])
        return clusters[key].items

    for i, row in enumerate(report.rows):
        shown = row.group if depth is None else row.group[:depth]
        if depth is not None and len(row.group) > depth:  # inside a collapsed group
            key = row.group[: depth + 1]
            if key not in collapsed:
                collapsed[key] = box = f"g{len(collapsed)}"
                labels[box] = (key[-1], "")
                container(shown).append(box)
            box = collapsed[key]
            members.setdefault(box, []).append(row)
        else:
            box = f"n{i}"
            labels[box] = (f"{row.name} · {row.kind}", str(row.output))
            container(shown).append(box)
        if row.aux:
            aux.add(box)
        box_of.append(box)
    for box, rows in members.items():  # a collapsed group: its name and subtotals
        t = Totals.of(tuple(rows))
        labels[box] = (f"{labels[box][0]} · {len(rows)} layers", f"{rows[-1].output} · {t.params:,} params")
    edges: list[tuple[str, str, bool]] = []
    seen: set[tuple[str, str]] = set()
    for i, row in enumerate(report.rows):
        for s in row.sources:
            a, b = INPUT_ID if s == INPUT else box_of[s], box_of[i]
            if a != b and (a, b) not in seen:
                seen.add((a, b))
                edges.append((a, b, row.aux))
    outputs = {INPUT_ID if o.row == INPUT else box_of[o.row] for o in report.outputs}
    if not outputs:  # a report made without them: the last main-flow layer of the output's shape
        out_rows = [i for i, r in enumerate(report.rows) if r.output == report.output and not r.aux]
        outputs = {box_of[out_rows[-1]] if out_rows else box_of[-1] if report.rows else INPUT_ID}
    return Picture(labels, frozenset(aux), root, edges, frozenset(outputs))


# --- Mermaid ---------------------------------------------------------------------------

def _mermaid_text(s: str) -> str:
    """User text inside a quoted Mermaid label: everything but safe characters as entity codes."""
    return "".join(c if c.isalnum() or c in " ._-·x+,()/" else f"#{ord(c)};" for c in s)


def _mermaid_id(box: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else f"_{ord(c)}_" for c in box)


def to_mermaid(report: Report, depth: int | None = None) -> str:
    """Mermaid ``flowchart`` text (GitHub and most Markdown viewers render it)."""
    pic = picture(report, depth)
    out = ["flowchart TD"]
    ids: dict[int, str] = {}

    def emit(items: list[str | _Cluster], indent: int) -> None:
        pad = "    " * indent
        for item in items:
            if isinstance(item, _Cluster):
                cid = ids.setdefault(id(item), f"c{len(ids)}")
                out.append(f'{pad}subgraph {cid}["{_mermaid_text(item.name)}"]')
                emit(item.items, indent + 1)
                out.append(f"{pad}end")
                continue
            title, detail = pic.labels[item]
            text = _mermaid_text(title) + (f"<br/>{_mermaid_text(detail)}" if detail else "")
            shape = ('(["', '"])') if item == INPUT_ID or item in pic.outputs else ('["', '"]')
            out.append(f"{pad}{_mermaid_id(item)}{shape[0]}{text}{shape[1]}")

    emit(pic.root, 1)
    for a, b, dashed in pic.edges:
        out.append(f"    {_mermaid_id(a)} {'-.->' if dashed else '-->'} {_mermaid_id(b)}")
    if pic.aux:
        out.append("    classDef aux stroke-dasharray: 4 3")
        out.append("    class " + ",".join(sorted(_mermaid_id(a) for a in pic.aux)) + " aux")
    return "\n".join(out) + "\n"


# --- Graphviz DOT ------------------------------------------------------------------------

def _dot_text(s: str) -> str:
    """User text inside a double-quoted DOT string (no line breaks or controls survive)."""
    return "".join("\\\\" if c == "\\" else '\\"' if c == '"' else c if c.isprintable() else "?" for c in s)


def to_dot(report: Report, depth: int | None = None) -> str:
    """Graphviz DOT text (``dot -Tsvg`` draws it)."""
    pic = picture(report, depth)
    out = [f'digraph "{_dot_text(report.name)}" {{', "    rankdir=TB;",
           '    node [shape=box, style="rounded", fontname="Helvetica", fontsize=10];', '    graph [fontname="Helvetica", fontsize=11];',
           '    edge [arrowsize=0.6];']
    count = [0]

    def emit(items: list[str | _Cluster], indent: int) -> None:
        pad = "    " * indent
        for item in items:
            if isinstance(item, _Cluster):
                count[0] += 1
                out.append(f"{pad}subgraph cluster_{count[0]} {{")
                out.append(f'{pad}    label="{_dot_text(item.name)}"; style="rounded,dashed"; color="gray50";')
                emit(item.items, indent + 1)
                out.append(f"{pad}}}")
                continue
            title, detail = pic.labels[item]
            style = ', style="rounded,dashed"' if item in pic.aux else (
                ', style="rounded,bold"' if item == INPUT_ID or item in pic.outputs else "")
            out.append(f'{pad}"{_dot_text(item)}" [label="{_dot_text(title)}\\n{_dot_text(detail)}"{style}];')

    emit(pic.root, 1)
    for a, b, dashed in pic.edges:
        out.append(f'    "{_dot_text(a)}" -> "{_dot_text(b)}"' + (" [style=dashed];" if dashed else ";"))
    out.append("}")
    return "\n".join(out) + "\n"
