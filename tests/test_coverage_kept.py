"""Kept figures (``server/coverage/figures.py``): each ward's counts of a year are stored and recomputed only for
the wards a write marked; whatever writes (the app, SQL behind its back), the kept figures equal a count made
from scratch (``?as_of=`` today counts live), and a write marks exactly the wards it can move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from litestar.testing import TestClient

from server.calendar import local_today
from tests.dbs import execute
from tests.test_coverage import (
    DONG_THO,
    HAM_RONG,
    add_inspection,
    as_recorded,
    brute_force,
    inspected_once,
    uninspected,
)

Login = Callable[[str], TestClient]


def kept_and_live(client: TestClient, year: int) -> tuple[dict[str, object], dict[str, object]]:
    """The year's figures as kept and as counted from scratch today (both through the API)."""
    def figures(params: dict[str, object]) -> dict[str, object]:
        body = client.get("/api/v1/coverage", params={"year": year, **params}).json()
        return {"wards": {w["code"]: (w["active"], w["inspected"]) for w in body["wards"]},
                "total": (body["active"], body["inspected"])}
    return figures({}), figures({"as_of": local_today().isoformat()})


def marked(url: str, year: int) -> set[str]:
    rows = execute(url, "SELECT DISTINCT w.code FROM coverage_dirty d JOIN wards w ON w.id = d.ward_id "
                        "WHERE d.year = :y", {"y": year})
    return {r[0] for r in rows}


def test_kept_figures_equal_a_fresh_count_after_writes_behind_the_apps_back(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    year = local_today().year
    kept, live = kept_and_live(city, year)
    assert kept == live
    assert marked(database_url, year) == set()  # the read consumed every mark of the year

    # A visit typed into the database by hand: its ward (and only its ward) is marked, then counted.
    business = uninspected(database_url, HAM_RONG)
    add_inspection(database_url, business, datetime.now(UTC))
    assert marked(database_url, year) == {HAM_RONG}
    after, live = kept_and_live(city, year)
    assert after == live
    assert after["wards"][HAM_RONG][1] == kept["wards"][HAM_RONG][1] + 1  # type: ignore[index]

    # The visit rejected, the business moved to another ward, another closed: SQL only.
    execute(database_url, "UPDATE inspections SET review_state = 'rejected' WHERE establishment_id = :e",
            {"e": business})
    moved, closing = uninspected(database_url, DONG_THO), uninspected(database_url, HAM_RONG)
    as_recorded(database_url, "ward_id = (SELECT id FROM wards WHERE code = '14755' ORDER BY valid_from DESC "
                              "LIMIT 1)", [moved])
    as_recorded(database_url, "status = 'closed'", [closing])
    assert {HAM_RONG, DONG_THO} <= marked(database_url, year)
    final, live = kept_and_live(city, year)
    assert final == live
    assert final["wards"][HAM_RONG] == (kept["wards"][HAM_RONG][0] + 1 - 1, kept["wards"][HAM_RONG][1])  # type: ignore[index]
    assert final["wards"][DONG_THO][0] == kept["wards"][DONG_THO][0] - 1  # type: ignore[index]


def test_a_closed_year_is_kept_and_still_matches_the_rule(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    first = city.get("/api/v1/coverage", params={"year": 2023}).json()
    stored = execute(database_url, "SELECT count(*), min(source), max(source) FROM coverage_figures "
                                   "WHERE year = 2023")[0]
    assert stored == (34, "versions", "versions")  # every ward, read on the registry as recorded then
    done = inspected_once(database_url, DONG_THO)
    add_inspection(database_url, done, datetime(2023, 3, 3, 9, tzinfo=UTC))  # a second visit: no change
    add_inspection(database_url, uninspected(database_url, DONG_THO), datetime(2023, 5, 5, 9, tzinfo=UTC))
    body = city.get("/api/v1/coverage", params={"year": 2023}).json()
    got = {w["code"]: (w["active"], w["inspected"]) for w in body["wards"]}
    assert got == brute_force(database_url, 2023)
    before = {w["code"]: w["inspected"] for w in first["wards"]}
    assert got[DONG_THO][1] == before[DONG_THO] + 1
    assert body["months"][-1] == body["inspected"] == first["inspected"] + 1


def test_a_change_of_plan_drops_the_kept_figures_and_they_come_back(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    year = local_today().year
    before = city.get("/api/v1/coverage", params={"year": year}).json()
    assert execute(database_url, "SELECT count(*) FROM coverage_figures WHERE year = :y", {"y": year})[0][0] > 0
    kept = execute(database_url, "SELECT count(*) FROM coverage_figures")[0][0]
    assert city.patch(f"/api/v1/plans/{year}", json={"title": "Kế hoạch đã sửa"}).status_code == 200
    assert execute(database_url, "SELECT count(*) FROM coverage_figures")[0][0] == kept  # targets are read live
    starts = city.get(f"/api/v1/plans/{year}").json()["starts_on"]
    moved = city.patch(f"/api/v1/plans/{year}", json={"starts_on": f"{year}-01-02"})
    assert moved.status_code == 200, moved.text
    assert starts != f"{year}-01-02"
    assert execute(database_url, "SELECT count(*) FROM coverage_figures")[0][0] == 0
    after = city.get("/api/v1/coverage", params={"year": year}).json()
    assert after["wards"] == before["wards"] and after["months"] == before["months"]


def test_every_table_that_moves_figures_has_its_triggers(database_url: str) -> None:
    """A later migration that rebuilds a table (SQLite's batch mode) would drop its triggers silently."""
    if database_url.startswith("sqlite"):
        rows = execute(database_url, "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                     "AND name LIKE 'coverage_%'")
    else:
        rows = execute(database_url, "SELECT event_object_table FROM information_schema.triggers "
                                     "WHERE trigger_name LIKE 'coverage_%'")
    tables = {r[0] for r in rows}
    assert tables == {"inspections", "establishments", "establishment_versions", "wards", "plans", "teams"}
