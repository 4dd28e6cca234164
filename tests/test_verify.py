"""/verify/{hash}: anyone with a printed record's content hash learns whether it exists and is current, with
its date and unit only; a signed-in user in scope gets a link to the record; a corrected record's old hash
says it is no longer current."""

from __future__ import annotations

from collections.abc import Callable

from litestar.testing import TestClient

from tests.dbs import execute
from tests.submissions import body, new_uuid

Login = Callable[[str], TestClient]


def content_hash(database_url: str, uid: str) -> str:
    return execute(database_url, "SELECT body_sha256 FROM inspections WHERE uuid = :u", {"u": uid})[0][0]


def test_anyone_learns_exists_current_date_and_unit_only(client: TestClient, as_user: Login,
                                                         database_url: str) -> None:
    uid = new_uuid()
    sent = body(database_url, ward="14755")
    assert as_user("inspector1").put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    digest = content_hash(database_url, uid)
    public = client.get(f"/api/v1/verify/{digest}").json()
    assert public["found"] is True and public["current"] is True
    day = sent["started_at"][:10]
    assert public["date"].count("/") == 2 and public["date"][-4:] == day[:4]
    assert public["unit"] and set(public) == {"content_hash", "found", "current", "date", "unit"}
    page = client.get(f"/verify/{digest}")
    assert page.status_code == 200 and 'data-current="1"' in page.text and public["unit"] in page.text
    for secret in ("Lê Văn Kiểm", sent["answers"]["representative_name"], uid, "record-link"):
        assert secret not in page.text
    assert f'href="/inspections/{uid}"' in as_user("police.hamrong").get(f"/verify/{digest}").text
    assert "record-link" not in as_user("police.dongtho").get(f"/verify/{digest}").text  # another ward
    missing = client.get(f"/verify/{'0' * 64}")
    assert missing.status_code == 200 and 'data-found="0"' in missing.text
    assert client.get("/api/v1/verify/not-a-hash").json()["found"] is False


def test_a_resubmitted_record_old_hash_is_not_current(as_user: Login, database_url: str, client: TestClient) -> None:
    uid = new_uuid()
    phone = as_user("inspector1")
    sent = body(database_url, ward="14755")
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    old = content_hash(database_url, uid)
    returned = as_user("police.hamrong").post(f"/api/v1/inspections/{uid}/review",
                                              json={"decision": "return", "comment": "Ghi rõ số phòng"})
    assert returned.status_code in (200, 201), returned.text
    fixed = {**sent, "notes": "Đã ghi rõ số phòng"}
    assert phone.put(f"/api/v1/inspections/{uid}", json=fixed).status_code == 200
    new = content_hash(database_url, uid)
    assert new != old
    assert client.get(f"/api/v1/verify/{old}").json() | {"content_hash": ""} == {
        "content_hash": "", "found": True, "current": False,
        "date": client.get(f"/api/v1/verify/{new}").json()["date"],
        "unit": client.get(f"/api/v1/verify/{new}").json()["unit"]}
    assert client.get(f"/api/v1/verify/{new}").json()["current"] is True
