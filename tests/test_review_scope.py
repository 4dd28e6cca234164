"""police.hamrong gets nothing of Đông Thọ's through any endpoint: list, detail, attachment, export, map
(GeoJSON), review, history, follow-ups; the city office and Đông Thọ's own police do."""

from __future__ import annotations

import csv
import hashlib
import io
import re

from tests.dbs import execute
from tests.reviewing import DONG_THO, HAM_RONG, state_of, with_violation
from tests.submissions import image, sent_with_photo, upload


def dong_tho_inspection(as_user, database_url: str) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """A fresh Đông Thọ inspection with a violation and a photo; returns (uuid, business name, sha256)."""
    photo = image()
    sha = hashlib.sha256(photo).hexdigest()
    phone = as_user("inspector1")
    uid = sent_with_photo(phone, database_url, photo, ward=DONG_THO)
    uploaded = upload(phone, uid, photo)
    assert uploaded.status_code in (200, 201), uploaded.text
    name = execute(database_url, "SELECT e.name FROM establishments e JOIN inspections i ON i.establishment_id = e.id "
                                 "WHERE i.uuid = :u", {"u": uid})
    return uid, name[0][0], sha


def test_police_hamrong_gets_nothing_of_dong_tho(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uid, name, sha = dong_tho_inspection(as_user, database_url)
    city, own = as_user("cityoffice"), as_user("police.dongtho")
    follow_up = city.post(f"/api/v1/inspections/{uid}/follow-ups",
                          json={"kind": "remediation", "deadline": "2023-12-01", "note": "Lắp bình chữa cháy"})
    assert follow_up.status_code == 201, follow_up.text
    police = as_user("police.hamrong")
    not_found = [
        police.get(f"/api/v1/inspections/{uid}"),
        police.get(f"/inspections/{uid}"),
        police.get(f"/api/v1/inspections/{uid}/attachments/{sha}"),
        police.get(f"/api/v1/inspections/{uid}/history"),
        police.get(f"/inspections/{uid}/history"),
        police.post(f"/api/v1/inspections/{uid}/review", json={"decision": "approve"}),
        police.post(f"/api/v1/inspections/{uid}/review", json={"decision": "reject", "comment": "x"}),
        police.post(f"/api/v1/inspections/{uid}/follow-ups", json={"kind": "remediation", "deadline": "2024-01-01"}),
        police.patch(f"/api/v1/follow-ups/{follow_up.json()['id']}", json={"status": "done"}),
    ]
    for response in not_found:
        assert response.status_code == 404, (response.request.url, response.status_code)
        assert name not in response.text and uid not in response.text.replace(response.request.url.path, "")
    assert state_of(database_url, uid) == "submitted"
    assert execute(database_url, "SELECT status FROM follow_ups WHERE id = :i", {"i": follow_up.json()["id"]}) == [
        ("open",)]
    # lists, queue, follow-ups, exports and the map feed: nothing of Đông Thọ, even when asked by name
    for params in ({}, {"ward": DONG_THO}):
        listed = police.get("/api/v1/inspections", params={**params, "limit": 500}).json()
        assert DONG_THO not in {i["ward"] for i in listed["items"]}
        queue = police.get("/api/v1/review/queue", params={**params, "limit": 500}).json()
        assert {i["ward"] for i in queue["items"]} <= {HAM_RONG} and uid not in str(queue)
        page = police.get("/review", params=params).text
        assert "Phường Đông Thọ" not in page and name not in page
        for fmt in ("csv", "geojson", "xlsx"):
            export = police.get(f"/api/v1/exports/inspections.{fmt}", params=params)
            assert export.status_code == 200
            assert uid.encode() not in export.content and "Đông Thọ".encode() not in export.content
    assert police.get("/api/v1/review/queue", params={"ward": DONG_THO}).json()["total"] == 0
    rows = list(csv.reader(io.StringIO(police.get("/api/v1/exports/inspections.csv",
                                                  params={"ward": DONG_THO}).text.lstrip("\ufeff"))))
    assert len(rows) == 1  # the header only
    assert {f["ward"] for f in police.get("/api/v1/follow-ups").json()} <= {HAM_RONG}
    assert name not in police.get("/follow-ups").text
    # the city office and Đông Thọ's police see and act on it
    assert own.get(f"/api/v1/inspections/{uid}/history").json()["inspection"]["uuid"] == uid
    assert own.get(f"/api/v1/inspections/{uid}/attachments/{sha}").status_code == 200
    assert uid in own.get("/api/v1/exports/inspections.csv").text
    assert uid in [f["inspection"] for f in own.get("/api/v1/follow-ups").json()]
    assert own.post(f"/api/v1/inspections/{uid}/review", json={"decision": "approve"}).status_code == 200
    assert uid in city.get("/api/v1/exports/inspections.geojson", params={"ward": DONG_THO}).text


def test_ward_police_queue_counts_cover_only_their_ward(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    queue = police.get("/api/v1/review/queue", params={"limit": 500}).json()
    expected = execute(database_url, "SELECT count(*) FROM inspections i JOIN wards w ON w.id = i.ward_id "
                                     "WHERE w.code = :c", {"c": HAM_RONG})[0][0]
    assert queue["total"] == expected == sum(queue["counts"].values()) == len(queue["items"])
    city = as_user("cityoffice").get("/api/v1/review/queue").json()
    assert city["total"] > expected


def test_queue_filters_and_counts(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    before = police.get("/api/v1/review/queue", params={"state": "submitted", "limit": 500}).json()
    first, second = before["items"][0]["uuid"], before["items"][1]["uuid"]
    with_violation(database_url, first)
    execute(database_url, "UPDATE inspections SET flags = :f WHERE uuid = :u",
            {"f": '["far_from_registered_point"]', "u": second})
    assert police.post(f"/api/v1/inspections/{first}/review", json={"decision": "approve"}).status_code == 200
    approved = police.get("/api/v1/review/queue", params={"state": "approved", "limit": 500}).json()
    assert first in {i["uuid"] for i in approved["items"]} and {i["review_state"] for i in approved["items"]} == {
        "approved"}
    assert approved["counts"]["approved"] == before["counts"]["approved"] + 1 == approved["total"]
    assert approved["counts"]["submitted"] == before["counts"]["submitted"] - 1
    with_v = police.get("/api/v1/review/queue", params={"violations": "true", "limit": 500}).json()
    assert first in {i["uuid"] for i in with_v["items"]} and min(i["violation_count"] for i in with_v["items"]) > 0
    without = police.get("/api/v1/review/queue", params={"violations": "false", "limit": 500}).json()
    assert without["total"] + with_v["total"] == sum(before["counts"].values())
    flagged = police.get("/api/v1/review/queue", params={"flag": "far_from_registered_point"}).json()
    assert second in {i["uuid"] for i in flagged["items"]}
    assert all("far_from_registered_point" in i["flags"] for i in flagged["items"])
    assert police.get("/api/v1/review/queue", params={"flag": "any"}).json()["total"] >= 1
    typ = before["items"][0]["establishment_type"]
    typed = police.get("/api/v1/review/queue", params={"type": typ, "limit": 500}).json()
    assert typed["total"] >= 1 and {i["establishment_type"] for i in typed["items"]} == {typ}
    assert police.get("/api/v1/review/queue", params={"flag": "bogus"}).status_code == 400
    assert police.get("/api/v1/review/queue", params={"state": "bogus"}).status_code == 400
    page = police.get("/review", params={"state": "approved"}).text
    assert f'data-uuid="{first}"' in page and f'data-uuid="{second}"' not in page


def test_only_reviewers_use_the_queue_and_exports(as_user) -> None:  # type: ignore[no-untyped-def]
    for username in ("inspector1", "teamlead", "admin"):
        client = as_user(username)
        assert client.get("/api/v1/review/queue").status_code == 403
        assert client.get("/api/v1/exports/inspections.csv").status_code == 403
        assert client.get("/review").status_code == 403


def test_the_queue_opens_on_what_waits_oldest_first_and_all_states_newest_first(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    waiting = police.get("/review").text
    assert '<option value="submitted" selected>' in waiting
    states = re.findall(r'<span class="badge state-(\w+)">', waiting)
    assert states and set(states) == {"submitted"}
    api = police.get("/api/v1/review/queue", params={"state": "submitted", "limit": 100}).json()["items"]
    assert re.findall(r'<tr data-uuid="([^"]+)">', waiting) == [i["uuid"] for i in api]
    assert [i["started_at"] for i in api] == sorted(i["started_at"] for i in api)  # a queue: oldest first
    oldest = api[0]["uuid"]
    assert police.post(f"/api/v1/inspections/{oldest}/review", json={"decision": "approve"}).status_code == 200
    assert oldest not in police.get("/review").text
    every = police.get("/review?state=all").text
    assert '<option value="submitted" selected>' not in every and f'data-uuid="{oldest}"' in every
    assert {"submitted", "approved"} <= set(re.findall(r'<span class="badge state-(\w+)">', every))
    listed = police.get("/api/v1/review/queue", params={"limit": 100}).json()["items"]
    assert [i["started_at"] for i in listed] == sorted((i["started_at"] for i in listed), reverse=True)
    assert re.findall(r'<tr data-uuid="([^"]+)">', every) == [i["uuid"] for i in listed]
    city = as_user("cityoffice").get("/review?state=all").text
    assert "?state=all&amp;offset=100" in city  # the next page stays on every state
