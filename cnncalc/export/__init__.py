"""Stage 5b: a graph as a standalone PyTorch file (``cnncalc export``)."""
