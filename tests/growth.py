"""Deterministic growth measurement for tests: count Python function calls, not seconds.

``calls(fn)`` runs ``fn`` under cProfile and returns the number of function calls it made
(generator resumptions included).  A linear algorithm at 4x the input makes about 4x the calls;
a quadratic one 16x.  Unlike wall-clock time this does not depend on the machine's load.
"""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from typing import Any


def calls(fn: Callable[[], Any]) -> int:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    return int(pstats.Stats(profiler).total_calls)  # type: ignore[attr-defined]


def ratio(make: Callable[[int], Callable[[], Any]], n: int, factor: int = 4) -> float:
    """Calls at ``factor * n`` divided by calls at ``n`` (after a warm-up run of the small size)."""
    make(n)()  # warm imports and caches so that they are not counted once
    return calls(make(factor * n)) / calls(make(n))
