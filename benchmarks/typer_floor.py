"""The yardstick for start-up: a minimal typer app (one command, three options).

cnncalc's commands are compared with this: whatever cnncalc adds beyond what typer costs
any CLI is cnncalc's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(add_completion=False)


@app.command()
def main(
    spec: Annotated[Path, typer.Argument()],
    fmt: Annotated[str, typer.Option("--format", "-f")] = "table",
    depth: Annotated[int, typer.Option("--depth")] = 0,
    flag: Annotated[bool, typer.Option("--flag")] = False,
) -> None:
    typer.echo(f"{spec} {fmt} {depth} {flag}")


if __name__ == "__main__":
    app()
