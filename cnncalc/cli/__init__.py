"""Stage 7: the ``cnncalc`` command, a thin typer shell over the stages: parse arguments, call the library, render."""
