"""The commands and their parameters, declared once, without typer.

Two readers build on this table: :mod:`cnncalc.cli.app` turns it into typer commands (so
``--help``, usage errors and completion are typer's own), and :mod:`cnncalc.cli.fast` parses
the common, well-formed command lines itself without importing typer at all (start-up is part
of the product).  Choices are plain strings checked in words (``'keras' is not an export
target; the choices are: pytorch``); the conventions are
:data:`cnncalc.layers.counting.PRESETS`, listed once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from cnncalc.errors import did_you_mean, shown
from cnncalc.layers.counting import PRESETS
from cnncalc.limits import CEILINGS, Limits
from cnncalc.records import record

DEFAULT = Limits()
FORMATS = ("table", "json", "csv", "markdown")
EXPLAIN_FORMATS = ("table", "json", "markdown")  # formulas are not rows of numbers: no CSV
TARGETS = ("pytorch",)
DRAW_FORMATS = ("mermaid", "dot", "svg", "png")
TRAIN_DTYPES = ("fp32", "bf16", "fp16")
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw")


@record(frozen=True)
class Param:
    """One parameter of a command.

    ``kind``: ``"str"``, ``"int"``, ``"flag"`` (a boolean switch), ``"choice"`` (one of
    ``choices``), ``"many"`` (a repeatable option, a list) or ``"args"`` (the remaining
    positional arguments).  ``flags`` empty: a positional argument.
    """

    name: str  # the implementation's keyword
    kind: str
    flags: tuple[str, ...] = ()
    default: Any = None
    help: str = ""
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    what: str = ""  # a choice's noun in messages: "an output format"
    min: int | None = None
    max: int | None = None
    check: Callable[[Any], Any] | None = None  # raises ValueError with the message a user sees
    required: bool = False  # an option that must be given

    @property
    def positional(self) -> bool:
        return not self.flags


@record(frozen=True)
class Command:
    """One command: its implementation (``cnncalc.cli.commands.<name>``, imported when run),
    its parameters, and the words of its --help."""

    name: str
    help: str
    example: str
    params: tuple[Param, ...]
    limits: str = ""  # "file": the --max-* options and --set; "files": the same, a --set repeatable (compare);
    # "calc": the --max-* options but --max-bytes


def check_choice(value: str, what: str, values: Sequence[str]) -> str:
    if value in values:
        return value
    near = did_you_mean(value, list(values))
    raise ValueError(f"'{shown(value)}' is not {what}; the choices are: {', '.join(values)}"
                     + (f" ({near})" if near else ""))


def check_sets(values: list[str] | None) -> list[str] | None:
    """Each ``--set NAME=VALUE`` well formed, no name twice (the value is YAML, read with the spec)."""
    seen: set[str] = set()
    for item in values or []:
        name, eq, _ = item.partition("=")
        if not eq or not name.strip():
            raise ValueError(f"'{shown(item)}' is not NAME=VALUE, e.g. --set width=0.75")
        if name in seen:
            raise ValueError(f"'{shown(name)}' is set twice")
        seen.add(name)
    return values


def check_repeatable_sets(values: list[str] | None) -> list[str] | None:
    """Each ``--set NAME=VALUE`` well formed; a name may come again (``compare``: one model per value)."""
    for item in values or []:
        name, eq, _ = item.partition("=")
        if not eq or not name.strip():
            raise ValueError(f"'{shown(item)}' is not NAME=VALUE, e.g. --set variant=b3")
    return values


def _positive(text: str, what: str, example: str) -> Decimal:
    """A positive decimal as written (1.15 stays 1.15), or a ValueError saying what is wanted."""
    try:
        value = Decimal(text.strip())
    except ArithmeticError:
        value = Decimal(0)
    if not value.is_finite() or value <= 0 or abs(value.adjusted()) > 12:
        raise ValueError(f"'{shown(text)}' is not {what}, e.g. {example}")
    return value


def check_factor(text: str | None) -> str | None:
    """``scale --width 1.1``: a positive multiplier."""
    if text is not None:
        _positive(text, "a positive factor", "--width 1.1")
    return text


def check_step(text: str | None) -> str | None:
    if text is not None:
        _positive(text, "a positive step", "--step 0.05")
    return text


def check_plot(text: str | None) -> str | None:
    """``--plot FILE``: the format is the file's extension."""
    if text is not None and not text.lower().endswith((".svg", ".png")):
        raise ValueError(f"'{shown(text)}': --plot writes an SVG or a PNG file: give a name ending in .svg or .png")
    return text


