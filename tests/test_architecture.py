"""The dependency rules of docs/HACKING.md ("Layers"), checked on the source.

- ``forms/`` and ``maps/`` are pure; nothing but the CLI imports ``seed``.
- The server is layered: the kernel (top-level modules such as ``scope``, ``calendar``, ``db``), then the
  domain packages in ``DOMAIN_ORDER``, then the assembly (``APP``). An import may only go down the order
  (or stay inside its package). The schema (every ``models`` module) is one layer below all behaviour:
  any module may import any ``models``; a ``models`` module imports only the kernel and other models.
- Another package's behaviour is reached through the names its ``__init__`` exports (``__all__``).
- Ward scope has one owner: only ``server/scope.py`` filters a query by ``ward_ids`` (or ``ward_id.in_``).
- The local calendar has one owner: only ``server/calendar.py`` names a time zone or asks for today.
"""

from __future__ import annotations

import ast
import importlib
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


def test_the_docs_name_every_package_in_its_order() -> None:
    """docs/HACKING.md gives the domain order of DOMAIN_ORDER; the README's map has a line for every package."""
    hacking = (ROOT / "docs" / "HACKING.md").read_text(encoding="utf-8")
    order = " ".join(hacking.split("2. **domains**, in this order", 1)[1].split("3. **assembly**", 1)[0].split())
    assert order.endswith(" → ".join(f"`{name}`" for name in DOMAIN_ORDER) + "."), order
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code_map = readme.split("## Map of the code", 1)[1].split("```", 2)[1]
    packages = {p.name for p in SERVER.iterdir() if (p / "__init__.py").exists()}
    assert not [name for name in sorted(packages) if f"\n  {name}/ " not in code_map], "add them to the README's map"


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


#: Query methods whose arguments filter rows (a join's ``ON`` filters too).
FILTERS = frozenset({"where", "filter", "filter_by", "having", "join", "outerjoin", "join_from", "outerjoin_from"})
#: What ``server/scope.py`` defines: a call to it is the one right way to use a scope, so its arguments are fine.
SCOPE_KERNEL = frozenset(node.name for node in ast.parse((SERVER / "scope.py").read_text(encoding="utf-8")).body
                         if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef))
#: ``ward_id.in_(...)`` outside the scope kernel with a set of wards that is not who is asking, reviewed one by
#: one: (module, the argument as written) -> why it is no scope filter.
NOT_SCOPE = {
    ("server.coverage.counting", "in_year"): "the units in force in the year counted (`server.scope.in_force`); "
                                             "the same queries are then `scoped`",
    ("server.coverage.counting", "frame.in_year"): "the same, through the year's frame",
    ("server.coverage.services", "in_year"): "the same, for the businesses listed on the coverage map",
    ("server.registry.unit_imports", "ended_ids"): "an admin's import of new units moves the businesses, versions "
                                                   "and visits of the units it ends, across every ward",
    ("server.auth.ward_scopes", "list(successors)"): "after a merge, users of an old unit get its successors: "
                                                     "rewriting scopes, not reading through one",
}


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _mentions(node: ast.AST, names: set[str]) -> bool:
    """Whether ``node`` uses one of ``names`` (a variable or an attribute), outside calls to the scope kernel."""
    if isinstance(node, ast.Call) and _name(node.func) in SCOPE_KERNEL:
        return False
    return _name(node) in names or any(_mentions(child, names) for child in ast.iter_child_nodes(node))


def _scope_names(body: ast.AST) -> set[str]:
    """``ward_ids`` and every variable assigned from it (``wards = user.ward_ids``) in ``body``."""
    names, grew = {"ward_ids"}, True
    while grew:
        before = len(names)
        for node in ast.walk(body):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if _mentions(node.value, names):  # `wards = ...`, `a, wards = ...`; not `user.wards = ...`
                    names |= {t.id for target in targets for t in (target.elts if isinstance(target, ast.Tuple)
                                                                    else [target]) if isinstance(t, ast.Name)}
        grew = len(names) > before
    return names


def ward_filters(sources: dict[str, str]) -> list[str]:
    """Every place outside ``server/scope.py`` that filters a query by ward itself: a filter (``where``, a join,
    ...), an ``in_``/``not_in``/``any_`` or an ``==`` on ``ward_id`` that uses a user's ``ward_ids`` (or a
    variable taken from it), however the lines are broken; and every ``ward_id.in_(...)`` not in NOT_SCOPE."""
    bad, seen = [], set()
    for module, source in sources.items():
        if module == "server.scope":
            continue
        tree = ast.parse(source)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        top = ast.Module([n for n in tree.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)], [])
        for scope in [top, *functions]:  # a variable taken from ward_ids is followed within its function
            names = _scope_names(scope)
            for node in ast.walk(scope):
                found = None
                if isinstance(node, ast.Call):
                    method, args = _name(node.func), [*node.args, *(k.value for k in node.keywords)]
                    on_ward_id = isinstance(node.func, ast.Attribute) and _name(node.func.value) == "ward_id"
                    if method in FILTERS | {"in_", "not_in", "any_"} and any(_mentions(a, names) for a in args):
                        found = f"{method}(...) by ward_ids"
                    elif (method in ("in_", "not_in") and on_ward_id and len(args) == 1
                          and (module, ast.unparse(args[0])) not in NOT_SCOPE):
                        found = f"ward_id.{method}({ast.unparse(args[0])})"
                elif isinstance(node, ast.Compare) and any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
                    sides = [node.left, *node.comparators]
                    if any(_name(side) == "ward_id" for side in sides) and any(_mentions(s, names) for s in sides):
                        found = "ward_id == ... by ward_ids"
                if found and (module, node.lineno, found) not in seen:
                    seen.add((module, node.lineno, found))
                    bad.append(f"{module}:{node.lineno} {found}")
    return bad


