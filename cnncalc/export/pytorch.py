"""Graph -> a standalone PyTorch file (``cnncalc export SPEC --to pytorch``).

The file needs only torch.  It holds one ``nn.Module`` class whose attributes
are the spec's layers, one module per cnncalc layer, named after it (``LAYERS``
maps attribute -> cnncalc name, in report order), so parameters, forward hooks
and ``FlopCounterMode``'s per-module counts line up with ``cnncalc summary``
row by row; and ``build_model()``.  Auxiliary heads run only in training mode,
where ``forward`` returns ``(output, *aux_outputs)`` as torchvision's GoogLeNet
does.  Every identifier, string and comment written comes from sanitised spec
text, so a spec can never inject code into the file.
"""

from __future__ import annotations

import keyword
import re
import textwrap

from cnncalc.analysis.analyze import analyze
from cnncalc.export.calls import Call
from cnncalc.export.helpers import HELPERS
from cnncalc.export.modules import emit
from cnncalc.graph.nodes import INPUT, Graph
from cnncalc.layers.deform import DeformConv
from cnncalc.layers.pool import AvgPool
from cnncalc.layers.reshape import Flatten
from cnncalc.records import record, replace
from cnncalc.shapes import Shape

# Attribute names nn.Module itself uses (dir(nn.Module) in torch 2.13), and the names the generated
# code uses; tests/test_export.py checks the list against the installed torch.
RESERVED = frozenset((
    "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init", "children", "compile",
    "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr", "float", "forward", "get_buffer",
    "get_extra_state", "get_parameter", "get_submodule", "half", "ipu", "load_state_dict", "modules", "mtia",
    "named_buffers", "named_children", "named_modules", "named_parameters", "parameters",
    "register_backward_hook", "register_buffer", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_full_backward_pre_hook", "register_load_state_dict_post_hook",
    "register_load_state_dict_pre_hook", "register_module", "register_parameter",
    "register_state_dict_post_hook", "register_state_dict_pre_hook", "requires_grad_", "set_extra_state",
    "set_submodule", "share_memory", "state_dict", "to", "to_empty", "train", "training", "type", "xpu",
    "zero_grad", "x", "inputs", "self", "torch", "nn", "super",
))
WIDTH = 110  # every line written fits in 120 columns (ruff's E501 at --line-length 120), whatever the spec
NAME_ROOM = 40  # longest identifier or class name made from a spec name


def text(s: str) -> str:
    """Spec text made safe for a comment or docstring: printable, no quotes or backslashes."""
    return "".join(c if c.isprintable() and c not in "\"\\" else "?" for c in s)


def wrapped(prose: str, indent: int, lead: str = "") -> list[str]:
    """``prose`` (already safe text) as lines of at most WIDTH columns, each starting ``indent`` spaces + ``lead``.

    Long words (paths, long layer names) are broken: the file must stay within its line length."""
    pad = " " * indent + lead
    return textwrap.wrap(prose, WIDTH - len(pad), initial_indent=pad, subsequent_indent=pad,
                         break_long_words=True, break_on_hyphens=False) or [pad.rstrip()]


def docstring(prose: str, indent: int) -> list[str]:
    """A one-paragraph docstring, closed on its last line if there is room."""
    out = wrapped('"""' + prose, indent)
    if len(out[-1]) + 3 <= WIDTH:
        return [*out[:-1], out[-1] + '"""']
    return [*out, " " * indent + '"""']


def call_lines(indent: int, head: str, args: list[str], tail: str = ")") -> list[str]:
    """``head + ", ".join(args) + tail`` on one line if it fits, else one argument per line."""
    flat = " " * indent + head + ", ".join(args) + tail
    if len(flat) <= WIDTH:
        return [flat]
    pad = " " * (indent + 4)
    return [" " * indent + head, *(f"{pad}{a}," for a in args), " " * indent + tail]


def string_lines(indent: int, s: str) -> list[str]:
    """A string literal of ``s`` as implicitly concatenated pieces that fit the line length."""
    room = WIDTH - indent - 2  # the quotes
    pieces, piece, used = [], "", 0
    for c in s:
        cost = 2 if c in "\"'" else len(repr(c)) - 2  # columns of c in the literal: 1, or 2 to 10 if escaped
        if used + cost > room:
            pieces.append(piece)
            piece, used = "", 0
        piece, used = piece + c, used + cost
    return [" " * indent + pystr(p) for p in [*pieces, piece]]


