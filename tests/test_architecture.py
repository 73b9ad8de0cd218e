"""The house: data flows one way through the stages, and nothing imports back up.

Stages, lowest first (a module may import its own stage and the ones below):

    records -> errors -> limits -> shapes  ->  source  ->  layers  ->  spec  ->  graph  ->  analysis
    ->  explain | export (siblings that never import each other)  ->  render  ->  cli

``cnncalc/__init__.py`` (the public API) and ``__main__`` sit on top.  Imports inside
functions count too: a lazy import is still an import.  Only ``render`` and ``cli``
import rich; only ``cli`` imports typer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cnncalc"
STAGES = [
    ("records",),
    ("errors",),
    ("limits",),
    ("shapes",),
    ("source",),
    ("layers",),
    ("spec",),
    ("graph",),
    ("analysis",),
    ("explain", "export"),
    ("render",),
    ("cli",),
    ("__init__", "__main__"),
]
RANK = {name: i for i, names in enumerate(STAGES) for name in names}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


def stage(module: str) -> str:
    """The stage a module belongs to: its first component under cnncalc."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}:{node.lineno}: use absolute imports (cnncalc.x.y)"
            found.append((node.lineno, node.module))
            if node.module == "cnncalc":  # from cnncalc import x: x is a stage of its own
                found += [(node.lineno, f"cnncalc.{a.name}") for a in node.names]
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_stage_is_known() -> None:
    unknown = {stage(module_name(p)) for p in MODULES} - set(RANK)
    assert not unknown, f"modules outside the known stages: {unknown}; add them to STAGES"


@pytest.mark.parametrize("path", MODULES, ids=[module_name(p) for p in MODULES])
def test_imports_never_run_back_up_a_stage(path: Path) -> None:
    me = stage(module_name(path))
    bad = []
    for line, target in imports(path):
        if target == "cnncalc" or target.startswith("cnncalc."):
            other = stage(target)
            if RANK[other] > RANK[me] or (RANK[other] == RANK[me] and other != me):
                bad.append(f"line {line}: {me} imports {target}")
        elif target.split(".")[0] == "rich" and me not in ("render", "cli"):
            bad.append(f"line {line}: {me} imports rich (only render and cli may)")
        elif target.split(".")[0] in ("typer", "click") and me != "cli":
            bad.append(f"line {line}: {me} imports {target} (only cli may)")
    assert not bad, f"{module_name(path)}:\n  " + "\n  ".join(bad)


def test_no_import_circles() -> None:
    graph: dict[str, set[str]] = {}
    names = {module_name(p) for p in MODULES}
    for p in MODULES:
        me = module_name(p)
        graph[me] = set()
        for _, target in imports(p):
            # importing a.b.c imports a.b too; record the deepest module that exists
            while target and target not in names:
                target = target.rpartition(".")[0]
            if target and target != me and not me.startswith(target + "."):
                graph[me].add(target)
    # a package's __init__ importing its own modules is how packages work; not a circle
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(n: str, path: list[str]) -> bool:
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1 and not n.startswith(m + "."):
                cycle.extend([*path[path.index(m):], m] if m in path else [n, m])
                return True
            if m not in state and visit(m, [*path, m]):
                return True
        state[n] = 2
        return False

    for n in sorted(graph):
        if n not in state and visit(n, [n]):
            break
    assert not cycle, "import circle: " + " -> ".join(cycle)


def test_modules_stay_readable() -> None:
    """About 300 lines a module, 150 a layer module (STYLE.md): a longer one wants splitting."""
    long = []
    for p in MODULES:
        n = len(p.read_text(encoding="utf-8").splitlines())
        limit = 200 if p.parent.name == "layers" else 330
        if n > limit:
            long.append(f"{module_name(p)}: {n} lines (limit {limit})")
    assert not long, "\n".join(long)


def test_every_public_class_has_a_docstring() -> None:
    """A newcomer reads what a type is for before reading its code."""
    missing = []
    for p in MODULES:
        for node in ast.parse(p.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and not ast.get_docstring(node):
                missing.append(f"{module_name(p)}.{node.name}")
    assert not missing, "public classes without a docstring: " + ", ".join(missing)


def test_zip_says_whether_lengths_must_agree() -> None:
    """zip silently stops at the shortest input: every call says strict=True (or False, on purpose)."""
    loose = []
    for p in MODULES:
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "zip"
                    and not any(k.arg == "strict" for k in node.keywords)):
                loose.append(f"{module_name(p)}:{node.lineno}")
    assert not loose, "zip without strict=: " + ", ".join(loose)
