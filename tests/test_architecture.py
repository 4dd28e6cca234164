"""The dependency rules of docs/HACKING.md ("Layers"), checked on the source.

- ``forms/`` and ``maps/`` are pure; nothing but the CLI imports ``seed``.
- The server is layered: the kernel (top-level modules such as ``scope``, ``calendar``, ``db``), then the
  domain packages in ``DOMAIN_ORDER``, then the assembly (``APP``). An import may only go down the order
  (or stay inside its package). The schema (every ``models`` module) is one layer below all behaviour:
  any module may import any ``models``; a ``models`` module imports only the kernel and other models.
- Another package's behaviour is reached through the names its ``__init__`` exports (``__all__``).
- Ward scope has one owner: only ``server/scope.py`` filters by ``ward_ids``.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SERVER = ROOT / "server"
FORBIDDEN_IN_CORE = ("litestar", "sqlalchemy", "advanced_alchemy", "alembic", "server", "seed")

#: The domain packages, lowest first: each may use those before it, never those after it.
DOMAIN_ORDER = ["wards", "audit", "webhooks", "auth", "registry", "planning", "inspections", "review",
                "submissions", "xlsform", "openrosa", "tips", "coverage", "schedule"]
#: The assembly: the app, its route table, the CLI, pages across domains; may import anything.
APP = {"app", "routes", "cli", "models", "deps", "home", "pages", "migrations"}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def server_imports(source: str) -> list[tuple[str, list[str]]]:
    """(module, names) of every ``server.*`` import in a module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("server"):
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("server.")]
    return found


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit(module: str) -> str:
    """The package (``server.tips.services`` -> ``tips``) or top-level module (``server.scope`` -> ``scope``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "server"


def rank(name: str) -> int:
    if name in APP:
        return len(DOMAIN_ORDER) + 1
    if name in DOMAIN_ORDER:
        return DOMAIN_ORDER.index(name) + 1
    return 0  # the kernel


def is_models(module: str) -> bool:
    return module.endswith(".models") and module != "server.models"  # server.models gathers them for Alembic


def server_sources() -> dict[str, str]:
    """Module name -> source of every server module (migrations aside)."""
    return {module_of(p): p.read_text(encoding="utf-8") for p in SERVER.rglob("*.py") if "migrations" not in p.parts}


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


def test_every_package_and_module_has_a_place_in_the_order() -> None:
    packages = {p.name for p in SERVER.iterdir() if (p / "__init__.py").exists()}
    assert packages <= set(DOMAIN_ORDER) | APP, f"place {sorted(packages - set(DOMAIN_ORDER) - APP)} in DOMAIN_ORDER"


def layer_violations(sources: dict[str, str]) -> list[str]:
    bad = []
    for here, source in sources.items():
        for target, _names in server_imports(source):
            if is_models(here) and not (is_models(target) or rank(unit(target)) == 0):
                bad.append(f"{here} (schema) imports behaviour {target}")
            elif target == "server" or unit(target) == unit(here):
                continue
            elif rank(unit(here)) == 0 and rank(unit(target)) > 0 and not is_models(target):
                bad.append(f"{here} (kernel) imports {target}")
            elif (not is_models(target) and rank(unit(target)) >= rank(unit(here)) > 0
                  and unit(here) not in APP):
                bad.append(f"{here} imports {target}, which is not below it")
    return bad


def test_imports_go_down_the_order_only() -> None:
    assert layer_violations(server_sources()) == []


def test_the_order_check_names_an_upward_import_and_a_schema_that_imports_behaviour() -> None:
    probes = {"server.review.probe": "from server.submissions import submit\nfrom server.tips.models import Tip\n",
              "server.tips.models": "from server.tips.services import visible\n"}
    assert layer_violations(probes) == ["server.review.probe imports server.submissions, which is not below it",
                                        "server.tips.models (schema) imports behaviour server.tips.services"]


def export_violations(sources: dict[str, str]) -> list[str]:
    bad = []
    for here, source in sources.items():
        if unit(here) in APP:
            continue
        for target, names in server_imports(source):
            there = unit(target)
            if there in (unit(here), "server") or rank(there) == 0 or is_models(target):
                continue
            if target != f"server.{there}":
                bad.append(f"{here} imports {target} (use `from server.{there} import ...`)")
                continue
            exported = set(importlib.import_module(target).__all__)
            bad += [f"{here} imports {n} from server.{there}, which does not export it" for n in names
                    if n not in exported]
    return bad


def test_other_packages_use_only_what_a_package_exports() -> None:
    assert export_violations(server_sources()) == []


def test_the_export_check_names_a_reach_into_another_package() -> None:
    probes = {"server.tips.probe": "from server.review.services import decide\nfrom server.review import nothing\n"}
    assert export_violations(probes) == [
        "server.tips.probe imports server.review.services (use `from server.review import ...`)",
        "server.tips.probe imports nothing from server.review, which does not export it"]


def test_every_export_resolves() -> None:
    for package in DOMAIN_ORDER:
        module = importlib.import_module(f"server.{package}")
        for name in module.__all__:
            assert getattr(module, name) is not None, f"server.{package}.{name}"


WARD_FILTER = re.compile(r"\.in_\([^)]*ward_ids")


def test_only_the_scope_kernel_filters_by_ward_ids() -> None:
    offenders = [f"{module}:{n}" for module, source in server_sources().items() if module != "server.scope"
                 for n, line in enumerate(source.splitlines(), 1) if WARD_FILTER.search(line)]
    assert offenders == [], "filter by ward through server.scope.scoped / in_scope"
    assert WARD_FILTER.search("query.where(Tip.ward_id.in_(user.ward_ids))")  # the pattern catches the old way
