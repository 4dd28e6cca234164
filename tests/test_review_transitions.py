"""Review states: every allowed and every refused transition, who may make it, the database check, and a
returned inspection resubmitted that keeps both versions."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import msgspec
import pytest
from sqlalchemy.exc import IntegrityError

from server.inspections.models import ReviewState
from server.review.models import Decision
from server.review.transitions import REVIEW_DECISIONS, TRANSITIONS
from tests.dbs import execute
from tests.reviewing import HAM_RONG, as_json, fresh_uuid, inspection_in, new_body, state_of, submit_as

ALLOWED = [(f, d) for (f, d) in TRANSITIONS if d in REVIEW_DECISIONS]
REFUSED = [(s, d) for s in ReviewState for d in REVIEW_DECISIONS if (s, d) not in TRANSITIONS]
#: Who makes each allowed move in these tests (escalated ones belong to the city office).
ACTOR = {ReviewState.SUBMITTED: "police.hamrong", ReviewState.ESCALATED: "cityoffice"}


def test_the_migration_enforces_the_table_of_the_code() -> None:
    path = Path(__file__).parents[1] / "server/migrations/versions/0002_review_outbox.py"
    spec = importlib.util.spec_from_file_location("m0002", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    assert set(module.TRANSITIONS) == {(f.value, d.value, t.to.value) for (f, d), t in TRANSITIONS.items()}


def test_every_state_is_in_the_readme() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Ward police and the city office: review")[1]
    for state in ReviewState:
        assert f"`{state.value}`" in section
    for (f, d), t in TRANSITIONS.items():
        assert f"| `{f.value}` | `{d.value}` | `{t.to.value}` |" in section


@pytest.mark.parametrize(("state", "decision"), ALLOWED, ids=lambda x: str(x))
def test_allowed_transition(as_user, database_url: str, state: ReviewState, decision: Decision) -> None:  # type: ignore[no-untyped-def]
    uuid = inspection_in(database_url, HAM_RONG, state.value)
    client = as_user(ACTOR[state])
    response = client.post(f"/api/v1/inspections/{uuid}/review",
                           json={"decision": decision.value, "comment": "Thiếu ảnh giấy phép"})
    assert response.status_code == 200, response.text
    to = TRANSITIONS[(state, decision)].to.value
    assert response.json()["to_state"] == to and response.json()["from_state"] == state.value
    assert state_of(database_url, uuid) == to
    assert execute(database_url, "SELECT r.decision, r.from_state, r.to_state, r.comment FROM reviews r "
                                 "JOIN inspections i ON i.id = r.inspection_id WHERE i.uuid = :u "
                                 "ORDER BY r.id DESC LIMIT 1", {"u": uuid}) == [
        (decision.value, state.value, to, "Thiếu ảnh giấy phép")]
    action, target, after = execute(database_url, "SELECT action, target_id, after FROM audit_events "
                                                  "ORDER BY id DESC LIMIT 1")[0]
    assert (action, target) == (f"review.{decision.value}", uuid)
    assert as_json(after)["review_state"] == to
    assert as_user("cityoffice").get("/api/v1/audit/verify").json()["ok"] is True


@pytest.mark.parametrize(("state", "decision"), REFUSED, ids=lambda x: str(x))
@pytest.mark.parametrize("username", ["police.hamrong", "cityoffice"])
def test_refused_transition(as_user, database_url: str, state: ReviewState, decision: Decision,  # type: ignore[no-untyped-def]
                            username: str) -> None:
    uuid = inspection_in(database_url, HAM_RONG, state.value)
    client = as_user(username)
    events = execute(database_url, "SELECT count(*) FROM audit_events")[0][0]
    reviews = execute(database_url, "SELECT count(*) FROM reviews")[0][0]
    response = client.post(f"/api/v1/inspections/{uuid}/review",
                                      json={"decision": decision.value, "comment": "lý do"})
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "transition_not_allowed"
    assert state_of(database_url, uuid) == state.value
    assert execute(database_url, "SELECT count(*) FROM reviews")[0][0] == reviews
    assert execute(database_url, "SELECT count(*) FROM audit_events")[0][0] == events


@pytest.mark.parametrize(("username", "state", "decision"), [
    ("police.hamrong", "escalated", "approve"),   # escalated: the city office acts
    ("police.hamrong", "escalated", "reject"),
    ("cityoffice", "submitted", "escalate"),      # the city office does not escalate to itself
    ("inspector1", "submitted", "approve"),       # inspectors do not review
    ("teamlead", "submitted", "approve"),
])
def test_the_wrong_role_is_refused(as_user, database_url: str, username: str, state: str, decision: str) -> None:  # type: ignore[no-untyped-def]
    uuid = inspection_in(database_url, HAM_RONG, state)
    response = as_user(username).post(f"/api/v1/inspections/{uuid}/review",
                                      json={"decision": decision, "comment": "lý do"})
    assert response.status_code == 403
    assert state_of(database_url, uuid) == state


@pytest.mark.parametrize("decision", ["return", "reject", "escalate"])
def test_return_reject_and_escalate_need_a_comment(as_user, database_url: str, decision: str) -> None:  # type: ignore[no-untyped-def]
    uuid = inspection_in(database_url, HAM_RONG)
    response = as_user("police.hamrong").post(f"/api/v1/inspections/{uuid}/review",
                                              json={"decision": decision, "comment": "   "})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "comment"
    assert state_of(database_url, uuid) == "submitted"


def test_resubmit_and_unknown_decisions_are_not_review_decisions(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = inspection_in(database_url, HAM_RONG, "returned")
    police = as_user("police.hamrong")
    assert police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "resubmit"}).status_code == 422
    assert police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "bless"}).status_code == 400
    assert police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "approve", "x": 1}).status_code == 400


def test_the_database_refuses_a_review_outside_the_table(database_url: str) -> None:
    uuid = inspection_in(database_url, HAM_RONG)
    iid, uid = execute(database_url, "SELECT id, inspector_id FROM inspections WHERE uuid = :u", {"u": uuid})[0]
    insert = ("INSERT INTO reviews (inspection_id, reviewer_id, decision, from_state, to_state, comment, at) "
              "VALUES (:i, :r, :d, :f, :t, '', CURRENT_TIMESTAMP)")
    with pytest.raises(IntegrityError):
        execute(database_url, insert, {"i": iid, "r": uid, "d": "approve", "f": "rejected", "t": "approved"})
    with pytest.raises(IntegrityError):
        execute(database_url, insert, {"i": iid, "r": uid, "d": "approve", "f": "submitted", "t": "rejected"})
    execute(database_url, insert, {"i": iid, "r": uid, "d": "approve", "f": "submitted", "t": "approved"})


def test_the_html_form_reviews_and_reports_errors(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    import re

    uuid = inspection_in(database_url, HAM_RONG)
    police = as_user("police.hamrong")
    page = police.get(f"/inspections/{uuid}/history")
    assert page.status_code == 200 and 'value="approve"' in page.text and 'value="escalate"' in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    refused = police.post(f"/inspections/{uuid}/review", data={"decision": "return", "comment": "",
                                                               "_csrf_token": token})
    assert refused.status_code == 200 and 'role="alert"' in refused.text
    assert state_of(database_url, uuid) == "submitted"
    done = police.post(f"/inspections/{uuid}/review", data={"decision": "return", "comment": "Chụp lại biển hiệu",
                                                            "_csrf_token": token})
    assert done.status_code == 200 and "Chụp lại biển hiệu" in done.text
    assert state_of(database_url, uuid) == "returned"


def test_a_returned_inspection_resubmitted_keeps_both_versions(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = fresh_uuid()
    first = new_body(database_url, HAM_RONG, notes="Bản đầu")
    out, created = submit_as(database_url, "inspector1", uuid, first)
    assert created and out.version == 1
    police = as_user("police.hamrong")
    returned = police.post(f"/api/v1/inspections/{uuid}/review",
                           json={"decision": "return", "comment": "Ghi rõ tên người đại diện"})
    assert returned.status_code == 200
    # the inspector sees it at the top of their list, with the comment
    home = as_user("inspector1").get("/").text
    assert f'data-uuid="{uuid}"' in home and "Ghi rõ tên người đại diện" in home
    assert home.index('id="returned"') < home.index('id="visits"')
    # someone else cannot resubmit it, the same body again is not a resubmission
    with pytest.raises(Exception, match="Mã UUID này đã được dùng cho một lần gửi khác"):
        submit_as(database_url, "inspector2", uuid, msgspec.structs.replace(first, notes="Bản của người khác"))
    fixed = msgspec.structs.replace(first, notes="Bản sửa: đại diện Nguyễn Văn A")
    out, created = submit_as(database_url, "inspector1", uuid, fixed)
    assert not created and out.version == 2 and out.review_state == "submitted" and out.notes.startswith("Bản sửa")
    assert submit_as(database_url, "inspector1", uuid, fixed)[0].version == 2  # a retry of the fix: same answer
    with pytest.raises(Exception, match="Mã UUID này đã được dùng cho một lần gửi khác"):
        submit_as(database_url, "inspector1", uuid, first)  # the old body is history now
    history = police.get(f"/api/v1/inspections/{uuid}/history").json()
    assert history["inspection"]["version"] == 2 and history["inspection"]["notes"].startswith("Bản sửa")
    assert [(v["version"], v["body"]["notes"]) for v in history["versions"]] == [(1, "Bản đầu")]
    assert [(r["decision"], r["reviewer"], r["comment"]) for r in history["reviews"]] == [
        ("return", "police.hamrong", "Ghi rõ tên người đại diện"), ("resubmit", "inspector1", "")]
    assert [e["action"] for e in history["audit"]] == ["inspection.create", "review.return", "review.resubmit"]
    assert f'data-uuid="{uuid}"' not in as_user("inspector1").get("/").text  # no longer returned
    page = police.get(f"/inspections/{uuid}/history").text
    assert "Bản đầu" in page and "Ghi rõ tên người đại diện" in page
    assert police.post(f"/api/v1/inspections/{uuid}/review", json={"decision": "approve"}).status_code == 200
    assert as_user("cityoffice").get("/api/v1/audit/verify").json()["ok"] is True
