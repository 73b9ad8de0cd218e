"""``python -m cnncalc`` runs the CLI, as the console script does."""

from cnncalc.cli.main import console

console()
