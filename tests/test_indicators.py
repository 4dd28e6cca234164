"""The plan's eleven targets: wards report T5–T11 (their own ward only, counts only for T11), the city
office sees every ward, and the indicators agree with what was entered and with the coverage and tips rules."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar.testing import TestClient

from server.calendar import local_today
from tests.dbs import execute

Login = Callable[[str], TestClient]
HAM_RONG, DONG_THO = "14755", "14758"


def by_id(body: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {i["id"]: i for i in body["indicators"]}


def test_all_eleven_with_t1_to_t4_from_their_owners(as_user: Login) -> None:
    city = as_user("cityoffice")
    year = 2023
    got = by_id(city.get(f"/api/v1/plans/{year}/indicators").json())
    assert list(got) == [f"T{n}" for n in range(1, 12)]
    coverage = city.get("/api/v1/coverage", params={"year": year}).json()
    assert got["T1"]["value"] == coverage["wards_meeting_target"] / coverage["ward_count"]
    assert got["T2"] == {**got["T2"], "unit": "count", "value": coverage["city_team"]["inspected"],
                         "target": coverage["city_team"]["target"]}
    tips = city.get("/api/v1/tips/on-time", params={"year": year}).json()
    assert got["T3"]["value"] == tips["city"]["year"]["ratio"]
    assert len(got["T1"]["wards"]) == 34 and got["T5"]["value"] == 0.0 and not got["T5"]["met"]
    assert [p["id"] for p in got["T9"]["parts"]] == ["T9.business_workers", "T9.industrial_workers", "T9.students"]


def test_a_ward_team_reports_its_ward_and_the_indicators_follow(as_user: Login, database_url: str) -> None:
    team = as_user(f"to.{HAM_RONG}")
    year = local_today().year
    base = f"/api/v1/plans/{year}/wards/{HAM_RONG}"
    saved = team.put(base, json={"plan_document": "KH số 12/KH-UBND ngày 15/01", "integrated": True,
                                 "free_of_prostitution": True, "pilot_model": "Mô hình giảm hại",
                                 "business_workers": 200, "industrial_workers": 0, "students": 100,
                                 "support_needing": 4, "support_qualifying": 4, "support_receiving": 3})
    assert saved.status_code == 200, saved.text
    for audience, people in (("business_workers", 120), ("students", 40)):
        made = team.post(f"{base}/activities", json={"held_on": f"{year}-03-08", "kind": "meeting",
                                                     "audience": audience, "people_reached": people})
        assert made.status_code == 201, made.text
    got = by_id(as_user("cityoffice").get(f"/api/v1/plans/{year}/indicators", params={"ward": HAM_RONG}).json())
    ham = {i: got[i]["wards"][0] for i in ("T5", "T6", "T7", "T8", "T10", "T11")}
    assert all(w["code"] == HAM_RONG for w in ham.values())
    assert [ham[i]["met"] for i in ("T5", "T6", "T7", "T8", "T10")] == [True] * 5
    assert ham["T11"]["value"] == 0.75 and ham["T11"]["met"] is False  # 3 of 4 against 85 %
    assert got["T5"]["value"] == 1 / 34 and got["T11"]["value"] == 0.75
    parts = {p["id"]: p for p in got["T9"]["parts"]}
    assert parts["T9.business_workers"]["value"] == 0.6 and parts["T9.business_workers"]["met"]
    assert parts["T9.students"]["value"] == 0.4 and not parts["T9.students"]["met"]  # 40 % of 100 < 50 %
    actions = [a for (a,) in execute(database_url, "SELECT action FROM audit_events WHERE action LIKE 'ward_year.%' "
                                                   "OR action LIKE 'awareness_activity.%' ORDER BY id")]
    assert actions == ["ward_year.update", "awareness_activity.add", "awareness_activity.add"]


def test_a_ward_team_cannot_report_for_another_ward_nor_a_person(as_user: Login, database_url: str) -> None:
    team = as_user(f"to.{HAM_RONG}")
    year = local_today().year
    other = team.put(f"/api/v1/plans/{year}/wards/{DONG_THO}", json={"integrated": True})
    assert other.status_code == 404
    named = team.put(f"/api/v1/plans/{year}/wards/{HAM_RONG}", json={"support_needing": 1, "person": "Nguyễn Văn A"})
    assert named.status_code == 400 and "person" in named.text
    nested = team.put(f"/api/v1/plans/{year}/wards/{HAM_RONG}", json={"support_needing": 1, "support_qualifying": 2})
    assert nested.status_code == 422
    wrong_year = team.post(f"/api/v1/plans/{year}/wards/{HAM_RONG}/activities",
                           json={"held_on": f"{year - 1}-05-01", "kind": "leaflet", "audience": "public",
                                 "people_reached": 10})
    assert wrong_year.status_code == 422
    assert as_user("police.hamrong").put(f"/api/v1/plans/{year}/wards/{HAM_RONG}", json={}).status_code == 403
    assert execute(database_url, "SELECT count(*) FROM ward_years") == [(0,)]
    assert execute(database_url, "SELECT count(*) FROM awareness_activities") == [(0,)]


def test_the_pages_show_tiles_and_take_a_report(as_user: Login) -> None:
    team = as_user(f"to.{HAM_RONG}")
    year = local_today().year
    page = team.get(f"/plans/{year}/wards/{HAM_RONG}")
    assert page.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    saved = team.post(f"/plans/{year}/wards/{HAM_RONG}", data={
        "_csrf_token": token, "plan_document": "KH 01", "free_of_prostitution": "on", "free_since": f"01/01/{year}",
        "students": "1.200"}, follow_redirects=False)
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    added = team.post(f"/plans/{year}/wards/{HAM_RONG}/activities", data={
        "_csrf_token": token, "held_on": f"08/03/{year}", "kind": "training", "audience": "students",
        "people_reached": "700"}, follow_redirects=False)
    assert "saved=1" in added.headers["location"]
    shown = team.get(f"/plans/{year}/wards/{HAM_RONG}").text
    assert "KH 01" in shown and f"08/03/{year}" in shown and 'value="1200"' in shown
    bad = team.post(f"/plans/{year}/wards/{HAM_RONG}/activities", data={
        "_csrf_token": token, "held_on": "31/02/2020", "kind": "training", "audience": "students",
        "people_reached": "7"}, follow_redirects=False)
    assert "error=" in bad.headers["location"]
    tiles = as_user("cityoffice").get("/indicators").text
    assert tiles.count('data-indicator="') == 11 and f'href="/plans/{year}/wards/{HAM_RONG}"' in tiles


def test_an_activity_recorded_by_mistake_is_removed_and_the_audit_keeps_it(as_user: Login, database_url: str) -> None:
    team, year = as_user(f"to.{HAM_RONG}"), local_today().year
    base = f"/api/v1/plans/{year}/wards/{HAM_RONG}/activities"
    made = team.post(base, json={"held_on": f"{year}-03-08", "kind": "meeting", "audience": "public",
                                 "people_reached": 9000})
    assert made.status_code == 201
    activity = made.json()["id"]
    other = as_user(f"to.{DONG_THO}")  # another ward's team: not theirs to remove
    assert other.delete(f"/api/v1/plans/{year}/wards/{HAM_RONG}/activities/{activity}").status_code == 404
    assert other.delete(f"/api/v1/plans/{year}/wards/{DONG_THO}/activities/{activity}").status_code == 404
    assert as_user("police.hamrong").delete(f"{base}/{activity}").status_code == 403
    assert [a["id"] for a in team.get(base).json()] == [activity]
    page = team.get(f"/plans/{year}/wards/{HAM_RONG}").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    removed = team.post(f"/plans/{year}/wards/{HAM_RONG}/activities/{activity}/remove",
                        data={"_csrf_token": token}, follow_redirects=False)
    assert removed.status_code == 303 and "saved=1" in removed.headers["location"]
    assert team.get(base).json() == []
    assert team.delete(f"{base}/{activity}").status_code == 404  # gone
    events = execute(database_url, "SELECT action, target_id FROM audit_events "
                                   "WHERE action LIKE 'awareness_activity.%' ORDER BY id")
    assert events == [("awareness_activity.add", str(activity)), ("awareness_activity.remove", str(activity))]


def test_t9_counts_a_ward_that_entered_no_workers_on_its_registry_staff_counts(as_user: Login,
                                                                             database_url: str) -> None:
    lead, city = as_user("teamlead"), as_user("cityoffice")
    year = local_today().year
    open_now = [eid for (eid,) in execute(database_url, """SELECT e.id FROM establishments e JOIN wards w
        ON w.id = e.ward_id WHERE w.code = :c AND e.status = 'active' AND e.closed_on IS NULL ORDER BY e.id
        LIMIT 2""", {"c": DONG_THO})]
    for eid, workers in zip(open_now, (12, 8), strict=True):
        saved = lead.patch(f"/api/v1/establishments/{eid}", json={"workers": workers})
        assert saved.status_code == 200 and saved.json()["workers"] == workers
    assert lead.patch(f"/api/v1/establishments/{open_now[0]}", json={"workers": -1}).status_code in (400, 422)
    team = as_user(f"to.{DONG_THO}")
    made = team.post(f"/api/v1/plans/{year}/wards/{DONG_THO}/activities",
                     json={"held_on": f"{year}-04-02", "kind": "meeting", "audience": "business_workers",
                           "people_reached": 15})
    assert made.status_code == 201, made.text
    got = by_id(city.get(f"/api/v1/plans/{year}/indicators", params={"ward": DONG_THO}).json())
    parts = {p["id"]: p for p in got["T9"]["parts"]}
    assert parts["T9.business_workers"]["value"] == 15 / 20  # 15 reached of the registry's 12 + 8
    assert got["T9"]["wards"][0]["code"] == DONG_THO and got["T9"]["wards"][0]["value"] is not None
    # What the ward enters wins over the registry.
    assert team.put(f"/api/v1/plans/{year}/wards/{DONG_THO}", json={"business_workers": 30}).status_code == 200
    got = by_id(city.get(f"/api/v1/plans/{year}/indicators").json())
    assert {p["id"]: p for p in got["T9"]["parts"]}["T9.business_workers"]["value"] == 0.5


def test_the_ward_lists_page_and_sort_on_the_server_like_the_coverage_table(as_user: Login) -> None:
    city = as_user("cityoffice")
    whole = by_id(city.get("/api/v1/plans/2023/indicators").json())
    codes = [w["code"] for w in whole["T1"]["wards"]]
    assert len(codes) == 34 and codes == sorted(codes)
    body = city.get("/api/v1/plans/2023/indicators", params={"page": 2, "per_page": 10}).json()
    assert (body["ward_count"], body["page"], body["per_page"], body["pages"]) == (34, 2, 10, 4)
    paged = by_id(body)
    for tid in ("T1", "T3", "T5", "T9", "T11"):
        assert [w["code"] for w in paged[tid]["wards"]] == codes[10:20]
        assert paged[tid]["value"] == whole[tid]["value"]  # the totals are all the wards'
    assert paged["T2"]["wards"] == []
    behind = by_id(city.get("/api/v1/plans/2023/indicators", params={"order": "behind"}).json())

    def met(code: str) -> int:
        return sum(bool(w["met"]) for i in behind.values() for w in i["wards"] if w["code"] == code)
    order = [w["code"] for w in behind["T1"]["wards"]]
    assert sorted(order) == codes and [met(c) for c in order] == sorted(met(c) for c in order)
    assert city.get("/api/v1/plans/2023/indicators", params={"per_page": 501}).status_code == 400

    page = city.get("/indicators", params={"year": 2023, "per_page": 10, "page": 4})
    assert page.status_code == 200
    rows = re.findall(r'<tr data-ward="(\d+)"', page.text)
    assert rows == codes[30:]
    assert 'id="pager"' in page.text and "Trang 4/4" in page.text and 'rel="next"' not in page.text
