"""Follow-ups on inspections with violations: sanction, remediation deadline, re-inspection (an assignment for
the team), licence recommendation; the overdue list; each one audited."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.dbs import execute
from tests.reviewing import HAM_RONG, as_json, inspection_in, with_violation

SANCTION = {"kind": "sanction", "decision_no": "123/QĐ-XPHC", "decision_date": "2023-11-20",
            "authority": "Chủ tịch UBND phường Hàm Rồng", "legal_ref": "Điểm a khoản 1 Điều 12 Nghị định 144/2021",
            "fine_vnd": 3_500_000, "subject_kind": "organisation"}


def violating(database_url: str) -> str:
    uuid = inspection_in(database_url, HAM_RONG)
    with_violation(database_url, uuid)
    execute(database_url, "DELETE FROM follow_ups WHERE inspection_id = (SELECT id FROM inspections WHERE uuid = :u)",
            {"u": uuid})
    return uuid


def follow_ups_of(database_url: str, uuid: str, columns: str = "count(*)") -> list[tuple]:  # type: ignore[type-arg]
    return execute(database_url, f"SELECT {columns} FROM follow_ups WHERE inspection_id = "
                                 "(SELECT id FROM inspections WHERE uuid = :u)", {"u": uuid})


def test_a_sanction_is_recorded_with_every_field_and_audited(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = violating(database_url)
    police = as_user("police.hamrong")
    response = police.post(f"/api/v1/inspections/{uuid}/follow-ups", json=SANCTION)
    assert response.status_code == 201, response.text
    out = response.json()
    assert {k: out[k] for k in SANCTION} == SANCTION
    assert out["status"] == "open" and out["created_by"] == "police.hamrong"
    action, target, after = execute(database_url, "SELECT action, target_id, after FROM audit_events "
                                                  "ORDER BY id DESC LIMIT 1")[0]
    assert (action, target) == ("follow_up.create", str(out["id"]))
    assert as_json(after)["fine_vnd"] == 3_500_000
    history = police.get(f"/api/v1/inspections/{uuid}/history").json()
    assert [f["decision_no"] for f in history["follow_ups"]] == ["123/QĐ-XPHC"]
    assert "123/QĐ-XPHC" in police.get(f"/inspections/{uuid}/history").text


def test_a_sanction_without_its_fields_is_refused(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = violating(database_url)
    response = as_user("police.hamrong").post(f"/api/v1/inspections/{uuid}/follow-ups",
                                              json={"kind": "sanction", "decision_no": "1/QĐ"})
    assert response.status_code == 422
    assert {e["path"] for e in response.json()["errors"]} == {"decision_date", "authority", "legal_ref", "fine_vnd",
                                                              "subject_kind"}
    bad = as_user("police.hamrong").post(f"/api/v1/inspections/{uuid}/follow-ups", json={**SANCTION, "fine_vnd": -1})
    assert bad.status_code == 400
    assert follow_ups_of(database_url, uuid) == [(0,)]


def test_no_follow_up_without_violations_or_on_a_rejected_visit(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    clean = inspection_in(database_url, HAM_RONG)
    police = as_user("police.hamrong")
    response = police.post(f"/api/v1/inspections/{clean}/follow-ups", json={"kind": "remediation",
                                                                            "deadline": "2024-01-10"})
    assert response.status_code == 422 and response.json()["code"] == "no_violations"
    rejected = inspection_in(database_url, HAM_RONG, "rejected", offset=1)
    with_violation(database_url, rejected)
    assert police.post(f"/api/v1/inspections/{rejected}/follow-ups",
                       json={"kind": "remediation", "deadline": "2024-01-10"}).status_code == 409


def test_a_reinspection_creates_an_assignment_for_the_team(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = violating(database_url)
    team = execute(database_url, "SELECT team_id, establishment_id FROM inspections WHERE uuid = :u", {"u": uuid})[0]
    day = (date.today() + timedelta(days=7)).isoformat()
    response = as_user("police.hamrong").post(f"/api/v1/inspections/{uuid}/follow-ups",
                                              json={"kind": "reinspection", "deadline": day, "note": "Kiểm tra lại"})
    assert response.status_code == 201, response.text
    assignment_id = response.json()["assignment_id"]
    rows = execute(database_url, "SELECT team_id, date FROM assignments WHERE id = :i", {"i": assignment_id})
    assert [(t, str(d)) for t, d in rows] == [(team[0], day)]
    assert execute(database_url, "SELECT establishment_id, status FROM assignment_stops WHERE assignment_id = :i",
                   {"i": assignment_id}) == [(team[1], "planned")]
    after = as_json(execute(database_url, "SELECT after FROM audit_events ORDER BY id DESC LIMIT 1")[0][0])
    assert after["assignment_id"] == assignment_id
    # a second re-inspection the same day joins the same assignment
    other = inspection_in(database_url, HAM_RONG, offset=3)
    with_violation(database_url, other)
    execute(database_url, "UPDATE inspections SET team_id = :t WHERE uuid = :u", {"t": team[0], "u": other})
    again = as_user("police.hamrong").post(f"/api/v1/inspections/{other}/follow-ups",
                                           json={"kind": "reinspection", "deadline": day})
    assert again.json()["assignment_id"] == assignment_id
    assert execute(database_url, "SELECT position FROM assignment_stops WHERE assignment_id = :i ORDER BY position",
                   {"i": assignment_id}) == [(0,), (1,)]
    past = as_user("police.hamrong").post(f"/api/v1/inspections/{uuid}/follow-ups",
                                          json={"kind": "reinspection", "deadline": "2020-01-01"})
    assert past.status_code == 422


def test_licence_recommendation_needs_suspend_or_revoke(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = violating(database_url)
    city = as_user("cityoffice")
    url = f"/api/v1/inspections/{uuid}/follow-ups"
    assert city.post(url, json={"kind": "licence_recommendation", "legal_ref": "Điều 20 NĐ 96/2016"}).status_code == 422
    closing = {"kind": "licence_recommendation", "action": "close", "legal_ref": "x"}
    assert city.post(url, json=closing).status_code == 400
    ok = city.post(url, json={"kind": "licence_recommendation", "action": "revoke", "legal_ref": "Điều 20 NĐ 96/2016"})
    assert ok.status_code == 201 and ok.json()["details"]["action"] == "revoke"


def test_follow_ups_past_their_deadline_are_listed_until_done(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = violating(database_url)
    police = as_user("police.hamrong")
    url = f"/api/v1/inspections/{uuid}/follow-ups"
    late = police.post(url, json={"kind": "remediation", "deadline": "2023-12-15", "note": "Trang bị bình chữa cháy"})
    future = police.post(url, json={"kind": "remediation", "deadline": (date.today() + timedelta(days=30)).isoformat()})
    assert late.status_code == future.status_code == 201
    overdue = {f["id"]: f for f in police.get("/api/v1/follow-ups", params={"overdue": "true"}).json()}
    assert late.json()["id"] in overdue and future.json()["id"] not in overdue
    assert all(f["overdue"] and f["deadline"] < date.today().isoformat() for f in overdue.values())
    page = police.get("/follow-ups").text
    assert "Trang bị bình chữa cháy" in page and 'id="overdue"' in page
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    done = police.post(f"/follow-ups/{late.json()['id']}/status", data={"status": "done", "_csrf_token": token})
    assert done.status_code == 200
    still = police.get("/api/v1/follow-ups", params={"overdue": "true"}).json()
    assert late.json()["id"] not in {f["id"] for f in still}
    assert execute(database_url, "SELECT action FROM audit_events ORDER BY id DESC LIMIT 1") == [("follow_up.update",)]
    again = police.patch(f"/api/v1/follow-ups/{late.json()['id']}", json={"status": "cancelled"})
    assert again.status_code == 409


def test_the_history_page_form_records_a_follow_up(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = violating(database_url)
    police = as_user("police.hamrong")
    page = police.get(f"/inspections/{uuid}/history").text
    assert 'id="follow-up-form"' in page
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    form = {"_csrf_token": token, "kind": "sanction", "decision_no": "9/QĐ", "decision_date": "01/12/2023",
            "authority": "UBND phường", "legal_ref": "NĐ 144/2021", "fine_vnd": "2000000",
            "subject_kind": "individual", "deadline": "", "action": "", "note": ""}
    response = police.post(f"/inspections/{uuid}/follow-ups", data=form)
    assert response.status_code == 200 and "9/QĐ" in response.text and 'role="alert"' not in response.text
    assert follow_ups_of(database_url, uuid, "fine_vnd, subject_kind") == [(2_000_000, "individual")]
    assert [str(d) for (d,) in follow_ups_of(database_url, uuid, "decision_date")] == ["2023-12-01"]  # typed dd/mm
    assert 'placeholder="dd/mm/yyyy"' in page and 'type="date"' not in page
    missing = police.post(f"/inspections/{uuid}/follow-ups", data={**form, "authority": ""})
    assert 'role="alert"' in missing.text and follow_ups_of(database_url, uuid) == [(1,)]
