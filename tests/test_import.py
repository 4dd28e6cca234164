"""Importing the registry from XLSX/CSV: the template, a report per bad row before anything is written,
all-or-nothing commit, re-import updates by licence number, geocoding through a fake geocoder, the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from click.testing import CliRunner
from shapely.geometry import shape

from server.registry.tables import COLUMNS
from tests.dbs import execute

WARDS = Path(__file__).parents[1] / "seed" / "data" / "thanh-hoa-city-wards-2023.geojson"
HEADERS = [h for _, h, _ in COLUMNS]


def point_in(code: str) -> tuple[float, float]:
    for f in json.loads(WARDS.read_text())["features"]:
        if f["properties"]["code"] == code:
            p = shape(f["geometry"]).representative_point()
            return round(p.y, 6), round(p.x, 6)
    raise KeyError(code)


def row(name: str = "Nhà nghỉ Nhập Thử", kind: str = "Cơ sở lưu trú", reg: str = "IMP-1", **over: object) -> list:
    lat, lon = point_in("14755")
    values = {"Tên cơ sở": name, "Loại hình": kind, "Địa chỉ": "1 Lê Lợi", "Vĩ độ": lat, "Kinh độ": lon,
              "Số ĐKKD": reg, "Điện thoại": "0900000000", "Số phòng": 8, "Trạng thái": "Đang hoạt động", **over}
    return [values.get(h, "") for h in HEADERS]


def xlsx(rows: list[list], headers: list[str] = HEADERS) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(headers)
    for r in rows:
        book.active.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list]) -> bytes:
    lines = [";".join(HEADERS)] + [";".join("" if v is None else str(v) for v in r) for r in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def check(client, data: bytes, name: str = "ds.xlsx"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/imports/establishments", files={"file": (name, data)})


def count(url: str) -> int:
    return execute(url, "SELECT count(*) FROM establishments")[0][0]


def test_template_has_the_vietnamese_headers(as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("teamlead").get("/registry/import/template.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert "Tên cơ sở" in HEADERS and "Vĩ độ" in HEADERS


def test_the_report_names_every_bad_row_and_nothing_is_written(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    before = count(database_url)
    rows = [
        row(reg="OK-1"),                                   # 2: fine
        row(name="", reg="A-1"),                           # 3: missing name
        row(reg="A-2", **{"Vĩ độ": "abc"}),                # 4: bad coordinate
        row(reg="A-3", **{"Vĩ độ": "", "Kinh độ": ""}),    # 5: missing coordinates
        row(reg="A-4", **{"Vĩ độ": 21.03, "Kinh độ": 105.85}),  # 6: outside the city (Hà Nội)
        row(kind="Sòng bạc", reg="A-5"),                   # 7: unknown type
        row(reg="OK-1"),                                   # 8: licence already on row 2
    ]
    report = check(lead, xlsx(rows)).json()
    assert report["ok"] is False and report["rows"] == 7
    got = {(p["row"], p["column"], p["code"]) for p in report["problems"]}
    assert got == {(3, "Tên cơ sở", "required"), (4, "Vĩ độ", "bad_coordinate"), (5, "Vĩ độ", "required"),
                   (5, "Kinh độ", "required"), (6, "Vĩ độ", "outside_city"), (7, "Loại hình", "unknown_type"),
                   (8, "Số ĐKKD", "duplicate_in_file")}
    commit = lead.post(f"/api/v1/imports/establishments/{report['token']}/commit")
    assert commit.status_code == 422 and commit.json()["code"] == "import_invalid"
    assert count(database_url) == before
    assert execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'establishment.import'")[0][0] == 0


@pytest.mark.parametrize(("name", "data", "code"), [
    ("ds.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "wrong_file_type"),
    ("ds.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "wrong_file_type"),
    ("ds.csv", b"", "empty_file"),
    ("ds.xlsx", xlsx([]), "no_rows"),
    ("ds.csv", csv_bytes([]), "no_rows"),
    ("ds.xlsx", xlsx([["x"]], headers=["Tên"]), "missing_columns"),
])
def test_bad_files_are_reported_as_file_problems(as_user, name: str, data: bytes, code: str) -> None:  # type: ignore[no-untyped-def]
    report = check(as_user("teamlead"), data, name).json()
    assert report["ok"] is False
    assert [(p["row"], p["code"]) for p in report["problems"]] == [(0, code)]


def test_commit_writes_all_rows_and_reimport_updates_by_licence(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    before = count(database_url)
    rows = [row(name=f"Karaoke Nhập {i}", kind="Karaoke", reg=f"NEW-{i}") for i in range(3)]
    report = check(lead, xlsx(rows)).json()
    assert report["ok"] and (report["create"], report["update"]) == (3, 0)
    assert count(database_url) == before  # the check writes nothing
    result = lead.post(f"/api/v1/imports/establishments/{report['token']}/commit").json()
    assert (result["created"], result["updated"]) == (3, 0)
    assert count(database_url) == before + 3
    rows[1][HEADERS.index("Điện thoại")] = "0988888888"
    again = check(lead, csv_bytes(rows), "ds.csv").json()
    assert again["ok"] and (again["create"], again["update"]) == (0, 3)
    result = lead.post(f"/api/v1/imports/establishments/{again['token']}/commit").json()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 2)
    assert count(database_url) == before + 3
    phone = execute(database_url, "SELECT phone FROM establishments WHERE business_reg_no = 'NEW-1'")
    assert phone == [("0988888888",)]
    assert lead.get("/api/v1/audit/verify").status_code == 403  # the check is the city office's
    assert as_user("cityoffice").get("/api/v1/audit/verify").json()["ok"] is True  # the import kept the chain


def test_the_page_shows_the_report_then_commits(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    import re

    lead = as_user("teamlead")
    page = lead.get("/registry/import").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    bad = lead.post("/registry/import", data={"_csrf_token": token},
                    files={"file": ("ds.xlsx", xlsx([row(name="<img src=x onerror=alert(1)>", kind="Sòng bạc")]))})
    assert bad.status_code == 422 and 'data-code="unknown_type"' in bad.text
    assert "<img src=x" not in bad.text
    good = lead.post("/registry/import", data={"_csrf_token": token}, files={"file": ("ds.xlsx", xlsx([row()]))})
    assert good.status_code == 200 and 'id="commit-form"' in good.text
    action = re.search(r'action="(/registry/import/[0-9a-f]{64}/commit)"', good.text).group(1)
    done = lead.post(action, data={"_csrf_token": token})
    assert done.status_code == 200 and 'id="done"' in done.text
    assert execute(database_url, "SELECT count(*) FROM establishments WHERE business_reg_no = 'IMP-1'") == [(1,)]


def test_the_stream_reports_progress_then_the_report(as_user) -> None:  # type: ignore[no-untyped-def]
    rows = [row(reg=f"S-{i}") for i in range(600)]
    response = as_user("teamlead").post("/api/v1/imports/establishments?stream=1",
                                        files={"file": ("s.xlsx", xlsx(rows))})
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["done"] for line in lines[:-1]] == [250, 500, 600]
    assert lines[-1]["report"]["ok"] and lines[-1]["report"]["create"] == 600


class FakeGeocoder:
    def __init__(self, point: tuple[float, float]) -> None:
        self.point, self.queries = point, []

    def geocode(self, query: str):  # type: ignore[no-untyped-def]
        self.queries.append(query)
        return SimpleNamespace(latitude=self.point[0], longitude=self.point[1]) if "Lê Lợi" in query else None


def test_rows_without_coordinates_are_geocoded_when_a_geocoder_is_set(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    fake = FakeGeocoder(point_in("14758"))
    lead.app.state.geocoder = fake
    rows = [row(reg="G-1", **{"Vĩ độ": "", "Kinh độ": ""}),
            row(reg="G-2", **{"Vĩ độ": "", "Kinh độ": "", "Địa chỉ": "không rõ"})]
    report = check(lead, xlsx(rows)).json()
    assert [(p["row"], p["code"]) for p in report["problems"]] == [(3, "not_geocoded")]
    assert fake.queries == ["1 Lê Lợi", "không rõ"]


@pytest.mark.parametrize("username", ["inspector1", "police.hamrong"])
def test_only_editors_import(as_user, username: str) -> None:  # type: ignore[no-untyped-def]
    client = as_user(username)
    assert check(client, xlsx([row()])).status_code == 403
    assert client.get("/registry/import").status_code == 403


def test_cli_imports_with_a_progress_bar(database_url, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from server.cli import main

    monkeypatch.setenv("KIEMTRA_DATABASE_URL", database_url)
    monkeypatch.setenv("KIEMTRA_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("KIEMTRA_DATA_DIR", str(tmp_path))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([row(name="")]))
    result = CliRunner().invoke(main, ["import", "establishments", str(bad), "--yes"])
    assert result.exit_code == 1 and "Tên cơ sở" in result.output and "required" in result.output
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row(reg="CLI-1"), row(reg="CLI-2")]))
    before = count(database_url)
    result = CliRunner().invoke(main, ["import", "establishments", str(good), "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated" in result.output
    assert count(database_url) == before + 2
