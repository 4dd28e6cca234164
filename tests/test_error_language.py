"""Refusals read as sentences in the user's language and name the value refused: the registry form, the import
report, a tip step recorded twice, the review filters, the assignment form, a bad filter on any page (400), and
the API's ``detail`` says the same."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import openpyxl
import pytest
from litestar.testing import TestClient

from server.registry.tables import COLUMNS
from tests.submissions import body, new_uuid
from tests.test_pages_language import switch_language, visible_text

#: (Vietnamese, English) of each sentence the tests look for.
TEXT = {
    "unknown_ward": ("Không có phường, xã nào mang mã “99999”.", "No ward has the code “99999”."),
    "no_place": ("Hãy chọn vị trí trên bản đồ hoặc chọn phường, xã.", "Choose a point on the map or a ward."),
    "unknown_type": ("Loại hình “spa” không có trong danh mục.", "Business type “spa” is not in the list."),
    "bad_number": ("“nhiều” không phải là một số từ 0 đến 10000.", "“nhiều” is not a number from 0 to 10000."),
    "twice": ("Việc «Đã thông báo Viện kiểm sát» đã được ghi nhận rồi.",
              "Step «Procuracy notified» is already recorded."),
    "flag": ("Dấu hiệu “bogus” không có; hãy chọn một trong: Không có vị trí GPS,",
             "There is no flag “bogus”; choose one of: No GPS fix,"),
    "year": ("Mục «Năm» không nhận giá trị “abcd”.", "Field «Year» does not accept the value “abcd”."),
    "date": ("Mục «Ngày» không nhận giá trị “31/02/2024”.", "Field «Date» does not accept the value “31/02/2024”."),
    "page": ("Mục «Trang» không nhận giá trị “abc”.", "Field «Page» does not accept the value “abc”."),
}
#: What the refusals said before: English sentences and internal values (looked for in the visible text).
RAW = ("unknown ward", "give a point", "unknown type", "Expected `", "Invalid ", "Validation failed", "no_fix",
       "far_from_registered_point", "notify_procuracy")


def text(key: str, lang: str) -> str:
    return TEXT[key][0 if lang == "vi" else 1]


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def speaking(as_user: Callable[[str], TestClient], login: str, lang: str) -> TestClient:
    client = as_user(login)
    switch_language(client, lang)
    return client


def shows(response: object, key: str, lang: str) -> None:
    body = response.text  # type: ignore[attr-defined]
    assert text(key, lang) in body, body[body.find("<main"):][:1500]
    visible = " ".join(visible_text(body))
    assert not [w for w in RAW if w in visible], visible


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_registry_form_says_which_ward_is_unknown(as_user: Callable[[str], TestClient], lang: str) -> None:
    lead = speaking(as_user, "teamlead", lang)
    token = csrf(lead.get("/registry/new").text)
    fields = {"name": "Quán Thử", "type": "bar", "status": "active", "_csrf_token": token}
    unknown = lead.post("/registry/new", data=fields | {"ward": "99999"})
    assert unknown.status_code == 422
    shows(unknown, "unknown_ward", lang)
    nowhere = lead.post("/registry/new", data=fields)
    assert nowhere.status_code == 422
    shows(nowhere, "no_place", lang)
    api = lead.post("/api/v1/establishments", json={"name": "Quán Thử", "type": "bar", "ward": "99999"})
    assert api.status_code == 422 and api.json()["detail"] == text("unknown_ward", lang)


def xlsx(kind: str, rooms: str) -> bytes:
    values = {"Tên cơ sở": "Nhà nghỉ Thử", "Loại hình": kind, "Vĩ độ": 19.8, "Kinh độ": 105.78, "Số phòng": rooms}
    book = openpyxl.Workbook()
    book.active.append([h for _, h, _ in COLUMNS])
    book.active.append([values.get(h, "") for _, h, _ in COLUMNS])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_import_report_names_the_value_it_refused(as_user: Callable[[str], TestClient], lang: str) -> None:
    lead = speaking(as_user, "teamlead", lang)
    token = csrf(lead.get("/registry/import").text)
    report = lead.post("/registry/import", data={"_csrf_token": token},
                       files={"file": ("ds.xlsx", xlsx("spa", "nhiều"))})
    assert report.status_code == 422
    shows(report, "unknown_type", lang)
    shows(report, "bad_number", lang)
    api = lead.post("/api/v1/imports/establishments", files={"file": ("ds.xlsx", xlsx("spa", "nhiều"))})
    messages = {p["code"]: p["message"] for p in api.json()["problems"]}
    assert messages["unknown_type"] == text("unknown_type", lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_tip_step_recorded_twice_says_which_step(as_user: Callable[[str], TestClient], lang: str) -> None:
    police = speaking(as_user, "police.hamrong", lang)
    tip = police.post("/api/v1/tips", json={"channel": "hotline", "ward": "14755", "category": "TB",
                                            "description": "nghi chứa mại dâm"})
    assert tip.status_code == 201, tip.text
    url = f"/tips/{tip.json()['id']}"
    token = csrf(police.get(url).text)
    first = police.post(f"{url}/actions", data={"_csrf_token": token, "action": "notify_procuracy"},
                        follow_redirects=False)
    assert first.status_code == 303, first.text[:500]
    again = police.post(f"{url}/actions", data={"_csrf_token": token, "action": "notify_procuracy"})
    assert again.status_code == 409
    shows(again, "twice", lang)
    api = police.post(f"/api/v1{url}/actions", json={"action": "notify_procuracy"})
    assert api.status_code == 409 and api.json()["detail"] == text("twice", lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_review_filters_name_the_flag_and_the_value(as_user: Callable[[str], TestClient], lang: str) -> None:
    police = speaking(as_user, "police.hamrong", lang)
    flag = police.get("/review?flag=bogus")
    assert flag.status_code == 400
    shows(flag, "flag", lang)
    year = police.get("/review?year=abcd")
    assert year.status_code == 400
    shows(year, "year", lang)
    api = police.get("/api/v1/review/queue?year=abcd")
    assert api.status_code == 400 and api.json()["detail"] == text("year", lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_assignment_form_names_the_date_it_refused(as_user: Callable[[str], TestClient], database_url: str,
                                                       lang: str) -> None:
    lead = speaking(as_user, "teamlead", lang)
    token = csrf(lead.get("/assignments").text)
    refused = lead.post("/assignments", data={"_csrf_token": token, "team_id": "1", "date": "31/02/2024", "id": "1"})
    assert refused.status_code == 422
    shows(refused, "date", lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_bad_filter_names_the_field_by_its_label_and_the_value(as_user: Callable[[str], TestClient],
                                                                 lang: str) -> None:
    city = speaking(as_user, "cityoffice", lang)
    page = city.get("/registry?page=abc")
    assert page.status_code == 400
    shows(page, "page", lang)
    assert "<code>" not in page.text
    api = city.get("/api/v1/inspections?offset=abc")
    assert api.status_code == 400
    body = api.json()
    assert body["errors"][0]["path"] == "offset" and "“abc”" in body["detail"]
    assert "Validation failed" not in body["detail"]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_refused_checklist_names_its_questions(as_user: Callable[[str], TestClient], database_url: str,
                                                 lang: str) -> None:
    """The engine's codes become sentences naming each question by its label (the phone's outbox shows them)."""
    inspector = speaking(as_user, "inspector1", lang)
    sent = body(database_url)
    del sent["answers"]["representative_name"]
    sent["answers"]["karaoke_rooms_in_use"] = 900
    refused = inspector.put(f"/api/v1/inspections/{new_uuid()}", json=sent)
    assert refused.status_code == 422, refused.text
    messages = {e["path"]: e["message"] for e in refused.json()["errors"]}
    if lang == "vi":
        assert messages["answers.representative_name"] == "«Họ tên người đại diện cơ sở có mặt»: cần có câu trả lời."
        assert messages["answers.karaoke_rooms_in_use"] == "«Số phòng hát thực tế đang khai thác»: phải từ 0 đến 500."
    else:
        assert messages["answers.representative_name"].endswith(": an answer is needed.")
        assert messages["answers.karaoke_rooms_in_use"].endswith(": must be from 0 to 500.")
        assert "«Họ tên" not in messages["answers.representative_name"]
