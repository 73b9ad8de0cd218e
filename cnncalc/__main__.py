"""``python -m cnncalc`` runs the CLI and exits through ``SystemExit``, so that coverage,
profilers and ``runpy`` see the end of the run (the console script skips the teardown)."""

from cnncalc.cli.main import main

main()
