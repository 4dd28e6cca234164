"""Limits on an uploaded spreadsheet, checked before any parser inflates it.

An .xlsx file is a zip archive: 200 KB can inflate to 200 MB of XML, and openpyxl keeps the shared strings
in memory. The central directory of the archive states each member's uncompressed size; ``zipfile`` never
yields more than that (a member that inflates beyond it fails its CRC check), so the stated sizes bound what
any parser will see. Before parsing we refuse an archive whose members add up to more than
``MAX_UNCOMPRESSED``, that inflates more than ``MAX_RATIO`` times its size, that has too many members, or
whose first sheet declares more rows, columns or cells than an import takes. Rows and columns are bounded
again while reading (the declared dimension can lie).
"""

from __future__ import annotations

import io
import re
import zipfile

from server.errors import AppError, FieldError
from server.i18n import gettext as _

MAX_UNCOMPRESSED = 64 * 1024 * 1024
MAX_RATIO = 100  # a real workbook inflates ~5–20 times; this counts above 1 MB only
MAX_MEMBERS = 200
MAX_ROWS = 100_000
MAX_COLUMNS = 50
MAX_CELLS = 2_000_000
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"')


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _first_sheet(archive: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    sheets = sorted((i for i in archive.infolist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", i.filename)),
                    key=lambda i: int(re.sub(r"\D", "", i.filename) or 0))
    return sheets[0] if sheets else None


def spreadsheet_problem(data: bytes) -> tuple[str, str] | None:
    """``(code, message)`` when an .xlsx upload is over a limit; None when it may be parsed (or is no zip:
    the parser refuses that itself)."""
    if data[:4] != b"PK\x03\x04":
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    mb = 1024 * 1024
    inflated = sum(max(0, m.file_size) for m in members)
    if len(members) > MAX_MEMBERS:
        return "too_many_parts", _("Tệp Excel có quá nhiều thành phần ({n}, tối đa {max}).").format(
            n=len(members), max=MAX_MEMBERS)
    if inflated > MAX_UNCOMPRESSED:
        return "too_large_uncompressed", _(
            "Tệp Excel khi giải nén quá lớn ({size} MB, tối đa {max} MB). Hãy chia thành nhiều tệp nhỏ hơn."
        ).format(size=inflated // mb, max=MAX_UNCOMPRESSED // mb)
    if inflated > mb and inflated > MAX_RATIO * len(data):
        return "compression_ratio", _(
            "Tệp Excel nén bất thường (giải nén gấp {ratio} lần, tối đa {max} lần): có thể là tệp độc hại."
        ).format(ratio=inflated // max(1, len(data)), max=MAX_RATIO)
    sheet = _first_sheet(archive)
    if sheet is None:
        return None
    try:
        with archive.open(sheet) as fh:
            head = fh.read(4096)
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError):
        return None
    match = _DIMENSION.search(head)
    if match and match.group(1):
        rows, columns = int(match.group(2)), _column_number(match.group(1).decode())
        if rows - 1 > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
            return "too_many_cells", _(
                "Trang tính quá lớn ({rows} dòng × {columns} cột; tối đa {max_rows} dòng, {max_columns} cột)."
            ).format(rows=rows, columns=columns, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    return None


def check_upload(data: bytes) -> None:
    """Refuse (422, nothing stored) an upload over a limit, before it is stored or parsed."""
    problem = spreadsheet_problem(data)
    if problem is not None:
        code, message = problem
        raise AppError(422, code, message, [FieldError("file", code, message)])
