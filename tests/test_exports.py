"""Exports of the reviewer's queue: XLSX opens in openpyxl with the expected rows, CSV and GeoJSON agree,
filters and scope apply, violations are flattened, formulas neutralised, pages keyed across batches."""

from __future__ import annotations

import csv
import io

import msgspec
import pytest
from openpyxl import load_workbook

from server.review import exports
from tests.dbs import execute
from tests.reviewing import HAM_RONG, inspection_in, with_violation


def ward_uuids(database_url: str, ward: str) -> set[str]:
    rows = execute(database_url, "SELECT i.uuid FROM inspections i JOIN wards w ON w.id = i.ward_id "
                                 "WHERE w.code = :c", {"c": ward})
    return {r[0] for r in rows}


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 7 rows, so every export crosses many keyset pages."""
    monkeypatch.setattr(exports, "BATCH", 7)


def test_xlsx_opens_in_openpyxl_with_the_expected_rows(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    flagged = inspection_in(database_url, HAM_RONG)
    with_violation(database_url, flagged)
    response = as_user("police.hamrong").get("/api/v1/exports/inspections.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == exports.HEADERS and rows[0][0] == "Mã lượt kiểm tra"
    assert {r[0] for r in rows[1:]} == ward_uuids(database_url, HAM_RONG)
    assert len(rows) - 1 == len(ward_uuids(database_url, HAM_RONG))
    by_uuid = {r[0]: dict(zip(exports.HEADERS, r, strict=True)) for r in rows[1:]}
    row = by_uuid[flagged]
    assert row["Số vi phạm"] == 1 and row["Phường, xã"] == "Phường Hàm Rồng"
    assert row["Các vi phạm"] == "Không có bình chữa cháy (Điều 12 Nghị định 144/2021/NĐ-CP)"
    assert row["Thời gian kiểm tra"].year == 2023  # a real date cell, in Vietnamese time


def test_csv_and_geojson_carry_the_same_rows_and_apply_filters(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    approved = inspection_in(database_url, HAM_RONG)
    assert police.post(f"/api/v1/inspections/{approved}/review", json={"decision": "approve"}).status_code == 200
    text = police.get("/api/v1/exports/inspections.csv").content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == exports.HEADERS and {r[0] for r in rows[1:]} == ward_uuids(database_url, HAM_RONG)
    only = list(csv.reader(io.StringIO(police.get("/api/v1/exports/inspections.csv",
                                                  params={"state": "approved"}).text.lstrip("\ufeff"))))
    state = exports.HEADERS.index("Trạng thái duyệt")
    assert approved in {r[0] for r in only[1:]} and {r[state] for r in only[1:]} == {"approved"}
    assert len(only) - 1 == police.get("/api/v1/review/queue", params={"state": "approved"}).json()["total"]
    geo = msgspec.json.decode(police.get("/api/v1/exports/inspections.geojson").content)
    assert geo["type"] == "FeatureCollection"
    assert {f["properties"]["uuid"] for f in geo["features"]} == ward_uuids(database_url, HAM_RONG)
    located = [f for f in geo["features"] if f["geometry"]]
    lat, lon = execute(database_url, "SELECT lat, lon FROM inspections WHERE uuid = :u",
                       {"u": located[0]["properties"]["uuid"]})[0]
    assert located[0]["geometry"]["coordinates"] == [lon, lat]
    empty = msgspec.json.decode(police.get("/api/v1/exports/inspections.geojson", params={"year": "1999"}).content)
    assert empty == {"type": "FeatureCollection", "features": []}


def test_formulas_and_control_characters_from_data_are_neutralised(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid = inspection_in(database_url, HAM_RONG)
    execute(database_url, "UPDATE inspections SET notes = :n WHERE uuid = :u",
            {"n": '=HYPERLINK("http://evil","x")\x07', "u": uuid})
    police = as_user("police.hamrong")
    sheet = load_workbook(io.BytesIO(police.get("/api/v1/exports/inspections.xlsx").content)).active
    notes = {row[0].value: row[-1] for row in sheet.iter_rows(min_row=2)}
    assert notes[uuid].data_type == "s" and notes[uuid].value == "'=HYPERLINK(\"http://evil\",\"x\")"
    rows = list(csv.reader(io.StringIO(police.get("/api/v1/exports/inspections.csv").text.lstrip("\ufeff"))))
    assert {r[0]: r[-1] for r in rows[1:]}[uuid].startswith("'=")


def test_the_city_office_exports_every_ward(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    text = as_user("cityoffice").get("/api/v1/exports/inspections.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) - 1 == execute(database_url, "SELECT count(*) FROM inspections")[0][0]
    assert len({r[0] for r in rows[1:]}) == len(rows) - 1  # keyset pages: no row twice


def test_both_spreadsheets_carry_each_record_content_hash(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    hashes = dict(execute(database_url, "SELECT uuid, body_sha256 FROM inspections"))
    police = as_user("police.hamrong")
    column = exports.HEADERS.index("Mã nội dung (SHA-256)")
    sheet = load_workbook(io.BytesIO(police.get("/api/v1/exports/inspections.xlsx").content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    assert rows and all(r[column] == hashes[r[0]] and len(r[column]) == 64 for r in rows)
    text = police.get("/api/v1/exports/inspections.csv").content.decode("utf-8").lstrip("\ufeff")
    lines = list(csv.reader(io.StringIO(text)))[1:]
    assert len(lines) == len(rows) and all(r[column] == hashes[r[0]] for r in lines)
