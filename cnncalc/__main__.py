"""``python -m cnncalc`` runs the CLI."""

from .cli import main

main()
