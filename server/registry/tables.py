"""Reading the city's business lists (XLSX or CSV) into checked rows: a pure scan, no database.

``scan`` is a generator: it yields ``(done, total)`` progress pairs and returns a ``Scan`` with the rows
that passed every check and one ``ImportProblem`` (row, column, problem) per failed check. Row numbers
are the spreadsheet's (the header is row 1).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import openpyxl

from server.i18n import gettext as _
from server.i18n import nfc
from server.registry.duplicates import fold
from server.registry.locating import WardLocator
from server.registry.models import EstablishmentStatus, EstablishmentType
from server.registry.upload_limits import MAX_COLUMNS, MAX_ROWS, spreadsheet_problem

PROGRESS_EVERY = 250

#: (field, Vietnamese header, required); the template has exactly these columns, in this order.
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("name", "Tên cơ sở", True),
    ("type", "Loại hình", True),
    ("address", "Địa chỉ", False),
    ("lat", "Vĩ độ", True),
    ("lon", "Kinh độ", True),
    ("business_reg_no", "Số ĐKKD", False),
    ("security_cert_no", "Số GCN đủ điều kiện ANTT", False),
    ("operating_licence_no", "Số giấy phép kinh doanh", False),
    ("legal_rep", "Người đại diện", False),
    ("phone", "Điện thoại", False),
    ("rooms", "Số phòng", False),
    ("workers", "Số lao động", False),
    ("status", "Trạng thái", False),
)
HEADER = {f: h for f, h, _ in COLUMNS}
TYPE_WORDS = {
    "karaoke": EstablishmentType.KARAOKE, "vu truong": EstablishmentType.DANCE_HALL,
    "dance hall": EstablishmentType.DANCE_HALL, "co so luu tru": EstablishmentType.LODGING,
    "luu tru": EstablishmentType.LODGING, "khach san": EstablishmentType.LODGING,
    "nha nghi": EstablishmentType.LODGING, "massage": EstablishmentType.MASSAGE,
    "xoa bop": EstablishmentType.MASSAGE, "xoa bop (massage)": EstablishmentType.MASSAGE,
    "bar": EstablishmentType.BAR, "quan bar": EstablishmentType.BAR,
    "cat toc goi dau thu gian": EstablishmentType.HAIR_SALON, "cat toc, goi dau thu gian": EstablishmentType.HAIR_SALON,
    **{t.value.replace("_", " "): t for t in EstablishmentType},
}
STATUS_WORDS = {
    "dang hoat dong": EstablishmentStatus.ACTIVE, "hoat dong": EstablishmentStatus.ACTIVE,
    "tam ngung": EstablishmentStatus.SUSPENDED, "da dong cua": EstablishmentStatus.CLOSED,
    "dong cua": EstablishmentStatus.CLOSED, **{s.value: s for s in EstablishmentStatus},
}


class ImportProblem(msgspec.Struct, frozen=True):
    row: int  # 0: the file itself
    column: str
    code: str
    message: str


class Geocoder(Protocol):
    def geocode(self, query: str) -> Any: ...


@dataclass
class ImportRow:
    row: int
    values: dict[str, Any]
    ward_id: int
    geocoded: bool = False


@dataclass
class Scan:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    total: int = 0


class FileProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.problem = ImportProblem(0, "", code, message)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return nfc(str(value)).strip()


def read_table(data: bytes, filename: str) -> tuple[list[str], int, Iterator[Sequence[Any]]]:
    """The header, an estimate of the data rows, and the data rows of the file's first sheet."""
    if not data.strip():
        raise FileProblem("empty_file", _("Tệp rỗng."))
    if data[:4] == b"PK\x03\x04":
        if (problem := spreadsheet_problem(data)) is not None:
            raise FileProblem(*problem)
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise FileProblem("wrong_file_type", _("Không đọc được tệp Excel “{name}”.").format(name=filename)) from exc
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS)
        header = next(rows, None)
        if header is None:
            raise FileProblem("empty_file", _("Trang tính đầu tiên của tệp rỗng."))
        return [_cell(h) for h in header], max(0, (sheet.max_row or 1) - 1), rows
    if filename.lower().endswith((".xls", ".ods", ".xlsb")) or b"\x00" in data[:4096]:
        raise FileProblem("wrong_file_type", _("Sai loại tệp “{name}”: hãy chọn tệp .xlsx hoặc .csv.").format(
            name=filename))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileProblem("wrong_file_type", _("Tệp CSV phải là văn bản UTF-8.")) from exc
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    lines = csv.reader(io.StringIO(text), dialect)
    header = next(lines, None)
    if header is None:
        raise FileProblem("empty_file", _("Tệp rỗng."))
    return [_cell(h) for h in header], text.count("\n"), lines


def _columns(header: list[str]) -> dict[str, int]:
    by_fold = {fold(h): i for i, h in enumerate(header) if h}
    found = {f: by_fold[fold(h)] for f, h, _ in COLUMNS if fold(h) in by_fold}
    missing = [h for f, h, required in COLUMNS if required and f not in found]
    if missing:
        raise FileProblem("missing_columns", _("Tệp thiếu cột bắt buộc: {columns}.").format(columns=", ".join(missing)))
    return found


def _number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return None


