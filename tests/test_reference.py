"""cnncalc.render.reference: docs/layers.md is generated from the registry and kept current."""

from __future__ import annotations

from pathlib import Path

from cnncalc.layers import REGISTRY
from cnncalc.render.reference import reference

DOC = Path(__file__).parent.parent / "docs" / "layers.md"


def test_the_committed_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), "regenerate: cnncalc kinds -f markdown > docs/layers.md"


def test_every_kind_and_argument_is_in_it() -> None:
    text = reference()
    for name, cls in REGISTRY.items():
        assert f"## {cls.kind}\n" in text and (name == cls.kind or f"`{name}`" in text)
    assert text.count("**Kept for backward:**") == len({cls.kind for cls in REGISTRY.values()})
