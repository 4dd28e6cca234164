"""Plans as data: the city office creates, copies and edits a year's plan through the API and the pages,
every change is audited, and every page opens on the plan whose period holds today."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar.testing import TestClient

from server.calendar import local_today
from tests.dbs import execute

Login = Callable[[str], TestClient]


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_demo_has_a_plan_for_every_year_through_today(as_user: Login) -> None:
    plans = as_user("teamlead").get("/api/v1/plans").json()
    years = [p["year"] for p in plans]
    assert years == list(range(local_today().year, 2022, -1))
    assert [p["year"] for p in plans if p["current"]] == [local_today().year]
    assert plans[-1]["targets"]["t9_industrial_workers_reached"] == 0.3  # the 2023 plan's T9 for industrial zones


def test_pages_and_endpoints_open_on_todays_plan_year(as_user: Login) -> None:
    city = as_user("cityoffice")
    year = local_today().year
    assert city.get("/api/v1/coverage").json()["year"] == year
    assert city.get("/api/v1/tips/on-time").json()["year"] == year
    assert f'value="{year}"' in as_user("teamlead").get("/targets").text
    assert 'id="plan-gap"' not in city.get("/coverage").text


def test_create_copy_edit_and_audit_a_plan(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    year = local_today().year + 1
    created = city.post("/api/v1/plans", json={"year": year, "copy_from": year - 1})
    assert created.status_code == 201, created.text
    plan = created.json()
    assert plan["starts_on"] == f"{year}-01-01" and plan["ends_on"] == f"{year}-12-31"
    assert str(year) in plan["title"] and plan["ward_target_ratio"] == 0.8 and not plan["current"]
    wards = execute(database_url, "SELECT count(*) FROM plan_ward_targets t JOIN plans p ON p.id = t.plan_id "
                                  "WHERE p.year = :y", {"y": year})
    assert wards == [(34,)]  # the per-ward ratios came along
    assert city.post("/api/v1/plans", json={"year": year}).status_code == 409  # one plan a year

    edited = city.patch(f"/api/v1/plans/{year}", json={"city_team_target": 40, "ward_target_ratio": 0.85})
    assert edited.status_code == 200 and edited.json()["city_team_target"] == 40
    assert city.get(f"/api/v1/plans/{year}").json()["ward_target_ratio"] == 0.85
    actions = [a for (a,) in execute(database_url, "SELECT action FROM audit_events WHERE target_type = 'plan' "
                                                   "AND target_id = :y ORDER BY id", {"y": str(year)})]
    assert actions == ["plan.create", "plan.update"]
    assert city.get("/api/v1/audit/verify").json()["ok"] is True


def test_bad_plans_are_refused_and_change_nothing(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    year = local_today().year + 2
    overlapping = city.post("/api/v1/plans", json={"year": year, "starts_on": f"{year}-01-01",
                                                   "ends_on": f"{year + 1}-06-30"})
    assert overlapping.status_code == 201  # nothing after it yet
    later = city.post("/api/v1/plans", json={"year": year + 1})
    assert later.status_code == 409 and later.json()["code"] == "overlap"
    backwards = city.patch(f"/api/v1/plans/{year}", json={"ends_on": f"{year - 1}-12-31"})
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["path"] == "ends_on"
    assert city.post("/api/v1/plans", json={"year": year + 3, "ward_target_ratio": 1.5}).status_code == 400
    assert city.post("/api/v1/plans", json={"year": year + 3, "starts_on": f"{year + 2}-12-01"}).status_code == 422
    assert city.get(f"/api/v1/plans/{year}").json()["ends_on"] == f"{year + 1}-06-30"
    assert execute(database_url, "SELECT count(*) FROM plans WHERE year > :y", {"y": year}) == [(0,)]


def test_only_the_city_office_and_admins_write_plans(as_user: Login) -> None:
    year = local_today().year + 1
    for login in ("teamlead", "police.hamrong", "inspector1"):
        client = as_user(login)
        assert client.get("/api/v1/plans").status_code == 200
        assert client.post("/api/v1/plans", json={"year": year}).status_code == 403
        assert client.patch(f"/api/v1/plans/{year - 1}", json={"city_team_target": 1}).status_code == 403
    assert as_user("admin").post("/api/v1/plans", json={"year": year}).status_code == 201


def test_without_a_plan_for_today_the_pages_say_so(as_user: Login, database_url: str) -> None:
    execute(database_url, "DELETE FROM plan_ward_targets WHERE plan_id IN (SELECT id FROM plans WHERE year = :y)",
            {"y": local_today().year})
    execute(database_url, "DELETE FROM plans WHERE year = :y", {"y": local_today().year})
    city = as_user("cityoffice")
    assert city.get("/api/v1/coverage").json()["year"] == local_today().year - 1  # the newest plan before today
    page = city.get("/coverage").text
    assert 'id="plan-gap"' in page and 'href="/plans"' in page
    assert 'id="no-plan-today"' in city.get("/plans").text
    ward = city.get("/api/v1/wards").json()[0]["code"]
    for url in ("/", "/targets", "/indicators", "/coverage/map", f"/coverage/wards/{ward}", "/tips/on-time"):
        # every page that opens on the plan year says which year it shows
        shown = city.get(url)
        assert shown.status_code == 200 and 'id="plan-gap"' in shown.text, url
        assert f"kế hoạch năm {local_today().year - 1}" in shown.text, url
    # the schedule is for the days ahead: it plans this calendar year on the default targets, and says so
    schedule = city.get("/schedule").text
    assert f"Lịch kiểm tra năm {local_today().year}" in schedule and 'id="no-plan"' in schedule
    planned = city.post("/api/v1/schedule", json={"year": local_today().year, "time_limit_s": 1})
    assert planned.status_code == 201, planned.text
    assert all(day["date"] <= f"{local_today().year}-12-31" for day in planned.json()["days"])
    assert city.post("/api/v1/schedule", json={"year": local_today().year + 1}).status_code == 404


def test_the_pages_create_a_year_by_copy_and_save_an_edit(as_user: Login) -> None:
    city = as_user("cityoffice")
    year = local_today().year + 1
    page = city.get("/plans")
    assert page.status_code == 200 and 'id="new-plan"' in page.text
    made = city.post("/plans", data={"_csrf_token": csrf(page.text), "year": str(year),
                                     "copy_from": str(year - 1)}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith(f"/plans/{year}")
    form = city.get(f"/plans/{year}").text
    assert f'value="01/01/{year}"' in form  # dates as people write them
    fields = {"_csrf_token": csrf(form), "title": f"Kế hoạch năm {year}", "starts_on": f"01/02/{year}",
              "ends_on": f"31/12/{year}", "ward_target_ratio": "85", "city_team_target": "40"}
    fields |= {name: "100" for name in re.findall(r'name="(t\d+_[a-z_]+)"', form)}
    saved = city.post(f"/plans/{year}", data=fields, follow_redirects=False)
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    plan = city.get(f"/api/v1/plans/{year}").json()
    assert plan["starts_on"] == f"{year}-02-01" and plan["ward_target_ratio"] == 0.85
    assert plan["targets"]["t10_wards_piloting_a_model"] == 1.0
    fields["ends_on"] = "31/13/2020"
    refused = city.post(f"/plans/{year}", data=fields, follow_redirects=False)
    assert "error=" in refused.headers["location"]
    assert city.get(f"/api/v1/plans/{year}").json()["ends_on"] == f"{year}-12-31"