def check_vary(text: str | None) -> str | None:
    """``fit --vary NAME=LO..HI``: a var (or ``resolution``) and a range of positive numbers."""
    if text is None:
        return None
    name, eq, rng = text.partition("=")
    lo, dots, hi = rng.partition("..")
    if not eq or not dots or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()):
        raise ValueError(f"'{shown(text)}' is not NAME=LO..HI, e.g. --vary width=0.25..2 or --vary resolution=96..512")
    low = _positive(lo, "a positive lower end", "width=0.25..2")
    high = _positive(hi, "a positive upper end", "width=0.25..2")
    if low >= high:
        raise ValueError(f"'{shown(text)}': the range must go up, from a smaller value to a larger one")
    return text


def check_budget(text: str | None) -> str | None:
    """``fit --macs '<= 600M'``: an upper bound (a bare count means ``<=``)."""
    if text is None:
        return None
    from cnncalc.source.values import parse_claim

    m = re.fullmatch(r"\s*(<=|<)?\s*(\S.*?)\s*", text)
    if re.match(r"\s*>", text):
        raise ValueError(f"'{shown(text)}': fit finds the largest value under budgets: give an upper bound such as"
                         " '<= 600M'")
    if m is None or parse_claim(m.group(2)) is None:
        raise ValueError(f"'{shown(text)}' is not a budget like '<= 600M', '< 5M' or 4500000")
    return text


def _choice(name: str, flags: tuple[str, ...], what: str, values: Sequence[str], help: str, default: str) -> Param:
    return Param(name, "choice", flags, default, help, "|".join(values), tuple(values), what)


SPEC = Param("spec", "str", help="YAML spec file ('-' reads standard input)", metavar="SPEC")
FORMAT = _choice("fmt", ("--format", "-f"), "an output format", FORMATS, "output format", "table")
TRACEBACK = Param("traceback", "flag", ("--traceback",), False, "show the Python traceback on errors")
DEPTH = Param("depth", "int", ("--depth",), None, "collapse block instances nested deeper than this", "N", min=0)
RF = Param("rf", "flag", ("--rf",), False, "receptive field, jump and centre per layer")
CONVENTION = _choice("convention", ("--convention",), "a MAC convention", PRESETS,
                     "MAC counting convention (docs/conventions.md)", "torchvision")
CONVENTIONS = Param("conventions", "flag", ("--conventions",), False, "MACs under every convention, side by side")
FLOPS = Param("flops", "flag", ("--flops",), False, "show FLOPs = 2 x MACs")
INPUTS = Param("inputs", "many", ("--input", "-i"), None,
               "analyse at this input instead of the spec's, e.g. 320x320x3; repeat it to compare sizes", "SHAPE")

LIMITS = (
    Param("max_layers", "int", ("--max-layers",), DEFAULT.max_layers, "limit on layers after expansion", "N",
          min=1, max=CEILINGS["max_layers"]),
    Param("max_depth", "int", ("--max-depth",), DEFAULT.max_depth, "limit on YAML, block and merge nesting", "N",
          min=1, max=CEILINGS["max_depth"]),
    Param("max_bytes", "int", ("--max-bytes",), DEFAULT.max_bytes, "limit on spec file size", "N",
          min=1, max=CEILINGS["max_bytes"]),
    Param("max_expr", "int", ("--max-expr",), DEFAULT.max_expr, "limit on characters in one ${...} expression", "N",
          min=1, max=CEILINGS["max_expr"]),
)
SETS = Param("sets", "many", ("--set",), None, "set a var of the spec (a YAML value; repeatable), e.g. --set"
             " width=0.75", "NAME=VALUE", check=check_sets)

def _factor(axis: str, what: str) -> Param:
    return Param(axis, "str", (f"--{axis}",), None, f"multiply the spec's {what} by this factor (the scaling: hint"
                 " says which vars)", axis[0].upper(), check=check_factor)


def _budget(name: str, what: str) -> Param:
    return Param(name, "str", (f"--{name.replace('_', '-')}",), None, f"upper bound on {what}, e.g. '<= 600M'",
                 "BOUND", check=check_budget)


