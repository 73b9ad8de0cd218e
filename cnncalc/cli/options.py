"""The command-line options of ``cnncalc``: typer's ``Annotated`` types, shared by the commands in cli.py."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.limits import MAX_DEPTH_CEILING, Limits

DEFAULT = Limits()


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


SpecArg = Annotated[Path, typer.Argument(help="YAML spec file ('-' reads standard input)", show_default=False)]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", min=0, help="collapse block instances nested deeper than this")
]
TracebackOpt = Annotated[bool, typer.Option("--traceback", help="show the Python traceback on errors")]
MaxLayersOpt = Annotated[int, typer.Option("--max-layers", min=1, help="limit on layers after expansion")]
MaxDepthOpt = Annotated[
    int, typer.Option("--max-depth", min=1, max=MAX_DEPTH_CEILING, help="limit on YAML, block and merge nesting")
]
MaxBytesOpt = Annotated[int, typer.Option("--max-bytes", min=1, help="limit on spec file size")]
MaxExprOpt = Annotated[int, typer.Option("--max-expr", min=1, help="limit on characters in one ${...} expression")]


class Convention(str, Enum):
    torchvision = "torchvision"
    fvcore = "fvcore"
    ptflops = "ptflops"
    all = "all"


RfOpt = Annotated[bool, typer.Option("--rf", help="receptive field, jump and centre per layer")]
ConventionOpt = Annotated[Convention, typer.Option("--convention", help="MAC counting convention (docs/conventions.md)")]
ConventionsOpt = Annotated[bool, typer.Option("--conventions", help="MACs under every convention, side by side")]
FlopsOpt = Annotated[bool, typer.Option("--flops", help="show FLOPs = 2 x MACs")]
InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", "-i", help="analyse at this input instead of the spec's, e.g. 320x320x3; repeat it to compare sizes",
    show_default=False)]


class Target(str, Enum):
    pytorch = "pytorch"