def identifier(name: str, taken: set[str]) -> str:
    """A unique ASCII Python identifier for a cnncalc layer name (``stage1.conv2`` -> ``stage1_conv2``)."""
    base = re.sub(r"\W+", "_", name, flags=re.ASCII).strip("_")[:NAME_ROOM].rstrip("_") or "layer"
    if base[0].isdigit():
        base = "layer_" + base
    if keyword.iskeyword(base) or base in RESERVED:
        base += "_"
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}_{n}"
    taken.add(out)
    return out


def class_name(spec_name: str) -> str:
    words = re.split(r"[\W_]+", spec_name, flags=re.ASCII)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)[:NAME_ROOM]
    if not name or name[0].isdigit() or name in HELPERS or keyword.iskeyword(name):
        name = "Net" + name
    return name


def pystr(s: str) -> str:
    """A Python string literal, double-quoted where possible (as ruff format writes it)."""
    r = repr(s)
    return '"' + r[1:-1] + '"' if r[0] == "'" and '"' not in s else r


def shape_text(s: Shape) -> str:
    return str(s)


def nchw(s: Shape) -> tuple[int, ...]:
    return (1, s.c, s.h, s.w) if s.is_image else (1, *s.dims)


@record(frozen=True)
class Plan:
    """Which nodes run only in training, and the local variable of each output."""

    train_only: tuple[bool, ...]
    out_var: tuple[str, ...]
    in_var: str
    read: frozenset[int]
    aux_outputs: tuple[int, ...]


def plan(graph: Graph, attrs: list[str]) -> Plan:
    n = len(graph.nodes)
    consumers: dict[int, list[int]] = {i: [] for i in range(-1, n)}
    for j, node in enumerate(graph.nodes):
        for i in node.inputs:
            consumers[i].append(j)
    # Nodes the outputs depend on always run, even if declared in an aux head.
    outputs = set(graph.outputs)
    needed, stack = set(), list(outputs)
    while stack:
        i = stack.pop()
        if i != INPUT and i not in needed:
            needed.add(i)
            stack.extend(graph.nodes[i].inputs)
    train_only = tuple(node.aux and i not in needed for i, node in enumerate(graph.nodes))

    def chained(i: int) -> bool:  # used once, by the very next node: keep it in `x`
        if i in outputs:
            return graph.outputs == (i,) and i == n - 1 and not consumers[i]
        return consumers[i] == [i + 1]

    out_var = tuple("x" if chained(i) else attrs[i] for i in range(n))
    in_var = "x" if consumers[INPUT] == [0] and INPUT not in outputs else "inputs"
    aux_outputs = tuple(i for i in range(n) if train_only[i] and not consumers[i])
    read = frozenset(i for i in range(n) if consumers[i] or i in outputs or i in aux_outputs)
    return Plan(train_only, out_var, in_var, read, aux_outputs)


