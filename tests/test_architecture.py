"""The dependency rules of DESIGN §2, checked on the source: pure cores, and nothing imports seed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
FORBIDDEN_IN_CORE = ("litestar", "sqlalchemy", "advanced_alchemy", "alembic", "server", "seed")


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["forms", "maps"])
def test_pure_packages_import_no_framework_and_no_app(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        bad = imports_of(path) & set(FORBIDDEN_IN_CORE)
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_only_the_cli_imports_seed() -> None:
    for path in (ROOT / "server").rglob("*.py"):
        if path.name == "cli.py":
            continue
        assert "seed" not in imports_of(path), f"{path.relative_to(ROOT)} imports seed"
    for package in ("forms", "maps"):
        for path in (ROOT / package).rglob("*.py"):
            assert "seed" not in imports_of(path)
