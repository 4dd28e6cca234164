"""The year report for the province: an XLSX with the plan's eleven targets (T1–T11) and the coverage per ward.

Headers are in Vietnamese whatever the user's language: the file goes to the province as it is.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import LOCAL_TZ
from server.cells import neutralise
from server.coverage import services
from server.coverage.indicators import AUDIENCES, TITLES, indicators
from server.db import utcnow
from server.identity import CurrentUser
from server.tips import hotspots_in_year, on_time_counts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUMMARY_SHEET, WARDS_SHEET = "Chỉ tiêu", "Theo phường, xã"
SUMMARY_HEADER = ["Chỉ tiêu", "Nội dung", "Yêu cầu", "Kết quả", "Tỷ lệ", "Đạt", "Cách tính"]
WARDS_HEADER = ["STT", "Mã", "Phường, xã", "Số cơ sở", "Đã kiểm tra", "Tỷ lệ", "Chỉ tiêu", "Còn phải kiểm tra",
                "Đạt chỉ tiêu", "Điểm, tụ điểm trong năm", "Đã triệt xóa", "Còn lại cuối năm"]
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE5EE")


def report_filename(year: int) -> str:
    return f"bao-cao-kiem-tra-{year}.xlsx"


#: How T5–T11 are counted (``server/coverage/indicators.py``), in the report's words.
HOW = {
    "T5": "Phường, xã có ít nhất một hoạt động tuyên truyền ghi nhận trong năm / số phường, xã",
    "T6": "Phường, xã đã ghi kế hoạch năm (số, ngày) / số phường, xã",
    "T7": "Phường, xã xác nhận đã lồng ghép / số phường, xã",
    "T8": "Phường, xã được công nhận không có tệ nạn mại dâm / số phường, xã",
    "T9": "Số người được tuyên truyền theo từng đối tượng / số người của đối tượng đó (mẫu số do phường, xã "
          "nhập); đạt khi cả ba đối tượng đạt",
    "T10": "Phường, xã có mô hình thí điểm / số phường, xã",
    "T11": "Số người đã được tiếp cận dịch vụ / số người cần và đủ điều kiện (chỉ số lượng)",
}
TITLES_VI = {f"T9.{a}": title for a, (_, title) in AUDIENCES.items()}


def _percent(value: float | None) -> str:
    return "chưa có số liệu" if value is None else f"{value:.1%}"


def _yes(value: bool) -> str:
    return "Đạt" if value else "Chưa đạt"


def _append(ws, row: list[Any]) -> None:  # type: ignore[no-untyped-def]
    """Every row goes in through here: a text cell never starts a formula (ward names come from imports)."""
    ws.append([neutralise(value) for value in row])


def _header(ws, row: list[str]) -> None:  # type: ignore[no-untyped-def]
    _append(ws, row)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, HEAD_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


async def year_report(session: AsyncSession, user: CurrentUser, year: int, now: datetime | None = None) -> bytes:
    now = now or utcnow()
    cov = await services.coverage(session, year, user, with_months=False)
    tips = await on_time_counts(session, user, year, now)
    spots = await hotspots_in_year(session, year, user)
    ids = await services.ward_ids_by_code(session, year)
    decided = tips["on_time"] + tips["late"] + tips["overdue"]
    tip_ratio = tips["on_time"] / decided if decided else None
    spot_ratio = spots["eradicated"] / spots["known"] if spots["known"] else None

    wb = Workbook()
    ws = wb.active
    ws.title = SUMMARY_SHEET
    _append(ws, [f"Kết quả thực hiện kế hoạch phòng, chống tệ nạn mại dâm năm {year}"])
    ws["A1"].font = Font(bold=True, size=13)
    _append(ws, [f"Số liệu tính đến ngày {services.as_of_day(year, None).strftime('%d/%m/%Y')}; "
                 f"lập lúc {now.astimezone(LOCAL_TZ).strftime('%H:%M %d/%m/%Y')}"])
    _append(ws, [])
    _header(ws, SUMMARY_HEADER)
    n = len(cov.wards)
    _append(ws, ["T1", "Phường, xã kiểm tra đủ tỷ lệ cơ sở kinh doanh có điều kiện về ANTT",
                 f"{n}/{n} phường, xã đạt {cov.target:.0%}", f"{cov.wards_meeting_target}/{n}",
                 cov.wards_meeting_target / n if n else None, _yes(n > 0 and cov.wards_meeting_target == n),
                 "Cơ sở hoạt động trong năm (cơ sở đóng cửa trong năm chỉ tính khi đã được kiểm tra) có ít nhất "
                 "một lượt kiểm tra trong năm không bị trả về loại bỏ; mỗi cơ sở tính một lần"])
    team = cov.city_team
    _append(ws, ["T2", "Đoàn kiểm tra liên ngành thành phố kiểm tra cơ sở", f"{team.target} cơ sở",
                 team.inspected, team.inspected / team.target if team.target else None,
                 _yes(team.inspected >= team.target), "Số cơ sở khác nhau do đội cấp thành phố kiểm tra trong năm"])
    _append(ws, ["T3", "Tin báo, tố giác, phản ánh được xử lý kịp thời", "100%",
                 f"{tips['on_time']}/{decided} (tiếp nhận {tips['received']}, trễ hạn {tips['late']}, "
                 f"quá hạn chưa xử lý {tips['overdue']}, đang trong hạn {tips['running']})",
                 tip_ratio, _yes(tip_ratio is None or tip_ratio >= 1.0),
                 "Tin tiếp nhận trong năm; đúng hạn = đã giải quyết (hoặc tạm đình chỉ) không trễ thời hạn nào; "
                 "quá hạn = chưa xong mà đã trễ một thời hạn; "
                 "tỷ lệ = đúng hạn / (đúng hạn + trễ hạn + quá hạn chưa xử lý)"])
    _append(ws, ["T4", "Triệt xóa điểm, tụ điểm nghi có hoạt động mại dâm", "Triệt xóa",
                 f"{spots['eradicated']}/{spots['known']} (còn lại cuối năm {spots['remaining']})",
                 spot_ratio, _yes(spots["remaining"] == 0),
                 "Điểm, tụ điểm phát hiện đến cuối năm và chưa triệt xóa trước năm; "
                 "tỷ lệ = đã triệt xóa trong năm / tổng"])
    for i in (await indicators(session, user, year)).indicators[4:]:
        parts = "; ".join(f"{TITLES_VI.get(p.id, p.title)} {_percent(p.value)}/{p.target:.0%}" for p in i.parts)
        _append(ws, [i.id, TITLES[i.id], f"{i.target:.0%}", parts or _percent(i.value), i.value, _yes(i.met),
                     HOW[i.id]])
    for row in ws.iter_rows(min_row=5, max_row=ws.max_row):
        row[4].number_format = "0.0%"
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFG", (8, 42, 20, 30, 9, 10, 60), strict=True):
        ws.column_dimensions[col].width = width

    wards = wb.create_sheet(WARDS_SHEET)
    _header(wards, WARDS_HEADER)
    for i, w in enumerate(cov.wards, start=1):
        s = spots["per_ward"].get(ids.get(w.code), {})
        _append(wards, [i, w.code, w.name, w.active, w.inspected, w.ratio, w.target, w.to_target,
                        _yes(w.meets_target), s.get("known", 0), s.get("eradicated", 0), s.get("remaining", 0)])
        wards.cell(wards.max_row, 6).number_format = "0.0%"
        wards.cell(wards.max_row, 7).number_format = "0%"
    _append(wards, ["", "", "Tổng cộng", cov.active, cov.inspected, cov.inspected / cov.active if cov.active else 0,
                    cov.target, sum(w.to_target for w in cov.wards), f"{cov.wards_meeting_target}/{n}",
                    spots["known"], spots["eradicated"], spots["remaining"]])
    for cell in wards[wards.max_row]:
        cell.font = BOLD
    wards.cell(wards.max_row, 6).number_format = "0.0%"
    wards.cell(wards.max_row, 7).number_format = "0%"
    for col, width in enumerate((5, 8, 28, 10, 12, 9, 9, 12, 12, 14, 12, 14), start=1):
        wards.column_dimensions[get_column_letter(col)].width = width
    wards.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
