"""Tip intake, workflow, overdue list, on-time ratio, ward scope, and the reporter's protection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from server.calendar import LOCAL_TZ, local_today, local_year
from server.db import make_sessionmaker
from server.identity import CurrentUser
from server.tips.ontime import verdict
from server.tips.services import list_tips
from tests.dbs import execute, run

HAM_RONG, DONG_THO = "14755", "14758"
REPORTER, CONTACT = "Nguyễn Văn Báo Tin", "0912 345 678"
PERSONAS = ["inspector1", "inspector2", "teamlead", "police.hamrong", "police.dongtho", "cityoffice", "admin"]


def establishment_in(client, ward: str) -> dict:  # type: ignore[no-untyped-def]
    return client.get("/api/v1/establishments", params={"ward": ward, "limit": 1}).json()["items"][0]


def new_tip(client, **fields) -> dict:  # type: ignore[no-untyped-def]
    body = {"channel": "hotline", "ward": HAM_RONG, "address": "Ngõ 5, phố Hàm Rồng",
            "description": "nghi chứa mại dâm"}
    body.update(fields)
    response = client.post("/api/v1/tips", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def act(client, tip_id: int, action: str, **fields):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/tips/{tip_id}/actions", json={"action": action, **fields})


def test_intake_by_business_point_or_address(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    est = establishment_in(police, HAM_RONG)
    by_business = new_tip(police, ward=None, establishment_id=est["id"], category="TC", subject="dieu_kien_antt",
                          urgency="U3")
    assert by_business["ward"] == HAM_RONG and by_business["establishment_name"] == est["name"]
    assert by_business["status"] == "classified" and by_business["category"] == "TC"
    by_point = new_tip(police, ward=None, lat=est["lat"], lon=est["lon"])
    assert by_point["ward"] == HAM_RONG and by_point["status"] == "received"
    assert by_point["next_due_step"] == "classify"
    by_address = new_tip(police)
    assert by_address["ward"] == HAM_RONG and by_address["address"] == "Ngõ 5, phố Hàm Rồng"


@pytest.mark.parametrize(("fields", "path"), [
    ({"ward": None, "address": "somewhere"}, "ward"),
    ({"ward": DONG_THO}, "ward"),
    ({"lat": 19.8}, "lon"),
    ({"anonymous": True, "reporter_name": "X"}, "reporter_name"),
    ({"received_at": "2099-01-01T00:00:00+07:00"}, "received_at"),
])
def test_intake_refuses_a_bad_place_or_time(as_user, fields: dict, path: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    body = {"channel": "hotline", "ward": HAM_RONG, **fields}
    response = police.post("/api/v1/tips", json=body)
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == [path]


def test_the_workflow_from_receipt_to_the_reporters_notice(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    tip = new_tip(police, reporter_name=REPORTER, reporter_contact=CONTACT)
    tid = tip["id"]
    assert act(police, tid, "start").status_code == 409  # not assigned yet
    assert act(police, tid, "classify").status_code == 422  # no category
    assert act(police, tid, "classify", category="TB", subject="mai_dam.chua", urgency="U2").status_code == 200
    assert act(police, tid, "assign", handler="nobody").status_code == 422
    assert act(police, tid, "assign", handler="police.dongtho").status_code == 422  # not their ward
    assert act(police, tid, "assign", handler="inspector1").json()["status"] == "assigned"
    handler = as_user("inspector1")
    assert act(handler, tid, "extend", reason="phức tạp").status_code == 403  # extensions are the managers'
    assert act(handler, tid, "start").json()["status"] == "verifying"
    assert act(police, tid, "extend").status_code == 422  # a reason is required
    before = police.get(f"/api/v1/tips/{tid}").json()
    extended = act(police, tid, "extend", reason="vụ việc phức tạp, nhiều địa điểm").json()
    due = {s["key"]: s["due"] for s in extended["steps"]}
    assert due["resolve"] > {s["key"]: s["due"] for s in before["steps"]}["resolve"]
    assert extended["extensions_left"] == 1
    assert act(handler, tid, "suspend").status_code == 422
    assert act(handler, tid, "suspend", reason="chờ kết quả giám định").json()["status"] == "suspended"
    paused = {s["key"]: s for s in police.get(f"/api/v1/tips/{tid}").json()["steps"]}["resolve"]
    assert paused["paused"]
    assert act(handler, tid, "resume", reason="đã có kết quả giám định").json()["status"] == "verifying"
    assert act(handler, tid, "resolve").status_code == 422
    done = act(handler, tid, "resolve", outcome="transferred_to_investigation").json()
    assert done["status"] == "resolved" and done["outcome"] == "transferred_to_investigation"
    assert done["next_due_step"] == "send_decision"  # the decision goes to the procuracy within 24 hours
    assert act(handler, tid, "send_decision").status_code == 403  # the managers' step
    page = police.get(f"/tips/{tid}").text
    assert 'name="action" value="send_decision"' in page and "Gửi quyết định cho Viện kiểm sát (24 giờ)" in page
    assert 'value="send_decision"' not in handler.get(f"/tips/{tid}").text
    assert act(police, tid, "send_decision").json()["next_due_step"] == "notify_procuracy"  # still owed
    assert act(police, tid, "send_decision").status_code == 409
    assert act(police, tid, "notify_procuracy").status_code == 200
    assert act(handler, tid, "notify_reporter").json()["next_due_at"] is None
    assert act(handler, tid, "notify_reporter").status_code == 409
    final = police.get(f"/api/v1/tips/{tid}").json()
    assert [e["action"] for e in final["events"]] == [
        "create", "classify", "assign", "start", "extend", "suspend", "resume", "resolve", "send_decision",
        "notify_procuracy", "notify_reporter"]
    assert not final["missed_deadline"] and not final["overdue"]
    actions = [r[0] for r in execute(database_url, "SELECT action FROM audit_events WHERE target_type = 'tip' "
                                                   "AND target_id = :t ORDER BY id", {"t": str(tid)})]
    assert actions == ["tip.create", "tip.classify", "tip.assign", "tip.start", "tip.extend", "tip.suspend",
                       "tip.resume", "tip.resolve", "tip.send_decision", "tip.notify_procuracy",
                       "tip.notify_reporter"]
    extend = execute(database_url, "SELECT after FROM audit_events WHERE action = 'tip.extend'")[0][0]
    assert (json.loads(extend) if isinstance(extend, str) else extend)["reason"] == "vụ việc phức tạp, nhiều địa điểm"


def test_a_link_to_a_business_and_to_the_inspection_that_answered(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    est = establishment_in(police, HAM_RONG)
    uuid = execute(database_url, "SELECT i.uuid FROM inspections i JOIN wards w ON w.id = i.ward_id "
                                 "WHERE w.code = :c LIMIT 1", {"c": HAM_RONG})[0][0]
    tip = new_tip(police, establishment_id=est["id"], ward=None)
    linked = act(police, tip["id"], "link_inspection", inspection=uuid).json()
    assert linked["inspections"] == [uuid] and linked["establishment_id"] == est["id"]
    rows = execute(database_url, "SELECT status, establishment_id FROM tips WHERE id = :t", {"t": tip["id"]})
    assert rows == [("received", est["id"])]


def test_overdue_at_the_boundary_minute(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    received = datetime(2024, 3, 5, 8, 30, tzinfo=LOCAL_TZ)
    tip = new_tip(police, received_at=received.isoformat())
    due = received + timedelta(hours=24)
    city = CurrentUser(0, "x", "x", frozenset({"city_office"}), None, "vi", "")

    async def overdue_ids(engine, now: datetime) -> list[int]:  # type: ignore[no-untyped-def]
        async with make_sessionmaker(engine)() as session:
            page = await list_tips(session, city, overdue=True, now=now, limit=500)
            return [t.id for t in page.items]

    assert tip["id"] not in run(lambda e: overdue_ids(e, due.astimezone(UTC)), database_url)
    assert tip["id"] in run(lambda e: overdue_ids(e, due.astimezone(UTC) + timedelta(minutes=1)), database_url)
    listed = police.get("/api/v1/tips", params={"overdue": "true"}).json()
    assert tip["id"] in [t["id"] for t in listed["items"]] and all(t["overdue"] for t in listed["items"])
    assert f'data-tip="{tip["id"]}"' in police.get("/").text  # the holder's reminder on the home page


def test_on_time_ratio_per_ward_and_city(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    quick = new_tip(police, category="PA", anonymous=True)
    act(police, quick["id"], "assign", handler="police.hamrong")
    act(police, quick["id"], "start")
    act(police, quick["id"], "resolve", outcome="unfounded")
    late_at = datetime.now(UTC) - timedelta(hours=30)
    new_tip(police, received_at=late_at.isoformat())  # never classified: late
    new_tip(police)  # open, within its 24 hours
    year = local_today().year
    report = as_user("cityoffice").get("/api/v1/tips/on-time", params={"year": local_year(late_at)})
    data = report.json()
    if local_year(late_at) == year:
        assert data["city"]["year"] == {"on_time": 1, "late": 1, "open": 1, "ratio": 0.5}
        ward = next(w for w in data["wards"] if w["ward"] == HAM_RONG)
        assert ward["year"]["ratio"] == 0.5
    assert data["target"] == 1.0 and len(data["city"]["months"]) == 12
    assert as_user("police.dongtho").get("/api/v1/tips/on-time").json()["wards"] == []
    assert "ontime" in as_user("cityoffice").get("/tips/on-time").text


def test_ward_police_see_only_their_wards_tips(as_user) -> None:  # type: ignore[no-untyped-def]
    ham = new_tip(as_user("police.hamrong"))
    dong = new_tip(as_user("police.dongtho"), ward=DONG_THO)
    police = as_user("police.hamrong")
    ids = [t["id"] for t in police.get("/api/v1/tips", params={"limit": 500}).json()["items"]]
    assert ham["id"] in ids and dong["id"] not in ids
    assert police.get(f"/api/v1/tips/{dong['id']}").status_code == 404
    assert police.get(f"/tips/{dong['id']}").status_code == 404
    assert act(police, dong["id"], "classify", category="TC").status_code == 404
    assert police.post(f"/api/v1/tips/{dong['id']}/reporter").status_code == 404
    city = as_user("cityoffice")
    assert {ham["id"], dong["id"]} <= {t["id"] for t in city.get("/api/v1/tips", params={"limit": 500}).json()["items"]}
    # an inspector sees only what they hold or entered
    assert as_user("inspector2").get(f"/api/v1/tips/{ham['id']}").status_code == 404
    assert as_user("admin").get("/api/v1/tips").status_code == 403


def _walk_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _walk_keys(v)}
    return set()


def test_the_reporter_is_absent_from_every_response_of_roles_that_may_not_see_it(  # type: ignore[no-untyped-def]
        as_user, database_url: str) -> None:
    police = as_user("police.hamrong")
    tip = new_tip(police, reporter_name=REPORTER, reporter_contact=CONTACT, category="TG")
    tid = tip["id"]
    for username in PERSONAS:
        client = as_user(username)
        for path in ("/api/v1/tips", f"/api/v1/tips/{tid}", "/api/v1/tips?overdue=false", "/api/v1/tips/on-time",
                     "/tips", f"/tips/{tid}", "/tips/export.csv", "/", "/hotspots", "/audit"):
            response = client.get(path)
            assert REPORTER not in response.text and CONTACT not in response.text, (username, path)
            if response.headers.get("content-type", "").startswith("application/json"):
                assert not {"reporter_name", "reporter_contact", "reporter"} & _walk_keys(response.json())
    # the city office may reveal it (audited); ward police and others may not, unless assigned
    assert as_user("cityoffice").post(f"/api/v1/tips/{tid}/reporter").json()["reporter_name"] == REPORTER
    for username in ("police.hamrong", "teamlead", "inspector1"):
        response = as_user(username).post(f"/api/v1/tips/{tid}/reporter")
        assert response.status_code in (403, 404) and REPORTER not in response.text
    act(police, tid, "assign", handler="inspector1")  # assigned by ward police: works the tip, reporter hidden
    handler = as_user("inspector1")
    assert handler.post(f"/api/v1/tips/{tid}/reporter").status_code == 403
    act(as_user("cityoffice"), tid, "assign", handler="inspector1")  # the city office decides who may see
    assert handler.post(f"/api/v1/tips/{tid}/reporter").json()["reporter_contact"] == CONTACT
    page = handler.get(f"/tips/{tid}").text
    assert REPORTER not in page  # shown only on the deliberate, audited request
    token = page.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    assert REPORTER in handler.post(f"/tips/{tid}/reporter", data={"_csrf_token": token}).text
    views = execute(database_url, "SELECT actor_id FROM audit_events WHERE action = 'tip.reporter_viewed' "
                                  "AND target_id = :t", {"t": str(tid)})
    assert len(views) == 3
    for row in execute(database_url, "SELECT before, after FROM audit_events"):
        for value in row:
            text = json.dumps(json.loads(value) if isinstance(value, str) else value, ensure_ascii=False)
            assert REPORTER not in text and CONTACT not in text


def test_the_pages_enter_and_move_a_tip_like_the_api(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    form = police.get("/tips/new").text
    csrf = form.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    bad = police.post("/tips/new", data={"_csrf_token": csrf, "channel": "hotline", "lat": "abc"})
    assert bad.status_code == 422 and "lat" in bad.text
    created = police.post("/tips/new", data={"_csrf_token": csrf, "channel": "letter", "ward": HAM_RONG,
                                             "address": "Phố Đào Duy Từ", "received_at": "2024-02-07T16:00",
                                             "category": "TB", "reporter_name": REPORTER},
                          follow_redirects=False)
    assert created.status_code == 303
    url = created.headers["location"]
    page = police.get(url).text
    assert "Phố Đào Duy Từ" in page and REPORTER not in page
    assert 'data-step="notify_procuracy"' in page and "19/02/2024 24:00" in page
    tid = int(url.rsplit("/", 1)[1])
    steps = {s["key"]: s for s in police.get(f"/api/v1/tips/{tid}").json()["steps"]}
    assert steps["notify_procuracy"]["due"].startswith("2024-02-19T17:00:00")  # 24:00 on 19/02, Tết skipped
    moved = police.post(f"{url}/actions", data={"_csrf_token": csrf, "action": "assign", "handler": "inspector1"},
                        follow_redirects=False)
    assert moved.status_code == 303
    refused = police.post(f"{url}/actions", data={"_csrf_token": csrf, "action": "resolve", "outcome": "unfounded"})
    assert refused.status_code == 409
    assert police.get(f"/api/v1/tips/{tid}").json()["status"] == "assigned"
    english = as_user("cityoffice")
    token = english.get("/tips").text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    english.post("/language", data={"language": "en", "next": "/tips", "_csrf_token": token})
    assert "Tip-offs and denunciations" in english.get("/tips").text


def test_ids_beyond_the_integer_columns_are_not_found_or_refused(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    huge = 43687850681729374224384
    assert city.get(f"/api/v1/tips/{huge}").status_code == 404
    assert city.get(f"/api/v1/hotspots/{huge}").status_code == 404
    assert city.post(f"/api/v1/tips/{huge}/actions", json={"action": "start"}).status_code == 404
    response = city.post("/api/v1/tips", json={"channel": "hotline", "establishment_id": huge})
    assert response.status_code in (400, 422)
    tip = new_tip(city)
    linked = act(city, tip["id"], "link_inspection", inspection=str(huge))
    assert linked.status_code == 422


@pytest.mark.parametrize(("status", "missed", "due_in_minutes", "expected"), [
    ("resolved", False, None, "on_time"),
    ("suspended", False, None, "on_time"),  # a suspension is a lawful decision, its clock paused
    ("resolved", True, None, "late"),
    ("resolved", False, -1, "late"),  # e.g. the reporter's notice is overdue
    ("verifying", False, -1, "late"),
    ("verifying", False, 0, "open"),  # at the due minute itself: not yet late
    ("received", False, 60, "open"),
])
def test_the_on_time_verdict(status: str, missed: bool, due_in_minutes: int | None, expected: str) -> None:
    now = datetime(2024, 5, 1, 10, tzinfo=UTC)
    due = None if due_in_minutes is None else now + timedelta(minutes=due_in_minutes)
    assert verdict(status, missed, due, now) == expected
