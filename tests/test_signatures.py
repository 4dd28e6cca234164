"""Signatures drawn on the phone are part of the record: named in the body (so inside its content hash),
their PNGs uploaded like photos and accepted only when named, the rules of a signed record (an inspector
signs; the representative's signature matches the answer; a refusal is confirmed by a witness), and the PDF
shows each signature with name, role and time."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import Any

from litestar.testing import TestClient
from pypdf import PdfReader

from tests.dbs import execute
from tests.submissions import body, image, new_uuid

Login = Callable[[str], TestClient]


def png(colour: tuple[int, int, int]) -> bytes:
    return image("PNG", (300, 120), colour)


def sign(role: str, name: str, data: bytes, at: str) -> dict[str, Any]:
    return {"role": role, "name": name, "sha256": hashlib.sha256(data).hexdigest(), "signed_at": at}


def signed_body(database_url: str, representative: str, pngs: dict[str, bytes]) -> dict[str, Any]:
    sent = body(database_url)
    answers = sent["answers"]
    answers["representative_signed"] = representative
    answers.pop("refusal_note", None)
    answers.pop("witness_name", None)
    if representative != "yes":
        answers["refusal_note"] = "Người đại diện từ chối ký vì không đồng ý kết luận"
        answers["witness_name"] = "Nguyễn Văn Chứng, 12 Lê Lợi"
    at = sent["submitted_at"]
    names = {"inspector": "Lê Văn Kiểm", "representative": "Trần Thị Đại Diện", "witness": "Nguyễn Văn Chứng"}
    sent["signatures"] = [sign(role, names[role], data, at) for role, data in pngs.items()]
    return sent


def test_a_refusal_with_a_witness_is_stored_hashed_uploaded_and_printed(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    pngs = {"inspector": png((10, 10, 10)), "witness": png((20, 20, 20))}
    sent = signed_body(database_url, "no", pngs)
    uid = new_uuid()
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    stored = phone.get(f"/api/v1/inspections/{uid}").json()
    assert [s["role"] for s in stored["signatures"]] == ["inspector", "witness"]
    for data in pngs.values():
        assert phone.post(f"/api/v1/inspections/{uid}/attachments",
                          files={"file": ("s.png", data, "image/png")}).status_code == 201
    stranger = png((200, 0, 0))  # named by no answer and no signature
    refused = phone.post(f"/api/v1/inspections/{uid}/attachments", files={"file": ("x.png", stranger, "image/png")})
    assert refused.status_code == 422
    # the content hash covers the signatures: the same body without them is another record
    unsigned = {**sent, "signatures": []}
    assert phone.put(f"/api/v1/inspections/{uid}", json=unsigned).status_code == 409
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 200
    pdf = phone.get(f"/inspections/{uid}/record.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Người đại diện cơ sở không ký" in text and "không đồng ý kết luận" in text
    assert "Lê Văn Kiểm" in text and "Nguyễn Văn Chứng" in text and "Người chứng kiến" in text
    assert "Ký lúc" in text
    assert text.count("Thành viên Đoàn kiểm tra") == 1


def test_the_rules_of_a_signed_record(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    a, b, c = png((1, 2, 3)), png((4, 5, 6)), png((7, 8, 9))
    cases = [
        (signed_body(database_url, "no", {"inspector": a}), "witness_required"),
        (signed_body(database_url, "yes", {"inspector": a, "witness": b}), "representative_required"),
        (signed_body(database_url, "no", {"inspector": a, "representative": b, "witness": c}),
         "representative_not_signed"),
        (signed_body(database_url, "yes", {"representative": b}), "inspector_required"),
    ]
    for sent, code in cases:
        response = phone.put(f"/api/v1/inspections/{new_uuid()}", json=sent)
        assert response.status_code == 422, code
        assert code in [e["code"] for e in response.json()["errors"]], response.json()
    bad = signed_body(database_url, "yes", {"inspector": a, "representative": b})
    bad["signatures"][0]["sha256"] = "../" + "a" * 61
    assert phone.put(f"/api/v1/inspections/{new_uuid()}", json=bad).status_code in (400, 422)
    good = signed_body(database_url, "yes", {"inspector": a, "representative": b})
    uid = new_uuid()
    assert phone.put(f"/api/v1/inspections/{uid}", json=good).status_code == 201
    rows = execute(database_url, "SELECT signatures FROM inspections WHERE uuid = :u", {"u": uid})
    assert "Trần Thị Đại Diện" in str(rows[0][0])


def test_an_unsigned_body_hashes_as_before_signatures_existed(as_user: Login, database_url: str) -> None:
    import msgspec

    phone = as_user("inspector1")
    sent = body(database_url)
    uid = new_uuid()
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    stored = execute(database_url, "SELECT body_sha256 FROM inspections WHERE uuid = :u", {"u": uid})[0][0]
    from server.inspections import InspectionIn, body_hash

    legacy = msgspec.to_builtins(msgspec.convert(sent, InspectionIn))
    legacy.pop("signatures")
    assert stored == body_hash(msgspec.convert(sent, InspectionIn))
    assert stored == hashlib.sha256(msgspec.json.encode(legacy, order="sorted")).hexdigest()