COMMANDS: tuple[Command, ...] = (
    Command("summary", "Per-layer table of shapes, parameters, MACs and memory, with totals.",
            "cnncalc summary specs/resnet50.yaml --depth 0",
            (SPEC, FORMAT, DEPTH, RF, CONVENTION, CONVENTIONS, FLOPS, INPUTS,
             Param("plot", "str", ("--plot",), None, "also draw MACs and activation memory per layer to FILE.svg or"
                   " FILE.png (needs the plot extra: pip install 'cnncalc[plot]')", "FILE", check=check_plot),
             TRACEBACK), "file"),
    Command("check", "Judge every `expect:` claim in SPEC; exit 1 if any fails.", "cnncalc check specs/resnet50.yaml",
            (SPEC, FORMAT, TRACEBACK), "file"),
    Command("sizes", "Which square input sizes (n x n x C) the network accepts, e.g. for a U-Net.",
            "cnncalc sizes specs/unet.yaml --min 500 --max 600 --exact",
            (SPEC, Param("smallest", "int", ("--min",), 1, "smallest H = W to try", "N", min=1),
             Param("largest", "int", ("--max",), 1024, "largest H = W to try", "N", min=1),
             Param("exact", "flag", ("--exact",), False, "only sizes where no window drops input rows"), TRACEBACK),
            "file"),
    Command("export", "Write SPEC as a standalone PyTorch file: an nn.Module and build_model().",
            "cnncalc export specs/resnet18.yaml --to pytorch -o resnet18.py",
            (SPEC, Param("to", "choice", ("--to",), None, "framework to write the model for", "|".join(TARGETS), TARGETS,
                         "an export target", required=True),
             Param("output", "str", ("--output", "-o"), None, "file to write ('-' or none: standard output)", "FILE"),
             TRACEBACK), "file"),
    Command("explain", "Every layer's output size, parameters and MACs as formulas with the numbers filled in.",
            "cnncalc explain specs/lenet5.yaml --layer conv1",
            (SPEC, Param("layer", "str", ("--layer",), None, "only this layer (or block instance)", "NAME"),
             _choice("fmt", ("--format", "-f"), "an output format of explain", EXPLAIN_FORMATS, "output format",
                     "table"), TRACEBACK), "file"),
    Command("calc", "Analyse layers given on the command line, no file needed (positions: <arg N>).",
            "cnncalc calc 28x28x192 'conv: {filters: 32, kernel: 5, padding: same}'",
            (Param("shape", "str", help="input shape, e.g. 28x28x192", metavar="INPUT"),
             Param("layers", "args", help='spec entries, quoted one by one: "relu" "conv: {filters: 8, kernel: 3}"',
                   metavar="LAYER..."),
             FORMAT, Param("explain_", "flag", ("--explain",), False, "print the formulas instead of the table"),
             RF, CONVENTION, CONVENTIONS, FLOPS, TRACEBACK), "calc"),
    Command("budget", "Memory and compute of one training step as PyTorch runs it; the batch that fits; time.",
            "cnncalc budget specs/resnet50.yaml --batch 64 --dtype bf16 --amp --optimizer adamw --memory 24GiB",
            (SPEC, Param("batch", "int", ("--batch", "-b"), None, "samples per step (default: the spec's budget:, or 1)",
                         "N", min=1),
             Param("dtype", "choice", ("--dtype",), None, "the model's dtype; with --amp, autocast's", "|".join(TRAIN_DTYPES),
                   TRAIN_DTYPES, "a dtype"),
             Param("amp", "flag", ("--amp",), False, "mixed precision: fp32 parameters, torch.autocast to --dtype"),
             Param("optimizer", "choice", ("--optimizer",), None, "optimizer state: sgd none, momentum 1x, adam(w) 2x",
                   "|".join(OPTIMIZERS), OPTIMIZERS, "an optimizer"),
             Param("memory", "str", ("--memory",), None, "device memory, e.g. 24GiB or 80GB: the largest batch that fits",
                   "BYTES"),
             Param("samples", "str", ("--samples",), None, "training samples per epoch, e.g. 1.28M", "N"),
             Param("epochs", "int", ("--epochs",), None, "epochs (with --samples: total training FLOPs)", "N", min=1),
             Param("device", "str", ("--device",), None, "a GPU (e.g. a100-80gb-sxm, h100-sxm, rtx4090): time estimates",
                   "NAME"),
             Param("utilization", "str", ("--utilization",), None, "fraction of the device's peak reached (default 0.4)",
                   "F"),
             Param("shape", "str", ("--input", "-i"), None, "analyse at this input instead of the spec's", "SHAPE"),
             FORMAT, Param("what_if", "flag", ("--what-if",), False, "also: half the batch, and the first stride doubled"),
             TRACEBACK), "file"),
    Command("compare", "Models side by side: parameters, MACs, activations, depth, and the differences to the"
            " first.  Each --set applies to every SPEC declaring that var; a var set more than once gives one model"
            " per value.",
            "cnncalc compare specs/efficientnet.yaml --set variant=b0 --set variant=b3 --plot family.svg",
            (Param("specs", "args", help="YAML spec files", metavar="SPEC..."), FORMAT,
             Param("inputs", "many", ("--input", "-i"), None, "analyse every model at this input instead of its own;"
                   " repeat it for several sizes", "SHAPE"),
             Param("plot", "str", ("--plot",), None, "also draw MACs against parameters to FILE.svg or FILE.png"
                   " (needs the plot extra: pip install 'cnncalc[plot]')", "FILE", check=check_plot),
             TRACEBACK), "files"),
    Command("scale", "Compound scaling (EfficientNet): multiply the widths, depths and resolution the spec's"
            " scaling: hint names; print the totals before and after, write the scaled spec with -o.",
            "cnncalc scale specs/efficientnet.yaml --width 1.1 --depth 1.2 --resolution 1.15 -o scaled.yaml",
            (SPEC, _factor("width", "width vars (channels: make_divisible(c·w, 8))"),
             _factor("depth", "depth vars (repeats: ceil(n·d))"),
             _factor("resolution", "resolution var (the input side: round(r·s))"),
             Param("output", "str", ("--output", "-o"), None, "write the scaled spec to FILE ('-': standard output)",
                   "FILE"),
             FORMAT, TRACEBACK), "file"),
    Command("fit", "The largest value of one var (or of the input size: resolution) whose network meets the"
            " budgets, by bisection over a cost assumed to grow with it; the values tried are shown.",
            "cnncalc fit specs/mobilenet_v2.yaml --vary width=0.25..2 --macs '<= 300M'",
            (SPEC, Param("vary", "str", ("--vary",), None, "the var and its range, e.g. width=0.25..2 or"
                         " resolution=96..512", "NAME=LO..HI", check=check_vary, required=True),
             Param("step", "str", ("--step",), None, "the grid of values tried (default 1 for a var holding an"
                   " integer, 0.01 for one holding a decimal)", "S", check=check_step),
             _budget("macs", "the MACs"), _budget("params", "the parameters (trainable and not)"),
             _budget("activations", "the activations (values of every layer's output)"),
             _budget("kept_bytes", "the bytes autograd keeps for the backward of a training step (the spec's"
                     " budget: setting, or batch 1 fp32), e.g. '<= 8GiB'"),
             FORMAT, TRACEBACK), "file"),
    Command("kinds", "List the layer kinds, their arguments and defaults (-f markdown: the reference, docs/layers.md).",
            "cnncalc kinds -f markdown > docs/layers.md",
            (_choice("fmt", ("--format", "-f"), "a format of kinds", ("table", "markdown"), "output format", "table"),)),
    Command("schema", "Print the JSON Schema of the spec language, for editors (yaml-language-server).",
            "cnncalc schema > cnncalc.schema.json", ()),
    Command("draw", "Draw the network: Mermaid or Graphviz DOT text, or SVG/PNG through Graphviz.",
            "cnncalc draw specs/googlenet.yaml --depth 1 -f svg -o googlenet.svg",
            (SPEC, _choice("fmt", ("--format", "-f"), "a drawing format", DRAW_FORMATS, "drawing format", "mermaid"),
             Param("depth", "int", ("--depth",), None, "collapse block instances nested deeper than this into one box",
                   "N", min=0),
             Param("output", "str", ("--output", "-o"), None, "file to write ('-' or none: standard output)", "FILE"),
             TRACEBACK), "file"),
)


