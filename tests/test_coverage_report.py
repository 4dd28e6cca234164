"""The year report (XLSX): opens in openpyxl, all eleven targets with the documented definitions, one row per
ward."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.coverage.report import SUMMARY_SHEET, WARDS_HEADER, WARDS_SHEET
from server.tips.models import Hotspot, Tip
from tests.dbs import execute, run


def add_tips_and_hotspots(url: str) -> None:
    ward = execute(url, "SELECT id FROM wards WHERE code = '14755'")[0][0]

    async def go(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            session.add_all([
                # on time: resolved in 5 days
                Tip(received_at=datetime(2023, 3, 1, 2, tzinfo=UTC), channel="hotline", ward_id=ward,
                    status="resolved", resolved_at=datetime(2023, 3, 6, 2, tzinfo=UTC)),
                # late: resolved after 40 days, a deadline missed on the way
                Tip(received_at=datetime(2023, 4, 1, 2, tzinfo=UTC), channel="hotline", ward_id=ward,
                    status="resolved", resolved_at=datetime(2023, 5, 11, 2, tzinfo=UTC), missed_deadline=True),
                # overdue: still open long after its next deadline
                Tip(received_at=datetime(2023, 5, 1, 2, tzinfo=UTC), channel="letter", ward_id=ward,
                    status="verifying", next_due_at=datetime(2023, 5, 21, 17, tzinfo=UTC)),
                # another year: not in the 2023 report
                Tip(received_at=datetime(2022, 12, 31, 16, 59, tzinfo=UTC), channel="letter", ward_id=ward,
                    status="resolved", resolved_at=datetime(2023, 1, 2, 2, tzinfo=UTC)),
                Hotspot(name="Điểm A", ward_id=ward, status="eradicated", opened_on=date(2022, 10, 1),
                        eradicated_on=date(2023, 6, 1)),
                Hotspot(name="Điểm B", ward_id=ward, status="active", opened_on=date(2023, 2, 1)),
                Hotspot(name="Điểm C (xóa từ 2022)", ward_id=ward, status="eradicated", opened_on=date(2021, 2, 1),
                        eradicated_on=date(2022, 6, 1)),
            ])
            await session.commit()

    run(go, url)


def test_year_report_opens_with_targets_and_wards(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    add_tips_and_hotspots(database_url)
    city = as_user("cityoffice")
    response = city.get("/coverage/report.xlsx", params={"year": 2023})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "bao-cao-kiem-tra-2023.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [SUMMARY_SHEET, WARDS_SHEET]
    body = city.get("/api/v1/coverage", params={"year": 2023}).json()

    summary = {row[0]: row for row in book[SUMMARY_SHEET].iter_rows(values_only=True) if row[0] in
               ("T1", "T2", "T3", "T4")}
    assert list(summary) == ["T1", "T2", "T3", "T4"]
    assert summary["T1"][3] == f"{body['wards_meeting_target']}/34"
    assert summary["T2"][3] == body["city_team"]["inspected"]
    assert summary["T3"][3].startswith("1/3 ")  # on time / (on time + late + overdue)
    assert abs(summary["T3"][4] - 1 / 3) < 1e-9 and summary["T3"][5] == "Chưa đạt"
    assert summary["T4"][3].startswith("1/2 ")  # A eradicated in 2023, B still active; C was gone before
    assert summary["T4"][5] == "Chưa đạt"
    rows = [row[0] for row in book[SUMMARY_SHEET].iter_rows(values_only=True) if row[0] and str(row[0])[:1] == "T"]
    assert rows == [f"T{n}" for n in range(1, 12)]  # the province asks for all eleven

    rows = list(book[WARDS_SHEET].iter_rows(values_only=True))
    assert list(rows[0]) == WARDS_HEADER
    wards = {r[1]: r for r in rows[1:35]}
    assert len(wards) == 34
    for w in body["wards"]:
        r = wards[w["code"]]
        assert (r[2], r[3], r[4], r[5], r[8]) == (w["name"], w["active"], w["inspected"], w["ratio"],
                                                   "Đạt" if w["meets_target"] else "Chưa đạt")
    assert wards["14755"][9:] == (2, 1, 1)
    total = rows[35]
    assert total[2] == "Tổng cộng" and total[3] == sum(w["active"] for w in body["wards"])
    assert total[4] == sum(w["inspected"] for w in body["wards"])


def test_report_is_for_the_city_office(as_user) -> None:  # type: ignore[no-untyped-def]
    for username in ("police.hamrong", "teamlead", "inspector1", "admin"):
        assert as_user(username).get("/coverage/report.xlsx").status_code == 403
    assert "/coverage/report.xlsx" not in as_user("teamlead").get("/coverage").text
    assert "/coverage/report.xlsx" in as_user("cityoffice").get("/coverage").text


def test_t3_in_the_year_report_is_the_tips_on_time_figure(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """One rule, one owner: the report asks tips. A resolved tip whose post-resolution step has lapsed is
    late in both (the report once counted it on time from its own SQL)."""
    add_tips_and_hotspots(database_url)
    ward = execute(database_url, "SELECT id FROM wards WHERE code = '14755'")[0][0]

    async def lapsed(engine: AsyncEngine) -> None:
        async with AsyncSession(engine) as session:
            session.add(Tip(received_at=datetime(2023, 7, 1, 2, tzinfo=UTC), channel="hotline", ward_id=ward,
                            status="resolved", resolved_at=datetime(2023, 7, 3, 2, tzinfo=UTC),
                            next_due_at=datetime(2023, 7, 4, 17, tzinfo=UTC)))
            await session.commit()

    run(lapsed, database_url)
    city = as_user("cityoffice")
    year = city.get("/api/v1/tips/on-time", params={"year": 2023}).json()["city"]["year"]
    book = load_workbook(io.BytesIO(city.get("/coverage/report.xlsx", params={"year": 2023}).content))
    t3 = next(row for row in book[SUMMARY_SHEET].iter_rows(values_only=True) if row[0] == "T3")
    assert t3[3].startswith(f"{year['on_time']}/{year['on_time'] + year['late']} "), (t3[3], year)
    assert t3[4] == year["ratio"]
    assert year["late"] >= 3  # the missed deadline, the overdue one and the lapsed step


def test_a_ward_name_that_starts_a_formula_is_written_as_text(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    formula = '=HYPERLINK("http://evil.example","Hàm Rồng")'
    execute(database_url, "UPDATE wards SET full_name = :n WHERE code = '14755'", {"n": formula})
    response = as_user("cityoffice").get("/coverage/report.xlsx", params={"year": 2023})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    row = next(r for r in book[WARDS_SHEET].iter_rows(min_row=2) if r[1].value == "14755")
    assert (row[2].value, row[2].data_type) == ("'" + formula, "s")  # shown as typed, never run
    cells = [c for ws in book.worksheets for line in ws.iter_rows() for c in line]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere in the report
