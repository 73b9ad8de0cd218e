"""``python -m cnncalc`` runs the CLI."""

from cnncalc.cli.app import main

main()
