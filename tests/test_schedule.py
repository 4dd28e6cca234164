"""The year schedule through the app: planned from the plan's targets, coverage, risk and capacity; its forecast
per ward (the API, the coverage and targets pages); a team lead moves a stop and publishes days, which become the
assignments the phones show; re-planning keeps published days and takes missed stops back. Roles and wards are
checked; bad input changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from litestar.testing import TestClient

from server.calendar import local_today
from tests.dbs import execute

Login = Callable[[str], TestClient]
YEAR = local_today().year + 1  # next year's plan: nothing inspected yet, every ward short of 80 %
FROM = date(YEAR, 1, 4) + timedelta(days=-date(YEAR, 1, 4).weekday() % 7)  # the first Monday from 4 January
TO = FROM + timedelta(days=25)  # four weeks, Monday to Friday


@pytest.fixture
def planned(as_user: Login, database_url: str) -> tuple[TestClient, dict]:  # type: ignore[type-arg]
    city = as_user("cityoffice")
    assert city.post("/api/v1/plans", json={"year": YEAR, "copy_from": YEAR - 1}).status_code == 201
    out = city.post("/api/v1/schedule", json={"year": YEAR, "from": FROM.isoformat(), "to": TO.isoformat(),
                                              "time_limit_s": 3})
    assert out.status_code == 201, out.text
    return city, out.json()


def test_the_city_plans_every_team_and_the_forecast_follows(planned: tuple[TestClient, dict], database_url: str,
                                                            as_user: Login) -> None:
    city, body = planned
    days = body["days"]
    assert days and all(FROM <= date.fromisoformat(d["date"]) <= TO for d in days)
    assert all(date.fromisoformat(d["date"]).weekday() < 5 for d in days)
    teams = dict(execute(database_url, "SELECT t.id, w.code FROM teams t LEFT JOIN wards w ON w.id = t.ward_id"))
    ward_of = dict(execute(database_url, "SELECT e.id, w.code FROM establishments e JOIN wards w ON w.id = e.ward_id"))
    seen: set[int] = set()
    for day in days:
        ids = [s["establishment_id"] for s in day["stops"]]
        assert not seen & set(ids)  # a business once in the whole schedule
        seen |= set(ids)
        if teams[day["team_id"]] is not None:  # a ward team stays in its ward
            assert {ward_of[i] for i in ids} == {teams[day["team_id"]]}
        times = [s["arrive_at"] for s in day["stops"]]
        assert times == sorted(times) and all(re.fullmatch(r"(1[4-9]|2[0-3]):[0-5]\d", t) for t in times)
        assert day["distance_m"] > 0
    assert len({d["team_id"] for d in days}) > 30  # the ward teams and the city team
    forecast = {f["ward"]: f for f in body["forecast"]}
    assert len(forecast) == 34
    assert all(0 <= f["projected_ratio"] <= 1 and f["short_by_team_days"] >= 0 for f in forecast.values())
    assert all((f["short_by"] > 0) == (f["projected_ratio"] < f["target"]) for f in forecast.values())
    assert execute(database_url, "SELECT action FROM audit_events WHERE action = 'schedule.plan'") == [
        ("schedule.plan",)]

    got = city.get(f"/api/v1/schedule/forecast?year={YEAR}").json()
    assert got["draft_id"] == body["draft_id"] and len(got["wards"]) == 34
    police = as_user("police.hamrong").get(f"/api/v1/schedule/forecast?year={YEAR}").json()
    assert [w["ward_name"] for w in police["wards"]] == ["Phường Hàm Rồng"]
    assert as_user("inspector1").get("/api/v1/schedule/forecast").status_code == 403
    page = city.get(f"/coverage?year={YEAR}").text
    assert 'id="schedule-forecast"' in page and "/static/schedule_forecast.js" in page


def test_the_lead_moves_a_stop_publishes_and_replans(planned: tuple[TestClient, dict], as_user: Login,
                                                     database_url: str) -> None:
    _city, body = planned
    lead = as_user("teamlead")
    city_team = execute(database_url, "SELECT id FROM teams WHERE kind = 'city'")[0][0]
    mine = lead.get(f"/api/v1/schedule/drafts/{body['draft_id']}").json()["days"]
    assert mine and {d["team_id"] for d in mine} == {city_team}  # a lead sees the days of the teams they lead
    first = mine[0]
    free = next(FROM + timedelta(days=i) for i in range(20) if (FROM + timedelta(days=i)).weekday() < 5
                and (FROM + timedelta(days=i)).isoformat() not in {d["date"] for d in mine})
    moved = first["stops"][0]["establishment_id"]
    after = lead.post(f"/api/v1/schedule/drafts/{body['draft_id']}/moves",
                      json={"establishment_id": moved, "date": free.isoformat(), "team_id": city_team})
    assert after.status_code == 200, after.text
    days = {d["date"]: d for d in after.json()}
    assert [s["establishment_id"] for s in days[free.isoformat()]["stops"]] == [moved]
    assert moved not in [s["establishment_id"] for s in days.get(first["date"], {"stops": []})["stops"]]
    assert len(days.get(first["date"], {"stops": []})["stops"]) == len(first["stops"]) - 1  # re-routed, kept
    ward_team = execute(database_url, "SELECT id FROM teams WHERE kind = 'ward' LIMIT 1")[0][0]
    other = lead.post(f"/api/v1/schedule/drafts/{body['draft_id']}/moves",
                      json={"establishment_id": moved, "date": free.isoformat(), "team_id": ward_team})
    assert other.status_code == 403

    week_end = (date.fromisoformat(first["date"]) + timedelta(days=6)).isoformat()
    published = lead.post(f"/api/v1/schedule/drafts/{body['draft_id']}/publish",
                          json={"from": first["date"], "to": week_end})
    assert published.status_code == 201, published.text
    ids = published.json()["assignment_ids"]
    assert ids
    assignment = lead.get(f"/api/v1/assignments/{ids[0]}").json()  # what the phones show
    assert assignment["team_id"] == city_team and assignment["note"] == "Theo lịch kiểm tra năm."
    stop = assignment["stops"][0]
    missed = lead.patch(f"/api/v1/assignments/{ids[0]}/stops/{stop['id']}", json={"status": "not_found"})
    assert missed.status_code == 200

    again = lead.post("/api/v1/schedule", json={"year": YEAR, "from": FROM.isoformat(), "to": TO.isoformat(),
                                                "time_limit_s": 2})
    assert again.status_code == 201, again.text
    kept = {(d["team_id"], d["date"]) for d in again.json()["days"]}
    published_days = set(execute(database_url, "SELECT team_id, date FROM assignments"))
    assert not {(t, str(d)) for t, d in published_days} & kept  # published days are kept, not re-planned
    planned_ids = {s["establishment_id"] for d in again.json()["days"] for s in d["stops"]}
    still_planned = {eid for (eid,) in execute(database_url, "SELECT establishment_id FROM assignment_stops "
                                                             "WHERE status = 'planned'")}
    assert not planned_ids & still_planned
    assert stop["establishment_id"] not in still_planned  # the missed stop is back in the pool
    actions = [a for (a,) in execute(database_url, "SELECT action FROM audit_events WHERE action LIKE 'schedule.%' "
                                                   "ORDER BY id")]
    assert actions == ["schedule.plan", "schedule.move", "schedule.publish", "schedule.plan"]


def test_bad_requests_change_nothing(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    assert city.post("/api/v1/schedule", json={"year": 2090}).status_code == 404
    year = local_today().year
    backwards = city.post("/api/v1/schedule", json={"year": year, "from": f"{year}-12-20", "to": f"{year}-12-01"})
    assert backwards.status_code == 422
    assert city.post("/api/v1/schedule", json={"year": year, "colour": "red"}).status_code == 400
    assert as_user("inspector1").post("/api/v1/schedule", json={"year": year}).status_code == 403
    assert as_user("teamlead").post("/api/v1/schedule", json={"year": year, "teams": [999]}).status_code == 403
    assert as_user("cityoffice").post("/api/v1/schedule/drafts/1/publish", json={}).status_code == 403
    assert execute(database_url, "SELECT count(*) FROM schedule_drafts") == [(0,)]


def test_the_page_plans_shows_the_week_on_a_map_and_publishes(planned: tuple[TestClient, dict], as_user: Login,
                                                              database_url: str) -> None:
    city, body = planned
    lead = as_user("teamlead")
    page = lead.get(f"/schedule?draft={body['draft_id']}&week={FROM.isoformat()}")
    assert page.status_code == 200 and 'id="schedule-days"' in page.text and "leaflet" in page.text
    assert 'id="publish-form"' in page.text and 'id="move-form"' in page.text
    team, week_end = body["days"][0]["team_id"], (FROM + timedelta(days=7)).isoformat()
    one = city.get(f"/schedule?draft={body['draft_id']}&week={FROM.isoformat()}&team={team}")
    assert one.status_code == 200
    assert one.text.count('<tr data-team="') == sum(d["team_id"] == team and d["date"] < week_end for d in body["days"])
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    friday = FROM + timedelta(days=4)
    done = lead.post(f"/schedule/drafts/{body['draft_id']}/publish", follow_redirects=False,
                     data={"_csrf_token": token, "from": FROM.strftime("%d/%m/%Y"), "to": friday.strftime("%d/%m/%Y")})
    assert done.status_code == 303 and "published=" in done.headers["location"]
    assert execute(database_url, "SELECT count(*) FROM assignments WHERE date <= :d", {"d": friday})[0][0] > 0
    bad = lead.post(f"/schedule/drafts/{body['draft_id']}/move", follow_redirects=False,
                    data={"_csrf_token": token, "establishment_id": "x", "team_id": "1", "date": "01/01/2000"})
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    assert "Hãy chọn cơ sở, đoàn, tổ và ngày." in lead.get(bad.headers["location"]).text
    today = local_today()
    replan = lead.post("/schedule", data={"_csrf_token": token, "from": today.strftime("%d/%m/%Y"),
                                          "to": (today + timedelta(days=6)).strftime("%d/%m/%Y")},
                       follow_redirects=False)
    assert replan.status_code == 303 and "/schedule?draft=" in replan.headers["location"]
    # the plan form plans the year the pages open on (this year's plan), so its draft is not next year's
    assert as_user("cityoffice").get(f"/targets?year={YEAR}").text.count('id="schedule-forecast"') == 1
