"""The ``cnncalc`` command as typer sees it: the table of :mod:`cnncalc.cli.params` made into typer
commands, so ``--help``, usage errors and shell completion are typer's own.

Exit status: 0 success; 1 an expectation failed (``check``); 2 a user error (bad spec,
impossible shape, bad option, standard output that cannot be written), printed as
``file:line:col`` with the source line and a caret; 141 standard output's reader went away.
``--traceback`` shows the Python trace instead.  Well-formed command lines usually never get
here: :mod:`cnncalc.cli.fast` runs them without importing typer.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from cnncalc.cli.params import COMMANDS, Command, Param, arguments, check_choice, params_of
from cnncalc.cli.streams import Exit, write_out

app = typer.Typer(
    help="Shapes, parameters, MACs and memory of convolutional networks, from a YAML spec.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion and --show-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # typer 0.29's rich help shows every flag as '--rf <bool>'; its plain help does not
)


class UsageCommand(TyperCommand):
    """typer's command, with arguments in the usage line as ``SPEC`` (typer 0.29 writes ``{SPEC}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [re.sub(r"^\{(.+)\}(\.\.\.)?$", r"\1", p) for p in super().collect_usage_pieces(ctx)]


def _checked(check: Any) -> Any:
    """A parameter check as typer wants it: a ValueError becomes typer's usage error."""
    def run(value: Any) -> Any:
        try:
            return check(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return run


def _choice_check(p: Param) -> Any:
    return lambda value: check_choice(value, p.what, p.choices)


def _completions(choices: tuple[str, ...]) -> Any:
    def complete() -> list[str]:  # typer inspects a completion function's parameters: it takes none
        return list(choices)

    return complete


def _annotation(p: Param) -> Any:
    """The typer type of one parameter."""
    if p.kind == "args":
        return Annotated[list[str], typer.Argument(metavar=p.metavar, help=p.help, show_default=False)]
    if p.positional:
        return Annotated[str, typer.Argument(metavar=p.metavar, help=p.help, show_default=False)]
    if p.kind == "flag":
        return Annotated[bool, typer.Option(*p.flags, help=p.help)]
    if p.kind == "choice":
        return Annotated[str, typer.Option(*p.flags, parser=_checked(_choice_check(p)), metavar=p.metavar,
                                           help=p.help, autocompletion=_completions(p.choices))]
    if p.kind == "many":
        return Annotated[list[str] | None, typer.Option(
            *p.flags, metavar=p.metavar, help=p.help, show_default=False,
            **({"callback": _checked(p.check)} if p.check else {}))]
    if p.kind == "int":
        kind = int if p.default is not None else int | None
        return Annotated[kind, typer.Option(*p.flags, min=p.min, max=p.max, metavar=p.metavar, help=p.help)]
    return Annotated[str | None, typer.Option(*p.flags, metavar=p.metavar, help=p.help, show_default=False,
                                              **({"callback": _checked(p.check)} if p.check else {}))]


def _register(command: Command) -> None:
    params = [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(p),
                                default=inspect.Parameter.empty if p.positional or p.required else p.default)
              for p in params_of(command)]

    def run(**values: Any) -> None:
        impl = getattr(importlib.import_module("cnncalc.cli.commands"), command.name)
        try:
            impl(**arguments(command, values))
        except Exit as exc:
            raise typer.Exit(exc.code) from None

    run.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params}
    run.__doc__ = command.help
    app.command(command.name, cls=UsageCommand, help=command.help, epilog=f"Example: {command.example}")(run)


for _command in COMMANDS:
    _register(_command)


def _version(value: bool) -> None:
    if value:
        # The running package's own version.  Python imports the package before any of its modules,
        # so it is there to read; an import statement would make cli depend on the API above it.
        write_out(f"cnncalc {sys.modules['cnncalc'].__version__}\n")
        raise typer.Exit()


@app.callback()
def root(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="print the version and exit")] = False) -> None:
    """Shapes, parameters, MACs and memory of convolutional networks, from a YAML spec."""
