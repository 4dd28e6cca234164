"""Capacity as data: the city office edits each team's field time and the hours each type of business can be
inspected, through the API and the page; defaults stand where nothing was set; every change is audited and bad
input changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar.testing import TestClient

from tests.dbs import execute

Login = Callable[[str], TestClient]


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_defaults_edit_and_audit(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    cap = city.get("/api/v1/schedule/capacity").json()
    assert len(cap["teams"]) == 35 and all(t["is_default"] for t in cap["teams"])
    city_team = next(t for t in cap["teams"] if t["kind"] == "city")
    assert city_team["members"][0] == "teamlead" and city_team["base_lat"] == 19.8076
    assert city_team["start"] == "15:00" and city_team["visit_minutes"]["karaoke"] == 45
    hours = {h["type"]: (h["opens"], h["closes"]) for h in cap["hours"]}
    assert hours["lodging"] == ("00:00", "24:00") and hours["karaoke"] == ("14:00", "24:00")

    saved = city.put(f"/api/v1/schedule/capacity/teams/{city_team['team_id']}", json={
        "start": "15:30", "field_hours": 5, "days_per_week": 4, "visit_minutes": {"bar": 20},
        "base_lat": 19.81, "base_lon": 105.78})
    assert saved.status_code == 200, saved.text
    assert saved.json()["start"] == "15:30" and saved.json()["visit_minutes"]["bar"] == 20
    assert saved.json()["visit_minutes"]["karaoke"] == 45 and not saved.json()["is_default"]
    assert city.put("/api/v1/schedule/capacity/hours",
                    json=[{"type": "bar", "opens": "18:00", "closes": "24:00"}]).status_code == 200
    assert ("bar", 1080, 1440) in execute(database_url, "SELECT type, opens_min, closes_min FROM type_hours")
    actions = execute(database_url, "SELECT action, target_type FROM audit_events WHERE action = 'capacity.update' "
                                    "ORDER BY id")
    assert actions == [("capacity.update", "team"), ("capacity.update", "type_hours")]
    assert city.get("/api/v1/audit/verify").json()["ok"] is True


def test_bad_capacity_is_refused_and_changes_nothing(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    team = city.get("/api/v1/schedule/capacity").json()["teams"][0]["team_id"]
    url = f"/api/v1/schedule/capacity/teams/{team}"
    late = city.put(url, json={"start": "22:00", "field_hours": 4, "days_per_week": 3})
    assert late.status_code == 422 and late.json()["errors"][0]["path"] == "field_hours"
    unknown = city.put(url, json={"start": "14:00", "field_hours": 4, "days_per_week": 3, "visit_minutes": {"spa": 30}})
    assert unknown.status_code == 422
    half = city.put(url, json={"start": "14:00", "field_hours": 4, "days_per_week": 3, "base_lat": 19.8})
    assert half.status_code == 422
    assert city.put(url, json={"start": "25:00", "field_hours": 4, "days_per_week": 3}).status_code == 400
    backwards = city.put("/api/v1/schedule/capacity/hours", json=[{"type": "bar", "opens": "20:00", "closes": "18:00"}])
    assert backwards.status_code == 422
    assert execute(database_url, "SELECT count(*) FROM team_capacities") == [(0,)]
    assert execute(database_url, "SELECT count(*) FROM type_hours") == [(0,)]
    lead = as_user("teamlead")
    assert lead.put(url, json={"start": "14:00", "field_hours": 4, "days_per_week": 3}).status_code == 403
    assert as_user("police.hamrong").get("/api/v1/schedule/capacity").status_code == 403


def test_the_page_edits_a_team_and_the_hours(as_user: Login, database_url: str) -> None:
    city = as_user("cityoffice")
    page = city.get("/schedule/capacity")
    assert page.status_code == 200 and "Năng lực kiểm tra" in page.text and "Trịnh Minh Đội" in page.text
    team = city.get("/api/v1/schedule/capacity").json()["teams"][1]["team_id"]
    done = city.post(f"/schedule/capacity/teams/{team}", data={
        "_csrf_token": csrf(page.text), "start": "08:00", "field_hours": "3,5", "days_per_week": "2",
        "base_lat": "", "base_lon": "", "visit_massage": "50"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("saved=1")
    assert execute(database_url, "SELECT start_min, field_hours, days_per_week FROM team_capacities") == [(480, 3.5, 2)]
    bad = city.post("/schedule/capacity/hours", data={"_csrf_token": csrf(page.text), "opens_bar": "23:00",
                                                      "closes_bar": "22:00"}, follow_redirects=False)
    assert bad.status_code == 303 and "error=" in bad.headers["location"]
    assert "Giờ mở phải sớm hơn giờ đóng" in city.get(bad.headers["location"]).text
    read_only = as_user("teamlead").get("/schedule/capacity").text
    assert "Lưu giờ kiểm tra" not in read_only and "disabled" in read_only
