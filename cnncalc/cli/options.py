"""The command-line options of ``cnncalc``: typer ``Annotated`` types shared by the commands.

Choices (formats, conventions, export targets) are plain strings checked by a parser that
says, in words, what the choices are (``'keras' is not an export target; the targets are:
pytorch``); the conventions are :data:`cnncalc.analysis.conventions.PRESETS`, listed once.
The resource limits are one set of options, added to a command by :func:`with_limits`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Annotated, Any, get_type_hints

import typer

from cnncalc.analysis.conventions import PRESETS
from cnncalc.errors import did_you_mean, shown
from cnncalc.limits import MAX_DEPTH_CEILING, Limits

DEFAULT = Limits()
MAX_BYTES_CEILING = 1 << 30  # the spec is read into memory: 1 GiB is far beyond any network's spec


def choice(what: str, values: Sequence[str]) -> Callable[[str], str]:
    """A parser accepting one of ``values``; anything else gets a plain message naming them."""

    def parse(value: str) -> str:
        if value in values:
            return value
        near = did_you_mean(value, list(values))
        raise typer.BadParameter(f"'{shown(value)}' is not {what}; the choices are: {', '.join(values)}"
                                 + (f" ({near})" if near else ""))

    return parse


def choice_option(flags: Sequence[str], what: str, values: Sequence[str], help: str) -> Any:
    """A typer option taking one of ``values`` (shown in --help, offered by completion)."""
    return typer.Option(*flags, parser=choice(what, values), metavar="|".join(values), help=help,
                        autocompletion=lambda: list(values))


FORMATS = ("table", "json", "csv", "markdown")
EXPLAIN_FORMATS = ("table", "json", "markdown")  # formulas are not rows of numbers: no CSV
TARGETS = ("pytorch",)

SpecArg = Annotated[str, typer.Argument(metavar="SPEC", help="YAML spec file ('-' reads standard input)",
                                        show_default=False)]
FormatOpt = Annotated[str, choice_option(("--format", "-f"), "an output format", FORMATS, "output format")]
ExplainFormatOpt = Annotated[str, choice_option(("--format", "-f"), "an output format of explain",
                                                EXPLAIN_FORMATS, "output format")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", min=0, metavar="N", help="collapse block instances nested deeper than this")
]
TracebackOpt = Annotated[bool, typer.Option("--traceback", help="show the Python traceback on errors")]
RfOpt = Annotated[bool, typer.Option("--rf", help="receptive field, jump and centre per layer")]
ConventionOpt = Annotated[str, choice_option(("--convention",), "a MAC convention", PRESETS,
                                             "MAC counting convention (docs/conventions.md)")]
ConventionsOpt = Annotated[bool, typer.Option("--conventions", help="MACs under every convention, side by side")]
FlopsOpt = Annotated[bool, typer.Option("--flops", help="show FLOPs = 2 x MACs")]
InputOpt = Annotated[list[str] | None, typer.Option(
    "--input", "-i", metavar="SHAPE", help="analyse at this input instead of the spec's, e.g. 320x320x3; repeat it to compare sizes",
    show_default=False)]
TargetOpt = Annotated[str, choice_option(("--to",), "an export target", TARGETS, "framework to write the model for")]

# --- the resource limits: one set of options, shared -----------------------------------------

LIMIT_OPTIONS: dict[str, Any] = {
    "max_layers": Annotated[int, typer.Option("--max-layers", min=1, metavar="N", help="limit on layers after expansion")],
    "max_depth": Annotated[int, typer.Option("--max-depth", min=1, max=MAX_DEPTH_CEILING, metavar="N",
                                             help="limit on YAML, block and merge nesting")],
    "max_bytes": Annotated[int, typer.Option("--max-bytes", min=1, max=MAX_BYTES_CEILING, metavar="N",
                                             help="limit on spec file size")],
    "max_expr": Annotated[int, typer.Option("--max-expr", min=1, metavar="N",
                                            help="limit on characters in one ${...} expression")],
}


def _sets(values: list[str] | None) -> list[str] | None:
    """Check each ``--set NAME=VALUE`` (the value is YAML, read with the spec)."""
    seen: set[str] = set()
    for item in values or []:
        name, eq, _ = item.partition("=")
        if not eq or not name.strip():
            raise typer.BadParameter(f"'{shown(item)}' is not NAME=VALUE, e.g. --set width=0.75")
        if name in seen:
            raise typer.BadParameter(f"'{shown(name)}' is set twice")
        seen.add(name)
    return values


SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", metavar="NAME=VALUE", callback=_sets, show_default=False,
    help="set a var of the spec (a YAML value; repeatable), e.g. --set width=0.75")]


def with_limits(*, file: bool = True) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the ``--max-*`` options; it receives them as one ``limits: Limits`` argument.
    A command that reads a spec file also gets ``--set NAME=VALUE`` (repeatable), received as
    ``overrides: dict[str, str]`` in the order given (docs/spec-language.md, vars).

    The command's signature, as typer reads it, gets the four options in place of ``limits``
    (``--max-bytes`` only when the command reads a file), so --help, errors and completion are
    typer's own; the wrapper builds the :class:`Limits` from them.
    """
    names = [n for n in LIMIT_OPTIONS if file or n != "max_bytes"]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(command, include_extras=True)
        sig = inspect.signature(command)
        params = [p.replace(annotation=hints[p.name]) for p in sig.parameters.values()
                  if p.name not in ("limits", "overrides")]
        params += [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, annotation=LIMIT_OPTIONS[n],
                                     default=getattr(DEFAULT, n)) for n in names]
        if file:
            params.append(inspect.Parameter("sets", inspect.Parameter.KEYWORD_ONLY, annotation=SetOpt, default=None))

        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> None:
            limits = Limits(**{n: kwargs.pop(n) for n in names})
            if file:
                kwargs["overrides"] = dict(item.partition("=")[::2] for item in kwargs.pop("sets") or [])
            command(*args, limits=limits, **kwargs)

        run.__signature__ = sig.replace(parameters=params, return_annotation=None)  # type: ignore[attr-defined]
        run.__annotations__ = {p.name: p.annotation for p in params}
        return run

    return decorate