def to_pytorch(graph: Graph, source: str = "") -> str:
    """The standalone Python source of ``graph`` as a PyTorch model."""
    report = analyze(graph)
    taken: set[str] = set()
    attrs = [identifier(node.name, taken) for node in graph.nodes]
    p = plan(graph, attrs)
    cls = class_name(graph.name)
    helpers: set[str] = set()
    init: list[str] = []
    emits = [emit(node.layer, row.inputs, row.output) for row, node in zip(report.rows, graph.nodes, strict=True)]
    # a max pool whose indices an unpool reads returns (output, indices): both kept in variables
    pools = {graph.nodes[j].inputs[k] for j, e in enumerate(emits) for k in e.indices}
    index_var = {i: identifier(f"{attrs[i]}_indices", taken) for i in sorted(pools)}
    for i in pools:
        module = emits[i].module
        assert module.func == "nn.MaxPool2d", module  # unpool refuses pools PyTorch cannot give indices of
        emits[i] = replace(emits[i], module=replace(module, kwargs={**module.kwargs, "return_indices": True}))
    for attr, row, node, e in zip(attrs, report.rows, graph.nodes, emits, strict=True):
        helpers.update(e.helpers)
        ins = " + ".join(shape_text(s) for s in row.inputs)
        why = "; ".join([f"{text(node.name)}: {ins} -> {shape_text(row.output)}", *map(text, row.notes)])
        if node.aux:
            why += " (auxiliary head)"
        head = f"        self.{attr} = "
        line = head + e.module.render(8, WIDTH - len(head) + 8)
        if "\n" in line or len(line) + len(why) + 4 > WIDTH:
            init += [*wrapped(why, 8, "# "), line]
        else:
            init.append(f"{line}  # {why}")

    def var(i: int) -> str:
        return p.in_var if i == INPUT else p.out_var[i]

    fwd: list[str] = []
    in_if = False
    for i, (attr, node) in enumerate(zip(attrs, graph.nodes, strict=True)):
        if p.train_only[i] and not in_if:
            fwd.append("        if self.training:  # auxiliary head: training only")
        in_if = p.train_only[i]
        target = f"{p.out_var[i]} = " if i in p.read else ""
        if i in index_var:
            target = f"{p.out_var[i] if i in p.read else '_'}, {index_var[i]} = "
        args = [index_var[j] if k in emits[i].indices else var(j) for k, j in enumerate(node.inputs)]
        fwd += call_lines(12 if in_if else 8, f"{target}self.{attr}(", args)
    outs = [var(i) for i in graph.outputs]
    several = len(outs) > 1
    returns = "tuple[torch.Tensor, ...]" if several else "torch.Tensor"
    if p.aux_outputs:
        returns = "torch.Tensor | tuple[torch.Tensor, ...]" if not several else returns
        fwd += ["        if self.training:", *call_lines(12, "return (", [*outs, *(var(i) for i in p.aux_outputs)])]
    fwd += call_lines(8, "return (", outs) if several else [f"        return {outs[0]}"]

    layers_map: list[str] = []
    for a, n in zip(attrs, graph.nodes, strict=True):
        entry = f"    {pystr(a)}: {pystr(n.name)},"
        layers_map += [entry] if len(entry) <= WIDTH else [f"    {pystr(a)}: (", *string_lines(8, n.name), "    ),"]
    kinds = {type(n.layer) for n in graph.nodes}
    notes = []
    if Flatten in kinds and graph.input.is_image:
        notes.append("flatten uses PyTorch's C*H*W feature order (Keras flattens H*W*C): same sizes.")
    if DeformConv in kinds:
        notes.append("deform_conv needs torchvision (torchvision.ops.deform_conv2d) to run the forward pass;")
        notes.append("    the model builds and counts its parameters without it.")
    if any(isinstance(n.layer, AvgPool) and n.layer.padding != (0, 0, 0, 0) for n in graph.nodes):
        notes.append("avgpool: 'same' padding averages real pixels only (Keras); explicit padding counts the")
        notes.append("    zeros (PyTorch's count_include_pad=True).")
    if p.aux_outputs:
        notes.append("auxiliary heads run only in training mode, where forward returns (output, *aux_outputs)"
                     + (" with every output first." if several else "."))
    shape_in = graph.input
    out_text = ", ".join(shape_text(s) for s in report.output_shapes)
    if several:
        names = ", ".join(text(graph.nodes[i].name) if i != INPUT else "input" for i in graph.outputs)
        out_text = f"a tuple ({out_text}: {names})"
    what = (f"images as NCHW tensors, (N, {shape_in.c}, {shape_in.h}, {shape_in.w})." if shape_in.is_image
            else f"vectors, (N, {shape_in.c}).")
    lines = [
        *wrapped(f'"""{text(graph.name)}: a PyTorch model exported by cnncalc'
                 f'{" from " + text(source) if source else ""}.', 0),
        "",
        *wrapped(f"Input: a batch of {shape_text(shape_in)} (HxWxC) {what} Output: {out_text} "
                 "per sample. Each module is named after its cnncalc layer (LAYERS); `cnncalc summary` gives the "
                 "output shape, parameters and MACs of each, and PyTorch measures the same.", 0),
        *([""] + ["Notes:"] + [f"- {n}" if not n.startswith(" ") else f"  {n}" for n in notes] if notes else []),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import torch",
        "from torch import nn",
        "",
        f"INPUT_SHAPE = {nchw(shape_in)!r}  # batch 1",
        "",
    ]
    for name, src in HELPERS.items():
        if name in helpers:
            lines += ["", src.strip("\n"), ""]
    lines += [
        "",
        f"class {cls}(nn.Module):",
        *docstring(f"{text(graph.name)}: {shape_text(shape_in)} -> {out_text}.", 4),
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *init,
        "",
        f"    def forward(self, {p.in_var}: torch.Tensor) -> {returns}:",
        *fwd,
        "",
        "",
        "# attribute of the model -> cnncalc layer name, in the order of `cnncalc summary`",
        "LAYERS: dict[str, str] = {",
        *layers_map,
        "}",
        "",
        "",
        "def build_model() -> nn.Module:",
        f'    """A new {cls} with PyTorch\'s default initialisation."""',
        f"    return {cls}()",
        "",
        "",
        'if __name__ == "__main__":',
        "    model = build_model().eval()",
        "    with torch.no_grad():",
        "        y = model(torch.zeros(INPUT_SHAPE))",
        ('    print([tuple(t.shape) for t in y], sum(p.numel() for p in model.parameters()), "parameters")' if several
         else '    print(tuple(y.shape), sum(p.numel() for p in model.parameters()), "parameters")'),
        "",
    ]
    return "\n".join(lines)


__all__ = ["Call", "to_pytorch"]
