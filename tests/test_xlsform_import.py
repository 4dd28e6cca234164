"""XLSForm import: a new version of a checklist (draft → preview → publish), refusals by sheet, row and column
with nothing written, other people's XLSForms taken or refused (never a 5xx), the round trip of all six."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import msgspec
import openpyxl
import pytest
from litestar.testing import TestClient

from forms import all_forms, registry
from forms.xlsform import to_xlsx
from tests.dbs import execute
from tests.spreadsheet_bombs import BOMBS
from tests.submissions import body, new_uuid

EXAMPLES = Path(__file__).parent / "data" / "xlsform-examples"  # pyxform's test corpus (tests/data/README.md)
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.xlsx"))


def upload(client: TestClient, content: bytes, name: str = "form.xlsx") -> object:
    return client.post("/api/v1/forms/xlsform", files={"file": (name, content)})


def edited(form_id: str, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    """The exported XLSForm of a form with one edit made as a person would, in a spreadsheet."""
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(registry.get(form_id))))
    edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cell(sheet: openpyxl.worksheet.worksheet.Worksheet, name: str, column: str) -> openpyxl.cell.Cell:
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[header.index("name")].value == name)
    return row[header.index(column)]


def imports(database_url: str) -> int:
    return execute(database_url, "SELECT count(*) FROM form_imports")[0][0]


def test_the_examples_folder_is_there() -> None:
    assert len(EXAMPLE_FILES) >= 10, EXAMPLES


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda path: path.name)
def test_other_peoples_xlsforms_are_taken_or_refused_with_a_report(
    path: Path, as_user: Callable[[str], TestClient], database_url: str,
) -> None:
    response = upload(as_user("cityoffice"), path.read_bytes(), path.name)
    assert response.status_code in (201, 422), response.text
    if response.status_code == 422:
        problem = response.json()
        assert problem["errors"]  # by sheet, row and column; or the upload guard's (path `file`)
        for error in problem["errors"]:
            assert re.fullmatch(r"\w*\[\d*\]\.[^\n]*|file", error["path"]), error
            assert error["message"].endswith((".", ")")), error
        assert imports(database_url) == 0


def test_round_trip_of_all_six_through_the_api(as_user: Callable[[str], TestClient], database_url: str) -> None:
    office = as_user("cityoffice")
    for form in all_forms():
        exported = office.get(f"/api/v1/forms/{form.id}.xlsx")
        response = upload(office, exported.content, f"{form.id}.xlsx")
        assert response.status_code == 201, response.text
        assert response.json()["version"] == 2
        stored = execute(database_url, "SELECT definition FROM form_imports WHERE id = :id",
                         {"id": response.json()["id"]})[0][0]
        stored = msgspec.json.decode(stored) if isinstance(stored, str) else stored
        assert stored == msgspec.to_builtins(msgspec.structs.replace(form, version=2)), form.id


def test_publish_a_new_version_the_phone_gets_it_and_old_records_keep_theirs(
    as_user: Callable[[str], TestClient], database_url: str,
) -> None:
    office, phone = as_user("cityoffice"), as_user("inspector1")
    before = body(database_url)
    old_uuid = new_uuid()
    assert phone.put(f"/api/v1/inspections/{old_uuid}", json=before).status_code == 201
    new_label = "Cơ sở có Giấy chứng nhận đăng ký kinh doanh còn hiệu lực (phiên bản 2)?"

    def relabel(book: openpyxl.Workbook) -> None:
        cell(book["survey"], "karaoke_business_registration_valid", "label::Tiếng Việt (vi)").value = new_label

    draft = upload(office, edited("karaoke", relabel))
    assert draft.status_code == 201, draft.text
    draft = draft.json()
    assert (draft["form_id"], draft["version"], draft["published_at"]) == ("karaoke", 2, None)
    assert phone.get("/api/v1/forms/karaoke").json()["version"] == 1  # a draft changes nothing
    assert phone.post(draft["publish_url"]).status_code == 403
    published = office.post(draft["publish_url"])
    assert published.status_code == 200, published.text
    assert published.json()["published_by"] == "cityoffice"
    assert office.post(draft["publish_url"]).status_code == 409

    newest = phone.get("/api/v1/forms/karaoke").json()
    assert newest["version"] == 2
    assert new_label in [q["label"]["vi"] for s in newest["sections"] for q in s["questions"]]
    listed = {form["id"]: form for form in phone.get("/api/v1/forms").json()}
    assert (listed["karaoke"]["version"], listed["karaoke"]["versions"]) == (2, [1, 2])
    assert new_label in phone.get(f"/phone/check/{before['establishment_id']}").text
    assert 'filename="karaoke.v2.xlsx"' in phone.get("/api/v1/forms/karaoke.xlsx").headers["content-disposition"]

    after = {**body(database_url, seed=2), "form_version": 2}
    new_record = phone.put(f"/api/v1/inspections/{new_uuid()}", json=after)
    assert new_record.status_code == 201, new_record.text
    assert new_record.json()["form_version"] == 2
    assert phone.get(f"/api/v1/inspections/{old_uuid}").json()["form_version"] == 1
    actions = [row[0] for row in execute(database_url, "SELECT action FROM audit_events WHERE action LIKE 'form.%' "
                                                       "ORDER BY id")]
    assert actions == ["form.import", "form.publish"]


def test_refused_by_sheet_row_and_column_nothing_written(
    as_user: Callable[[str], TestClient], database_url: str,
) -> None:
    def break_it(book: openpyxl.Workbook) -> None:
        cell(book["survey"], "team_members", "constraint").value = "regex(., '^[A-Z]')"
        cell(book["survey"], "representative_name", "type").value = "geopoint"

    office = as_user("cityoffice")
    response = upload(office, edited("karaoke", break_it))
    assert response.status_code == 422
    errors = {e["path"]: e for e in response.json()["errors"]}
    assert set(errors) == {"survey[4].constraint", "survey[6].type"}, errors
    assert errors["survey[4].constraint"]["message"].startswith("Trang survey, dòng 4, cột constraint:")
    assert "geopoint" in errors["survey[6].type"]["message"]
    unknown_question = upload(office, edited("karaoke", lambda book: setattr(
        cell(book["survey"], "representative_name", "relevant"), "value", "${nowhere} = 'x'")))
    assert unknown_question.status_code == 422
    assert [(e["path"], e["code"]) for e in unknown_question.json()["errors"]] == [("survey[6].", "pyxform")]
    assert imports(database_url) == 0
    unknown = upload(office, edited("karaoke", lambda book: book["settings"].cell(2, 1, "casino")))
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["path"] == "settings[2].form_id"
    assert upload(as_user("inspector1"), to_xlsx(registry.get("karaoke"))).status_code == 403
    assert imports(database_url) == 0


@pytest.mark.parametrize(("make", "code"), BOMBS, ids=[code for _, code in BOMBS])
def test_a_workbook_over_the_upload_limits_is_refused_before_parsing(
        as_user: Callable[[str], TestClient], database_url: str, make: Callable[[], bytes], code: str) -> None:
    """The same limits as the registry import (``check_upload``), through the API and the page: a clear
    Vietnamese sentence, nothing stored."""
    data = make()
    office = as_user("cityoffice")
    response = upload(office, data, "bomb.xlsx")
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == code and problem["errors"][0]["path"] == "file"
    assert problem["detail"].startswith(("Tệp Excel", "Trang tính"))  # Vietnamese by default
    token = re.search(r'name="_csrf_token" value="([^"]+)"', office.get("/forms/xlsform").text).group(1)  # type: ignore[union-attr]
    page = office.post("/forms/xlsform", data={"_csrf_token": token}, files={"file": ("bomb.xlsx", data)})
    assert page.status_code == 422 and 'id="xlsform-report"' in page.text
    assert f'data-code="{code}"' in page.text and problem["detail"] in page.text
    assert imports(database_url) == 0
    assert execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'form.import'")[0][0] == 0


def test_pages_upload_preview_publish(as_user: Callable[[str], TestClient]) -> None:
    office = as_user("cityoffice")
    page = office.get("/forms/xlsform")
    assert page.status_code == 200 and 'href="/api/v1/forms/karaoke.xlsx"' in page.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    refused = office.post("/forms/xlsform", data={"_csrf_token": token},
                          files={"file": ("x.xlsx", (EXAMPLES / "group.xlsx").read_bytes())})
    assert refused.status_code == 422 and 'id="xlsform-report"' in refused.text and "Trang settings" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
    taken = office.post("/forms/xlsform", data={"_csrf_token": token}, follow_redirects=False,
                        files={"file": ("bar.xlsx", to_xlsx(registry.get("bar")))})
    assert taken.status_code == 303
    preview = office.get(taken.headers["location"])
    assert preview.status_code == 200 and 'id="phone-preview"' in preview.text
    phone = office.get(taken.headers["location"] + "/phone")
    assert phone.status_code == 200 and registry.get("bar").sections[1].title.vi in phone.text
    done = office.post(taken.headers["location"] + "/publish", data={"_csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    assert 'id="published"' in office.get(taken.headers["location"]).text
    assert as_user("inspector1").get("/forms/xlsform").status_code == 403
