"""The biên bản as PDF: A4, Vietnamese text extractable with its diacritics (fonts embedded), each finding with
its legal basis and fine range, the photo appendix with sha256, the content hash and a QR code of the
verification URL; the same scope as the record page."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

from litestar.testing import TestClient
from pypdf import PdfReader

from forms import registry
from tests.dbs import execute
from tests.submissions import body, establishment, image, new_uuid, sent_with_photo, upload, violation_item

Login = Callable[[str], TestClient]


def fonts_of(reader: PdfReader) -> list[dict]:  # type: ignore[type-arg]
    found = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                found.append(descendant.get_object().get("/FontDescriptor", {}))
    return found


def test_the_record_pdf_has_the_legal_fields_findings_photos_and_hash(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    photo = image(size=(320, 240))
    sha = hashlib.sha256(photo).hexdigest()
    uid = sent_with_photo(phone, database_url, photo)
    assert upload(phone, uid, photo).status_code == 201
    assert f'href="/inspections/{uid}/record.pdf"' in phone.get(f"/inspections/{uid}").text  # linked from the record
    response = phone.get(f"/inspections/{uid}/record.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for words in ("BIÊN BẢN KIỂM TRA", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Căn cứ kiểm tra", "Thành phần Đoàn kiểm tra", "Lê Văn Kiểm, Nguyễn Thị Tra",
                  "Người đại diện có mặt", "Phụ lục: ảnh chứng cứ", "Kiểm tra tính xác thực"):
        assert words in flat, words
    item = next(q for _, q in registry.get("karaoke").questions() if q.id == violation_item())
    assert item.legal_basis and " ".join(item.legal_basis.split())[:40] in flat
    if item.sanction and item.sanction.fine_min_vnd:
        assert f"{item.sanction.fine_min_vnd:,}".replace(",", ".") + " đ" in flat
    content_hash = text.split("Mã nội dung (SHA-256 của biên bản):")[1].split()[0]
    stored = execute(database_url, "SELECT body_sha256 FROM inspections WHERE uuid = :u", {"u": uid})[0][0]
    assert content_hash == stored and f"/verify/{content_hash}" in flat.replace(" ", "")
    assert sha in flat.replace(" ", "") and "320×240" in flat
    descriptors = fonts_of(reader)
    assert descriptors and all(d.get("/FontFile2") or d.get("/FontFile3") or d.get("/FontFile") for d in descriptors)
    assert any(page.images for page in reader.pages)  # the photo and the QR code


def test_the_pdf_keeps_the_record_scope(as_user: Login, database_url: str) -> None:
    establishment_id, _, _ = establishment(database_url, ward="14758")  # Đông Thọ
    uid = new_uuid()
    sent = body(database_url, ward="14758")
    assert as_user("inspector1").put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    assert as_user("police.hamrong").get(f"/inspections/{uid}/record.pdf").status_code == 404
    assert as_user("police.dongtho").get(f"/inspections/{uid}/record.pdf").status_code == 200
    assert establishment_id