def check_row(
    number: int, raw: dict[str, str], locator: WardLocator, geocoder: Geocoder | None, cache: dict[str, Any]
) -> tuple[ImportRow | None, list[ImportProblem]]:
    """One row's values, or its problems."""
    problems: list[ImportProblem] = []

    def bad(fld: str, code: str, message: str) -> None:
        problems.append(ImportProblem(number, HEADER[fld], code, message))

    values: dict[str, Any] = {f: raw.get(f, "") for f in HEADER}
    if not values["name"]:
        bad("name", "required", _("Thiếu tên cơ sở."))
    elif len(values["name"]) > 200:
        bad("name", "too_long", _("Dài quá {n} ký tự.").format(n=200))
    kind = TYPE_WORDS.get(fold(values["type"]))
    if kind is None:
        bad("type", "unknown_type", _("Loại hình “{value}” không có trong danh mục.").format(value=values["type"])
            if values["type"] else _("Thiếu loại hình."))
    values["type"] = kind.value if kind else None
    status = STATUS_WORDS.get(fold(values["status"])) if values["status"] else EstablishmentStatus.ACTIVE
    if status is None:
        bad("status", "unknown_status",
            _("Trạng thái “{value}” không có trong danh mục.").format(value=values["status"]))
    values["status"] = status.value if status else None
    for fld, most in (("rooms", 10_000), ("workers", 100_000)):
        raw, values[fld] = values[fld], None
        if raw:
            if raw.isdigit() and int(raw) <= most:
                values[fld] = int(raw)
            else:
                bad(fld, "bad_number", _("“{value}” không phải là một số từ 0 đến {most}.").format(
                    value=raw, most=most))
    for fld in ("business_reg_no", "security_cert_no", "operating_licence_no"):
        values[fld] = values[fld] or None
        if values[fld] and len(values[fld]) > 50:
            bad(fld, "too_long", _("Dài quá {n} ký tự.").format(n=50))
    lat_raw, lon_raw = values.pop("lat"), values.pop("lon")
    lat, lon, geocoded = _number(lat_raw), _number(lon_raw), False
    if not lat_raw and not lon_raw and geocoder is not None and values["address"]:
        query = values["address"]
        if query not in cache:
            cache[query] = geocoder.geocode(query)
        found = cache[query]
        if found is None:
            bad("address", "not_geocoded", _("Không có toạ độ và không tìm thấy địa chỉ “{address}”.").format(
                address=query))
            return None, problems
        lat, lon, geocoded = float(found.latitude), float(found.longitude), True
    for fld, text, value, limit in (("lat", lat_raw, lat, 90), ("lon", lon_raw, lon, 180)):
        if not geocoded and not text:
            bad(fld, "required", _("Thiếu toạ độ."))
        elif value is None or not -limit <= value <= limit:
            bad(fld, "bad_coordinate", _("“{value}” không phải là toạ độ hợp lệ.").format(value=text))
    if problems:
        return None, problems
    assert lat is not None and lon is not None
    ward = locator.locate(lat, lon)
    if ward is None:
        bad("lat", "outside_city", _("Điểm ({lat}, {lon}) nằm ngoài mọi phường, xã của thành phố.").format(
            lat=f"{lat:.6f}", lon=f"{lon:.6f}"))
        return None, problems
    return ImportRow(number, {**values, "lat": lat, "lon": lon}, ward.id, geocoded), []


def scan(
    data: bytes, filename: str, locator: WardLocator, geocoder: Geocoder | None = None
) -> Generator[tuple[int, int], None, Scan]:
    """Check every row; yields (rows done, rows expected) now and then; returns the ``Scan``."""
    result = Scan()
    try:
        header, expected, rows = read_table(data, filename)
        columns = _columns(header)
    except FileProblem as exc:
        result.problems.append(exc.problem)
        return result
    seen: dict[str, int] = {}
    cache: dict[str, Any] = {}
    for number, cells in enumerate(rows, start=2):
        texts = [_cell(c) for c in cells]
        if not any(texts):
            continue
        result.total += 1
        if result.total > MAX_ROWS:
            result.problems.append(ImportProblem(0, "", "too_many_rows",
                                                 _("Một tệp chỉ được có tối đa {n} dòng.").format(n=MAX_ROWS)))
            return result
        raw = {f: texts[i] if i < len(texts) else "" for f, i in columns.items()}
        row, problems = check_row(number, raw, locator, geocoder, cache)
        result.problems.extend(problems)
        reg_no = raw.get("business_reg_no", "")
        if reg_no:
            if reg_no in seen:
                result.problems.append(ImportProblem(
                    number, HEADER["business_reg_no"], "duplicate_in_file",
                    _("Số ĐKKD “{value}” đã có ở dòng {row}.").format(value=reg_no, row=seen[reg_no])))
                row = None
            else:
                seen[reg_no] = number
        if row is not None:
            result.rows.append(row)
        if result.total % PROGRESS_EVERY == 0:
            yield result.total, max(expected, result.total)
    if result.total == 0:
        result.problems.append(ImportProblem(0, "", "no_rows", _("Tệp có dòng tiêu đề nhưng không có dòng dữ liệu.")))
    yield result.total, result.total
    return result


def run_scan(gen: Generator[tuple[int, int], None, Scan]) -> Scan:
    """Drive a scan to its end (no progress reporting)."""
    while True:
        try:
            next(gen)
        except StopIteration as stop:
            return stop.value


def template_xlsx() -> bytes:
    """The import template: the Vietnamese headers and one example row."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cơ sở"
    sheet.append([h for _, h, _ in COLUMNS])
    sheet.append(["Nhà nghỉ Ví Dụ", "Cơ sở lưu trú", "12 Lê Lợi, phường Lam Sơn", 19.8076, 105.7766,
                  "2801234567", "", "", "Nguyễn Văn An", "0912345678", 10, "Đang hoạt động"])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 22
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