SETS_MANY = Param("sets", "many", ("--set",), None, "set a var of the specs declaring it (a YAML value;"
                  " repeatable; the same var again: one more model per value)", "NAME=VALUE",
                  check=check_repeatable_sets)


def params_of(command: Command) -> tuple[Param, ...]:
    """Every parameter of ``command``, the shared limits and --set included."""
    if command.limits == "file":
        return (*command.params, *LIMITS, SETS)
    if command.limits == "files":
        return (*command.params, *LIMITS, SETS_MANY)
    if command.limits == "calc":
        return (*command.params, *(p for p in LIMITS if p.name != "max_bytes"))
    return command.params


def arguments(command: Command, values: dict[str, Any]) -> dict[str, Any]:
    """The implementation's keywords from parsed parameter values: the limits as one Limits,
    the --set items as ``overrides`` in the order given."""
    kwargs = dict(values)
    if command.limits:
        kwargs["limits"] = Limits(**{p.name: kwargs.pop(p.name) for p in LIMITS if p.name in kwargs})
    if command.limits == "file":
        kwargs["overrides"] = dict(item.partition("=")[::2] for item in kwargs.pop("sets") or [])
    if command.limits == "files":  # in the order given, names repeated: compare's alternatives
        kwargs["sets"] = [tuple(item.partition("=")[::2]) for item in kwargs.pop("sets") or []]
    return kwargs
