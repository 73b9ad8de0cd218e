"""``python -m cnncalc`` runs the CLI."""

from cnncalc.cli.main import main

main()
