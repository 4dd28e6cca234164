"""The phone's offline day and the fix-and-resend page, without a browser: the compact business list keeps to
the user's wards and leaves closed businesses out; only the inspector a record was returned to may open it
for editing, and only while it is returned; the edit page is prefilled from the current version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from forms import registry
from server.inspections.offline import FIELDS
from server.inspections.phone_pages import Prefill, pointed_at
from tests.dbs import execute
from tests.reviewing import HAM_RONG

Login = Callable[[str], Any]


def returned(database_url: str, username: str = "inspector1") -> list[str]:
    return [r[0] for r in execute(
        database_url, "SELECT i.uuid FROM inspections i JOIN users u ON u.id = i.inspector_id "
                      "WHERE i.review_state = 'returned' AND u.username = :u ORDER BY i.id", {"u": username})]


def test_the_offline_list_holds_every_business_of_the_users_wards_that_is_not_closed(
    as_user: Login, database_url: str
) -> None:
    execute(database_url, "UPDATE establishments SET status = 'closed' WHERE id = (SELECT MIN(e.id) FROM "
                          "establishments e JOIN wards w ON w.id = e.ward_id WHERE w.code = :c)", {"c": HAM_RONG})
    ward = as_user(f"to.{HAM_RONG}").get("/api/v1/phone/establishments")
    assert ward.status_code == 200
    data = ward.json()
    assert data["fields"] == FIELDS == ["id", "name", "type", "address", "lat", "lon", "ward"]
    expected = execute(database_url, "SELECT e.id FROM establishments e JOIN wards w ON w.id = e.ward_id "
                                     "WHERE w.code = :c AND e.status <> 'closed' ORDER BY e.id", {"c": HAM_RONG})
    assert [r[0] for r in data["rows"]] == [r[0] for r in expected] and expected
    assert {r[6] for r in data["rows"]} == {int(k) for k in data["wards"]} and len(data["wards"]) == 1
    first = data["rows"][0]
    name, kind, address, lat = execute(database_url, "SELECT name, type, address, lat FROM establishments "
                                                     "WHERE id = :i", {"i": first[0]})[0]
    assert first[1:4] == [name, kind, address] and abs(first[4] - lat) < 1e-5

    city = as_user("inspector1").get("/api/v1/phone/establishments").json()  # the city team: every ward
    assert len(city["rows"]) == execute(database_url, "SELECT count(*) FROM establishments "
                                                      "WHERE status <> 'closed'")[0][0] > len(data["rows"])
    assert as_user("police.hamrong").get("/api/v1/phone/establishments").status_code == 403


def test_only_the_inspector_a_record_was_returned_to_may_fix_it_and_only_while_returned(
    as_user: Login, database_url: str
) -> None:
    uuid, other = returned(database_url)[:2]
    comment = execute(database_url, "SELECT r.comment FROM reviews r JOIN inspections i ON i.id = r.inspection_id "
                                    "WHERE i.uuid = :u AND r.decision = 'return' ORDER BY r.id DESC", {"u": uuid})[0][0]
    inspector = as_user("inspector1")
    page = inspector.get(f"/inspections/{uuid}/edit")
    assert page.status_code == 200
    assert comment and comment in page.text
    assert f'data-uuid="{uuid}"' in page.text  # resent under the same UUID
    assert as_user("inspector2").get(f"/inspections/{uuid}/edit").status_code == 404
    assert as_user("police.hamrong").get(f"/inspections/{uuid}/edit").status_code == 403
    execute(database_url, "UPDATE inspections SET review_state = 'approved' WHERE uuid = :u", {"u": other})
    assert inspector.get(f"/inspections/{other}/edit").status_code == 409


def test_the_edit_form_shows_the_stored_answers_and_marks_what_the_comment_names() -> None:
    form = registry.get("karaoke")
    values = Prefill({"outcome": "violations", "karaoke_rooms_in_use": 4.0, "staff_present": ["a", "b"],
                      "started_at": "2026-12-06T13:05:00+00:00"})
    assert values.get("outcome") == "violations" and values.get("karaoke_rooms_in_use") == "4"
    assert values.get("started_at") == "2026-12-06T20:05"  # Vietnamese time, for datetime-local
    assert values.getall("staff_present") == ["a", "b"] and values.get("missing") == ""
    label = next(q.label.vi for _, q in form.questions() if q.id == "house_rules_posted")
    marked = pointed_at(form, f"Xem lại câu karaoke_rooms_in_use và mục “{label}”.")
    assert marked == {"karaoke_rooms_in_use", "house_rules_posted"}
    assert pointed_at(form, "Thiếu chữ ký.") == set()
