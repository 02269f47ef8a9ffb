"""The import graph keeps its layers: helpers below the areas, sync below the areas, and desk
and field independent siblings (read from the source with ast, nothing imported)."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pwa"
AREAS = {"desk", "field", "watch", "lead", "board", "home", "admin", "auth", "api", "webapp"}
# What each layer must not import. The base sits under everything; sync under the areas.
BASE = {"facts", "reference", "fields", "models", "classifications", "clock", "database",
        "extensions", "text", "roles", "i18n"}
FORBIDDEN = {
    **{name: AREAS | {"sync"} for name in BASE},
    "sync": AREAS,
    "field": {"desk"},
    "api": {"desk"},
}


def imported_packages(path: Path) -> set[str]:
    """The top-level pwa modules a file imports (relative or absolute)."""
    module = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(module.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    package = parts if path.name == "__init__.py" else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
                if not node.module:     # from .. import classifications, desk
                    found.update(alias.name for alias in node.names if len(base) == 1)
            else:
                target = (node.module or "").split(".")
            if len(target) > 1 and target[0] == "pwa":
                found.add(target[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names = alias.name.split(".")
                if len(names) > 1 and names[0] == "pwa":
                    found.add(names[1])
    return found


def layer_of(path: Path) -> str:
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


FILES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_it(path):
    layer = layer_of(path)
    wrong = imported_packages(path) & FORBIDDEN.get(layer, set())
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_the_walk_sees_relative_imports():
    """The walk itself: a known import of the desk's routes is found."""
    assert {"facts", "reference", "models"} <= imported_packages(PACKAGE / "desk" / "routes.py")
