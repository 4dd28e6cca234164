"""Photo evidence: recognised by content, capped (10 MB, 4096 px a side), stored once by sha256, read and
added only within scope."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from litestar.testing import TestClient

from server.settings import Settings
from tests.dbs import execute
from tests.submissions import body, image, new_uuid

Login = Callable[[str], TestClient]
DONG_THO = "14758"


def submitted(phone: TestClient, database_url: str, photos: list[bytes], ward: str | None = None) -> str:
    uid = new_uuid()
    sent = body(database_url, ward=ward, photo=hashlib.sha256(photos[0]).hexdigest())
    sent["answers"]["photos"] = [hashlib.sha256(p).hexdigest() for p in photos[1:]]
    if not sent["answers"]["photos"]:
        sent["answers"].pop("photos")
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    return uid


def upload(client: TestClient, uid: str, data: bytes, name: str = "photo.jpg", kind: str = "image/jpeg"):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/inspections/{uid}/attachments", files={"file": (name, data, kind)})


def test_jpeg_png_webp_are_stored_once_by_sha256(as_user: Login, database_url: str, settings: Settings) -> None:
    phone = as_user("inspector1")
    photos = [image("JPEG"), image("PNG", colour=(1, 2, 3)), image("WEBP", colour=(9, 9, 9))]
    uid = submitted(phone, database_url, photos)
    types = []
    for data in photos:
        response = upload(phone, uid, data, kind="application/octet-stream")
        assert response.status_code == 201, response.text
        types.append(response.json()["content_type"])
        assert upload(phone, uid, data).status_code == 200  # the same photo again
    assert types == ["image/jpeg", "image/png", "image/webp"]
    sha = hashlib.sha256(photos[0]).hexdigest()
    blobs = Path(settings.data_dir) / "blobs"
    assert (blobs / sha[:2] / sha).read_bytes() == photos[0]
    before = sorted(p for p in blobs.rglob("*") if p.is_file())
    other = submitted(phone, database_url, photos[:1])  # another inspection, the same evidence
    assert upload(phone, other, photos[0]).status_code == 201
    assert sorted(p for p in blobs.rglob("*") if p.is_file()) == before  # stored once
    got = phone.get(f"/api/v1/inspections/{uid}/attachments/{sha}")
    assert got.status_code == 200 and got.content == photos[0] and got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert phone.get(f"/api/v1/inspections/{uid}").json()["attachments"] == [hashlib.sha256(p).hexdigest()
                                                                            for p in photos]
    events = execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'inspection.attachment_add' "
                                   "AND target_id IN (:a, :b)", {"a": uid, "b": other})
    assert events == [(4,)]


def test_fake_and_oversized_images_are_refused(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    uid = submitted(phone, database_url, [image()])
    fake = upload(phone, uid, b"<html><script>alert(1)</script></html>" * 10, "x.jpg", "image/jpeg")
    assert fake.status_code == 415 and fake.json()["code"] == "unsupported_media_type"
    gif = upload(phone, uid, image("GIF"), "x.gif", "image/gif")
    assert gif.status_code == 415
    truncated = upload(phone, uid, image("PNG")[:60], "x.png", "image/png")
    assert truncated.status_code == 415
    big = upload(phone, uid, image("JPEG") + b"\0" * (10 * 1024 * 1024), "big.jpg")
    assert big.status_code == 413
    huge = upload(phone, uid, image("PNG", size=(8000, 5001), mode="1"), "huge.png", "image/png")
    assert huge.status_code == 413 and huge.json()["code"] == "too_many_pixels"
    stray = upload(phone, uid, image("JPEG", colour=(0, 255, 0)))
    assert stray.status_code == 422 and stray.json()["errors"][0]["code"] == "not_referenced"
    assert execute(database_url, "SELECT count(*) FROM attachments a JOIN inspections i ON i.id = a.inspection_id "
                                 "WHERE i.uuid = :u", {"u": uid}) == [(0,)]


def test_scope_of_reading_and_adding_photos(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    photo = image()
    sha = hashlib.sha256(photo).hexdigest()
    uid = submitted(phone, database_url, [photo], ward=DONG_THO)
    hamrong = as_user("police.hamrong")
    assert upload(hamrong, uid, photo).status_code == 404
    assert upload(as_user("inspector2"), uid, photo).status_code == 403
    assert upload(phone, uid, photo).status_code == 201
    assert hamrong.get(f"/api/v1/inspections/{uid}/attachments/{sha}").status_code == 404
    dongtho = as_user("police.dongtho")
    assert dongtho.get(f"/api/v1/inspections/{uid}/attachments/{sha}").status_code == 200
    for bad in (sha.upper(), sha[:-1], "..%2F..%2Fkiemtra.db", "../../etc/passwd", "%2e%2e%2f" * 3 + "kiemtra.db"):
        assert dongtho.get(f"/api/v1/inspections/{uid}/attachments/{bad}").status_code == 404, bad
    assert dongtho.get(f"/api/v1/inspections/{uid}/attachments/{'0' * 64}").status_code == 404


def test_a_jpeg_html_polyglot_is_only_ever_served_as_an_image(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    polyglot = image("JPEG") + b"<html><script>alert(document.cookie)</script></html>"
    sha = hashlib.sha256(polyglot).hexdigest()
    uid = submitted(phone, database_url, [polyglot])
    # recognised by content as a JPEG whatever name and type the client claims
    assert upload(phone, uid, polyglot, "evil.html", "text/html").status_code == 201
    served = phone.get(f"/api/v1/inspections/{uid}/attachments/{sha}")
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "script-src" in served.headers["content-security-policy"]
