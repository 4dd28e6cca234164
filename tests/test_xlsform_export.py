"""XLSForm and XForm export of every checklist: the files, ODK Validate on each XForm, the round trip."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import msgspec
import openpyxl
from litestar.testing import TestClient
from pyxform.validators import odk_validate

from forms import all_forms, registry
from forms.xlsform import to_xlsx
from forms.xlsform_import import read_xlsform

FORM_IDS = [form.id for form in all_forms()]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_six_checklists() -> None:
    assert sorted(FORM_IDS) == ["bar", "dance_hall", "hair_salon", "karaoke", "lodging", "massage"]


def test_every_exported_xform_passes_odk_validate(as_user: Callable[[str], TestClient], tmp_path: Path) -> None:
    inspector = as_user("inspector1")
    for form_id in FORM_IDS:
        response = inspector.get(f"/api/v1/forms/{form_id}.xml")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        assert f'filename="{form_id}.v1.xml"' in response.headers["content-disposition"]
        assert "<h:title>" in response.text and 'lang="English (en)"' in response.text
        path = tmp_path / f"{form_id}.xml"
        path.write_bytes(response.content)
        odk_validate.check_xform(str(path))  # raises ODKValidateError on any problem; needs Java


def test_exported_xlsform_has_our_columns_and_both_languages(as_user: Callable[[str], TestClient]) -> None:
    response = as_user("inspector1").get("/api/v1/forms/karaoke.xlsx", params={"version": 1})
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["survey", "choices", "settings"]
    survey = list(book["survey"].iter_rows(values_only=True))
    header = survey[0]
    for column in ("type", "name", "label::Tiếng Việt (vi)", "label::English (en)", "required", "relevant",
                   "constraint", "kiemtra::legal_basis", "kiemtra::violation_answers", "kiemtra::violation_if",
                   "kiemtra::severity", "kiemtra::sanction_decree"):
        assert column in header, column
    rows = {row[header.index("name")]: dict(zip(header, row, strict=True)) for row in survey[1:]}
    licence = rows["karaoke_business_registration_valid"]
    assert licence["type"] == "select_one yes_no_na"
    assert licence["kiemtra::violation_answers"] == "no"
    assert licence["kiemtra::legal_basis"].startswith("khoản 1 Điều 4 NĐ 54/2019/NĐ-CP")
    assert rows["legal"]["type"] == "begin_group"
    assert rows["legal"]["relevant"] == "not(selected('refused_entry closed_at_visit', ${outcome}))"
    assert rows["karaoke_room_min_area_20m2"]["kiemtra::violation_if"] == "${karaoke_room_min_area_20m2} < 20"
    settings = list(book["settings"].iter_rows(values_only=True))
    assert dict(zip(*settings, strict=True))["form_id"] == "karaoke"
    book.close()


def test_json_twin_and_errors(as_user: Callable[[str], TestClient], client: TestClient) -> None:
    inspector = as_user("inspector1")
    assert inspector.get("/api/v1/forms/karaoke").json()["id"] == "karaoke"
    assert inspector.get("/api/v1/forms/nope.xlsx").status_code == 404
    assert inspector.get("/api/v1/forms/karaoke.xml", params={"version": 9}).status_code == 404
    assert client.get("/api/v1/forms/karaoke.xlsx").status_code == 401


def test_round_trip_gives_back_every_checklist() -> None:
    for form in all_forms():
        back = read_xlsform(to_xlsx(form))
        assert back == form, form.id
        assert registry.sha256(back) == registry.sha256(form)
        assert msgspec.to_builtins(back) == msgspec.to_builtins(form)
