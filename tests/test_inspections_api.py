"""PUT /api/v1/inspections/{uuid}: 201 new, 200 same body, 409 other body, 422 with field paths; reading
within role and ward scope; the form definitions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from tests.dbs import execute
from tests.submissions import body, new_uuid

HAM_RONG, DONG_THO = "14755", "14758"
Login = Callable[[str], TestClient]


def test_submit_is_idempotent_201_200_409(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    uid, sent = new_uuid(), body(database_url)
    first = phone.put(f"/api/v1/inspections/{uid}", json=sent)
    assert first.status_code == 201, first.text
    out = first.json()
    assert out["uuid"] == uid and out["review_state"] == "submitted" and out["violations"] == []
    assert out["flags"] == [] and out["distance_m"] == 0.0 and out["inspector"] == "inspector1"
    again = phone.put(f"/api/v1/inspections/{uid}", json=sent)
    assert again.status_code == 200 and again.json() == out
    other = phone.put(f"/api/v1/inspections/{uid}", json={**sent, "notes": "khác"})
    assert other.status_code == 409 and other.json()["code"] == "uuid_conflict"
    assert execute(database_url, "SELECT count(*) FROM inspections WHERE uuid = :u", {"u": uid}) == [(1,)]
    events = execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'inspection.create' "
                                   "AND target_id = :u", {"u": uid})
    assert events == [(1,)]


def test_another_inspector_cannot_reuse_a_uuid(as_user: Login, database_url: str) -> None:
    uid, sent = new_uuid(), body(database_url)
    assert as_user("inspector1").put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    assert as_user("inspector2").put(f"/api/v1/inspections/{uid}", json=sent).status_code == 409


def test_response_carries_violations_and_presence_flags(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    sent = body(database_url, photo="ab" * 32, lat_offset=0.01)
    skewed = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    response = phone.put(f"/api/v1/inspections/{new_uuid()}", json=sent, headers={"X-Device-Time": skewed})
    assert response.status_code == 201, response.text
    out = response.json()
    assert [v["question_id"] for v in out["violations"]] and out["violations"][0]["legal_basis"]
    assert "far_from_registered_point" in out["flags"] and "clock_skew" in out["flags"]
    assert out["distance_m"] > 1000
    no_fix = phone.put(f"/api/v1/inspections/{new_uuid()}", json={**body(database_url), "location": None})
    assert no_fix.json()["flags"] == ["no_fix"]


def problem(response) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


def paths(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {e["path"] for e in problem(response)["errors"]}


def test_invalid_submissions_are_422_with_field_paths(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    good = body(database_url)
    assert paths(phone.put("/api/v1/inspections/not-a-uuid", json=good)) == {"uuid"}
    assert paths(phone.put(f"/api/v1/inspections/{new_uuid()}", json={**good, "establishment_id": "x"})) \
        == {"establishment_id"}
    bad_location = {**good, "location": {**good["location"], "lat": 123}}
    assert paths(phone.put(f"/api/v1/inspections/{new_uuid()}", json=bad_location)) == {"location.lat"}
    unknown = {**good, "answers": {**good["answers"], "no_such_question": "yes"}}
    assert paths(phone.put(f"/api/v1/inspections/{new_uuid()}", json=unknown)) == {"answers.no_such_question"}
    naive = {**good, "started_at": "2023-05-01T21:30:00"}
    assert paths(phone.put(f"/api/v1/inspections/{new_uuid()}", json=naive)) == {"started_at"}
    bad_photo = {**body(database_url, photo="ab" * 32)}
    bad_photo["answers"]["evidence_photos"] = ["../../etc/passwd"]
    assert paths(phone.put(f"/api/v1/inspections/{new_uuid()}", json=bad_photo)) == {"answers.evidence_photos"}
    lying = body(database_url, photo="ab" * 32)
    lying["outcome"] = lying["answers"]["outcome"] = "compliant"
    lying["answers"].pop("evidence_photos")
    assert paths(phone.put(f"/api/v1/inspections/{new_uuid()}", json=lying)) == {"outcome"}
    assert problem(phone.put(f"/api/v1/inspections/{new_uuid()}", content=b"{not json",
                             headers={"content-type": "application/json"}))["code"] == "invalid"
    assert execute(database_url, "SELECT count(*) FROM inspections WHERE received_at > :t",
                   {"t": datetime.now(UTC) - timedelta(hours=1)}) == [(0,)]


def test_only_inspectors_and_team_leads_submit(as_user: Login, database_url: str) -> None:
    response = as_user("police.hamrong").put(f"/api/v1/inspections/{new_uuid()}", json=body(database_url))
    assert response.status_code == 403


def test_ward_police_read_only_their_ward(as_user: Login, database_url: str) -> None:
    uid = new_uuid()
    sent = body(database_url, ward=DONG_THO)
    assert as_user("inspector1").put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    hamrong, dongtho = as_user("police.hamrong"), as_user("police.dongtho")
    assert hamrong.get(f"/api/v1/inspections/{uid}").status_code == 404
    assert hamrong.get(f"/inspections/{uid}").status_code == 404
    assert dongtho.get(f"/api/v1/inspections/{uid}").json()["uuid"] == uid
    listed = hamrong.get("/api/v1/inspections", params={"limit": 500}).json()
    assert listed["total"] > 0 and {i["ward"] for i in listed["items"]} == {HAM_RONG}
    assert hamrong.get("/api/v1/inspections", params={"ward": DONG_THO}).json()["total"] == 0
    mine = dongtho.get("/api/v1/inspections", params={"ward": DONG_THO, "state": "submitted"}).json()
    assert uid in {i["uuid"] for i in mine["items"]}
    city = as_user("cityoffice").get("/api/v1/inspections", params={"limit": 1}).json()
    assert city["total"] > listed["total"] and len(city["items"]) == 1
    assert hamrong.get("/api/v1/inspections", params={"state": "nonsense"}).status_code == 400


def test_forms_api_hides_verification_from_inspectors(as_user: Login) -> None:
    inspector, office = as_user("inspector1"), as_user("cityoffice")
    forms = inspector.get("/api/v1/forms").json()
    assert {f["id"] for f in forms} == {"karaoke", "dance_hall", "lodging", "massage", "bar", "hair_salon"}
    form = inspector.get("/api/v1/forms/karaoke").json()
    questions = [q for s in form["sections"] for q in s["questions"]]
    assert all({"id", "kind", "required"} <= set(q) for q in questions)
    assert all("choices" not in q or all("id" in c for c in q["choices"]) for q in questions)
    assert not any("verification" in q for q in questions)
    full = office.get("/api/v1/forms/karaoke", params={"version": 1}).json()
    assert any("verification" in q for s in full["sections"] for q in s["questions"])
    assert inspector.get("/api/v1/forms/karaoke", params={"version": 99}).status_code == 404
    assert inspector.get("/api/v1/forms/nope").status_code == 404
