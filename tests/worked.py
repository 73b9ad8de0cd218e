"""Helpers for tests worked out by hand on small specs (the course's examples)."""

from __future__ import annotations

import textwrap

import pytest

import cnncalc
from cnncalc.errors import CnnCalcError, flatten


def run(text: str) -> cnncalc.Report:
    """Analyse spec text (dedented), as the library does."""
    return cnncalc.analyze_text(textwrap.dedent(text), "seed.yaml")


def row(report: cnncalc.Report, name: str) -> cnncalc.LayerReport:
    found = [r for r in report.rows if r.name == name]
    assert len(found) == 1, [r.name for r in report.rows]
    return found[0]


def only(report: cnncalc.Report, kind: str) -> cnncalc.LayerReport:
    found = [r for r in report.rows if r.kind == kind]
    assert len(found) == 1, [r.kind for r in report.rows]
    return found[0]


def errors_of(text: str) -> list[CnnCalcError]:
    """Every error the spec text (dedented) raises; it must raise."""
    with pytest.raises(CnnCalcError) as info:
        run(text)
    return flatten(info.value)
