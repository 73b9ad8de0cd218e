"""Stage 5a: a report's numbers as formulas with the values substituted (``cnncalc explain``)."""
