"""Assignments: a team lead saves a route for a day; each member's list shows its stops in route order; the
team marks a stop not found; inspections' stops stay; only leads assign; pages escape names."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from server.calendar import local_day, local_now, local_today
from tests.dbs import execute

XSS = "<img src=x onerror=alert(1)>"


def today() -> str:
    return local_today().isoformat()


def city_team(url: str) -> int:
    return execute(url, "SELECT id FROM teams WHERE kind = 'city'")[0][0]


def some(url: str, n: int = 4) -> list[tuple[int, str]]:
    return [tuple(r) for r in execute(url, "SELECT id, name FROM establishments WHERE lat IS NOT NULL AND "
                                           "status = 'active' ORDER BY id LIMIT :n", {"n": n})]


def test_a_saved_route_appears_on_each_members_list_in_route_order(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    rows = some(database_url, 4)
    for eid, _ in rows:
        execute(database_url, "UPDATE establishments SET name = :n WHERE id = :i", {"n": f"Cơ sở số {eid}", "i": eid})
    route = lead.post("/api/v1/routes", json={"establishment_ids": [r[0] for r in rows]}).json()
    created = lead.post("/api/v1/assignments", json={"team_id": city_team(database_url), "date": today(),
                                                     "establishment_ids": route["order"], "note": "Đêm nay"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert [s["establishment_id"] for s in body["stops"]] == route["order"]
    assert [s["position"] for s in body["stops"]] == [1, 2, 3, 4]
    assert {s["status"] for s in body["stops"]} == {"planned"}
    for member in ("inspector1", "inspector2", "teamlead"):
        client = as_user(member)
        mine = client.get("/api/v1/assignments", params={"date": today()}).json()
        assert [s["establishment_id"] for s in mine[0]["stops"]] == route["order"]
        home = client.get("/").text
        positions = [home.find(f"Cơ sở số {eid}") for eid in route["order"]]
        assert all(p >= 0 for p in positions) and positions == sorted(positions), member
    outsider = as_user("to.14755")
    assert outsider.get(f"/api/v1/assignments/{body['id']}").status_code == 404
    assert outsider.get("/api/v1/assignments").json() == []
    events = execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'assignment.create'")
    assert events == [(1,)]


def test_the_team_marks_a_stop_not_found_but_not_what_an_inspection_set(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    ids = [r[0] for r in some(database_url, 2)]
    a = lead.post("/api/v1/assignments", json={"team_id": city_team(database_url), "date": today(),
                                               "establishment_ids": ids}).json()
    first, second = a["stops"]
    inspector = as_user("inspector1")
    url = f"/api/v1/assignments/{a['id']}/stops/{first['id']}"
    marked = inspector.patch(url, json={"status": "not_found"})
    assert marked.status_code == 200 and marked.json()["stops"][0]["status"] == "not_found"
    assert inspector.patch(url, json={"status": "done"}).status_code == 422
    assert inspector.patch(url, json={"status": "planned"}).json()["stops"][0]["status"] == "planned"
    inspection = execute(database_url, "SELECT id FROM inspections LIMIT 1")[0][0]
    execute(database_url, "UPDATE assignment_stops SET status = 'done', inspection_id = :i WHERE id = :s",
            {"i": inspection, "s": second["id"]})
    locked = inspector.patch(f"/api/v1/assignments/{a['id']}/stops/{second['id']}", json={"status": "not_found"})
    assert locked.status_code == 409 and locked.json()["code"] == "stop_inspected"
    assert as_user("to.14755").patch(url, json={"status": "not_found"}).status_code == 404
    assert execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'assignment.stop_update'") == [(2,)]


def test_only_team_leads_assign_their_own_teams(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    ids = [r[0] for r in some(database_url, 1)]
    body = {"team_id": city_team(database_url), "date": today(), "establishment_ids": ids}
    assert as_user("inspector1").post("/api/v1/assignments", json=body).status_code == 403
    assert as_user("police.hamrong").post("/api/v1/assignments", json=body).status_code == 403
    ward_team = execute(database_url, "SELECT id FROM teams WHERE kind = 'ward' LIMIT 1")[0][0]
    other = as_user("teamlead").post("/api/v1/assignments", json={**body, "team_id": ward_team})
    assert other.status_code == 403 and other.json()["code"] == "not_team_lead"
    past = (local_today() - timedelta(days=1)).isoformat()
    assert as_user("teamlead").post("/api/v1/assignments", json={**body, "date": past}).status_code == 422


def test_pages_save_a_route_and_show_a_printable_list_with_escaped_names(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    ids = [r[0] for r in some(database_url, 3)]
    execute(database_url, "UPDATE establishments SET name = :n WHERE id = :i", {"n": XSS, "i": ids[0]})
    page = lead.get("/routes", params={"id": ids}).text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    order = re.findall(r'<input type="hidden" name="id" value="(\d+)">', page)
    saved = lead.post("/assignments", data={"_csrf_token": token, "team_id": str(city_team(database_url)),
                                            "date": today(), "id": order, "note": XSS}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    for client in (lead, as_user("inspector2")):
        detail = client.get(saved.headers["location"]).text
        assert XSS not in detail and "&lt;img src=x onerror=alert(1)&gt;" in detail
        assert re.findall(r'data-establishment="(\d+)"', detail) == order
        assert detail.count('href="geo:') == 3
        assert XSS not in client.get("/assignments").text
        assert XSS not in client.get("/").text
    stop = re.search(r'action="(/assignments/\d+/stops/\d+)"', detail).group(1)
    lead.post(stop, data={"_csrf_token": token, "status": "not_found"})
    assert 'data-status="not_found"' in lead.get(saved.headers["location"]).text


def test_an_inspection_of_a_stop_sets_its_status(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from tests import submissions

    body = submissions.body(database_url, "karaoke")
    day = local_day(datetime.fromisoformat(body["started_at"]))
    # Written straight to the database: the visit's local day may be "yesterday" just after midnight,
    # which the API refuses for a new assignment.
    execute(database_url, "INSERT INTO assignments (team_id, date, note, created_at) VALUES (:t, :d, '', :c)",
            {"t": city_team(database_url), "d": day, "c": local_now()})
    assignment = execute(database_url, "SELECT max(id) FROM assignments")[0][0]
    execute(database_url, "INSERT INTO assignment_stops (assignment_id, establishment_id, position, status) "
                          "VALUES (:a, :e, 1, 'planned')", {"a": assignment, "e": body["establishment_id"]})
    inspector = as_user("inspector1")
    sent = inspector.put(f"/api/v1/inspections/{uuid.uuid4()}", json=body)
    assert sent.status_code == 201, sent.text
    stop = inspector.get(f"/api/v1/assignments/{assignment}").json()["stops"][0]
    assert stop["status"] == "done" and stop["inspection_id"] is not None
    url = f"/api/v1/assignments/{assignment}/stops/{stop['id']}"
    assert inspector.patch(url, json={"status": "not_found"}).status_code == 409


def test_an_inspector_in_two_teams_marks_the_stop_of_the_team_that_planned_it(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from tests import submissions

    body = submissions.body(database_url, "karaoke")
    day = local_day(datetime.fromisoformat(body["started_at"]))
    inspector = execute(database_url, "SELECT id FROM users WHERE username = 'inspector1'")[0][0]
    ward_team = execute(database_url, "SELECT max(id) FROM teams WHERE kind = 'ward'")[0][0]
    assert ward_team > city_team(database_url)  # the team of the stop is not the inspector's first team
    execute(database_url, "INSERT INTO team_members (team_id, user_id, is_lead) VALUES (:t, :u, false)",
            {"t": ward_team, "u": inspector})
    execute(database_url, "INSERT INTO assignments (team_id, date, note, created_at) VALUES (:t, :d, '', :c)",
            {"t": ward_team, "d": day, "c": local_now()})
    assignment = execute(database_url, "SELECT max(id) FROM assignments")[0][0]
    execute(database_url, "INSERT INTO assignment_stops (assignment_id, establishment_id, position, status) "
                          "VALUES (:a, :e, 1, 'planned')", {"a": assignment, "e": body["establishment_id"]})
    key = str(uuid.uuid4())
    assert as_user("inspector1").put(f"/api/v1/inspections/{key}", json=body).status_code == 201
    assert execute(database_url, "SELECT team_id FROM inspections WHERE uuid = :u", {"u": key}) == [(ward_team,)]
    assert execute(database_url, "SELECT s.status, i.uuid FROM assignment_stops s JOIN inspections i "
                                 "ON i.id = s.inspection_id WHERE s.assignment_id = :a",
                   {"a": assignment}) == [("done", key)]