def test_only_the_scope_kernel_filters_by_ward() -> None:
    assert ward_filters(server_sources()) == [], "filter by ward through server.scope.scoped / in_scope"


def test_every_reviewed_ward_filter_is_still_there() -> None:
    """An exception in NOT_SCOPE that the code no longer needs is removed, not kept to cover a new one."""
    sources = server_sources()
    for module, argument in NOT_SCOPE:
        assert f".in_({argument})" in sources[module] or f".not_in({argument})" in sources[module], (module, argument)


def test_the_ward_filter_check_catches_every_spelling_and_nothing_else() -> None:
    probes = {
        "server.tips.two_lines": "q = select(Tip).where(\n    Tip.ward_id.in_(\n        user.ward_ids))\n",
        "server.tips.equals": "q = q.where(Tip.ward_id == next(iter(user.ward_ids)))\n",
        "server.tips.condition": "held = Tip.ward_id.in_(sorted(user.ward_ids))\n",
        "server.tips.alias": "def f(user):\n    wards = user.ward_ids\n    return q.where(Tip.ward_id.in_(wards))\n",
        "server.tips.unreviewed": "q = q.where(Tip.ward_id.in_(others))\n",
        "server.tips.fine": (
            "q = scoped(select(Tip).where(Tip.status == 'open'), Tip.ward_id, user.ward_ids)\n"
            "q = q.where(in_scope(Tip.ward_id, user.ward_ids) | (Tip.handler_id == user.id))\n"
            "ids = ward_ids_by_code(session, year)\n"
            "report = finish(db, user.ward_ids, token)\n"
            "ok = e.ward_id in user.ward_ids\n"
            "q = q.where(Tip.ward_id == ward.id).join(Ward, Ward.id == Tip.ward_id)\n"
            "me = make_identity(1, 'a', 'b', set(), ward_ids=set())\n"),
    }
    assert ward_filters(probes) == [
        "server.tips.two_lines:1 where(...) by ward_ids", "server.tips.two_lines:2 in_(...) by ward_ids",
        "server.tips.equals:1 where(...) by ward_ids", "server.tips.equals:1 ward_id == ... by ward_ids",
        "server.tips.condition:1 in_(...) by ward_ids",
        "server.tips.alias:3 where(...) by ward_ids", "server.tips.alias:3 in_(...) by ward_ids",
        "server.tips.unreviewed:1 ward_id.in_(others)"]


#: The local calendar's one owner is server/calendar.py: elsewhere no time zone of its own, no machine-local day.
def calendar_bypasses(sources: dict[str, str]) -> list[str]:
    """``ZoneInfo(...)``, ``zoneinfo`` imports, ``date.today()``/``datetime.today()``, ``datetime.utcnow()`` and
    ``datetime.now(...)`` with anything but ``UTC`` (``server.db.utcnow``), outside ``server/calendar.py``."""
    bad = []
    for module, source in sources.items():
        if module == "server.calendar":
            continue
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import | ast.ImportFrom):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(m.split(".")[0] in ("zoneinfo", "pytz", "dateutil") for m in modules):
                    bad.append(f"{module}:{node.lineno} imports a time zone library")
            elif isinstance(node, ast.Call):
                called, on = _name(node.func), ast.unparse(node.func).rsplit(".", 1)[0]
                utc = [ast.unparse(a) for a in [*node.args, *(k.value for k in node.keywords)]] == ["UTC"]
                if (called == "ZoneInfo" or (called in ("today", "utcnow") and on.endswith(("date", "datetime")))
                        or (called == "now" and on.endswith("datetime") and not utc)):
                    bad.append(f"{module}:{node.lineno} {ast.unparse(node)}")
    return bad


def test_only_the_calendar_knows_the_time_zone_and_today() -> None:
    assert calendar_bypasses(server_sources()) == [], "use server.calendar (LOCAL_TZ, local_now, local_today)"


def test_the_calendar_check_names_each_bypass() -> None:
    probes = {"server.tips.probe": ("from zoneinfo import ZoneInfo\nTZ = ZoneInfo('Asia/Ho_Chi_Minh')\n"
                                    "a = date.today()\nb = datetime.now(TZ)\nc = datetime.datetime.now()\n"
                                    "d = datetime.now(UTC)\ne = local_today()\n")}
    assert calendar_bypasses(probes) == [
        "server.tips.probe:1 imports a time zone library", "server.tips.probe:2 ZoneInfo('Asia/Ho_Chi_Minh')",
        "server.tips.probe:3 date.today()", "server.tips.probe:4 datetime.now(TZ)",
        "server.tips.probe:5 datetime.datetime.now()"]
