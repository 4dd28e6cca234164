"""The printable inspection record (biên bản kiểm tra): Vietnamese, A4 print CSS, findings with their legal
basis, photos (and which have not arrived), and always the form version the inspection was filled on."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from litestar.testing import TestClient

from forms import registry
from tests.dbs import execute
from tests.submissions import body, establishment, image, new_uuid, violation_item

Login = Callable[[str], TestClient]


def test_record_shows_findings_violations_photos_and_signatures(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    arrived, missing = image(), image(colour=(0, 0, 255))
    uid = new_uuid()
    sent = body(database_url, photo=hashlib.sha256(arrived).hexdigest())
    sent["answers"]["photos"] = [hashlib.sha256(missing).hexdigest()]
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    assert phone.post(f"/api/v1/inspections/{uid}/attachments",
                      files={"file": ("a.jpg", arrived, "image/jpeg")}).status_code == 201
    page = phone.get(f"/inspections/{uid}").text
    item = registry.get("karaoke").questions()
    label = next(q.label.vi for _, q in item if q.id == violation_item())
    basis = next(q.legal_basis for _, q in item if q.id == violation_item())
    assert "BIÊN BẢN KIỂM TRA" in page and "Căn cứ kiểm tra" in page and "Nghị định số 96/2016/NĐ-CP" in page
    violations = page.split('id="violations"')[1].split("</ol>")[0]
    assert label in violations and basis is not None and basis in violations
    assert f'/api/v1/inspections/{uid}/attachments/{hashlib.sha256(arrived).hexdigest()}' in page
    assert 'id="missing"' in page and "Ảnh chưa nhận được" in page
    assert "ĐẠI DIỆN CƠ SỞ" in page and "Lê Văn Kiểm, Nguyễn Thị Tra" in page
    assert "verification" not in page  # inspectors never see the research flags
    css = phone.get("/static/app.css").text
    assert "@media print" in css and "size:A4" in css


def test_an_old_inspection_renders_against_its_stored_form_version(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    uid = new_uuid()
    assert phone.put(f"/api/v1/inspections/{uid}", json=body(database_url)).status_code == 201
    (raw,) = execute(database_url, "SELECT definition FROM form_versions WHERE form_id = 'karaoke' AND version = 1")[0]
    definition = json.loads(raw) if isinstance(raw, str) else raw
    question = definition["sections"][0]["questions"][0]
    question["label"]["vi"] = "Nội dung cũ của phiên bản đã dùng"
    execute(database_url, "UPDATE form_versions SET definition = :d WHERE form_id = 'karaoke' AND version = 1",
            {"d": json.dumps(definition)})
    page = phone.get(f"/inspections/{uid}").text
    if question["id"] in phone.get(f"/api/v1/inspections/{uid}").json()["answers"]:
        assert "Nội dung cũ của phiên bản đã dùng" in page


def test_team_lead_sees_the_proposed_point_of_an_unlocated_business(as_user: Login, database_url: str) -> None:
    establishment_id, lat, _ = establishment(database_url)
    sent = body(database_url)
    execute(database_url, "UPDATE establishments SET lat = NULL, lon = NULL WHERE id = :i", {"i": establishment_id})
    uid = new_uuid()
    out = as_user("inspector1").put(f"/api/v1/inspections/{uid}", json=sent).json()
    assert "no_registered_point" in out["flags"]
    lead = as_user("teamlead").get(f"/inspections/{uid}").text
    assert 'id="proposed"' in lead and f"{lat:.6f}" in lead
    assert 'id="proposed"' not in as_user("inspector2").get(f"/inspections/{uid}").text


def test_city_office_sees_verification_flags_on_the_record(as_user: Login, database_url: str) -> None:
    uid = new_uuid()
    sent = body(database_url, photo="cd" * 32)
    assert as_user("inspector1").put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    page = as_user("cityoffice").get(f"/inspections/{uid}").text
    violations = page.split('id="violations"')[1].split("</ol>")[0]
    assert '<span class="badge">' in violations


def test_the_demo_history_has_violations_with_their_photos(as_user: Login, database_url: str) -> None:
    rows = execute(database_url, "SELECT i.uuid, a.sha256 FROM inspections i JOIN attachments a "
                                 "ON a.inspection_id = i.id WHERE i.violation_count > 0 ORDER BY i.id")
    total = execute(database_url, "SELECT count(*) FROM inspections")[0][0]
    assert 0.05 * total < len(rows) < 0.4 * total
    office = as_user("cityoffice")
    uid, sha = rows[0]
    page = office.get(f"/inspections/{uid}").text
    assert 'id="violations"' in page and 'id="missing"' not in page
    photo = office.get(f"/api/v1/inspections/{uid}/attachments/{sha}")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
