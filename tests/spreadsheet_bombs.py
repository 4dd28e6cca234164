"""Workbooks over the upload limits (``server/registry/upload_limits.py``), each under 1 MB on the wire: every
Excel upload must refuse them before parsing."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import IO


def xlsx_with_sheet(write_sheet: Callable[[IO[bytes]], None]) -> bytes:
    """A minimal workbook whose first sheet's XML is written by ``write_sheet(fh)``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            write_sheet(fh)
    return buf.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    def write(fh: IO[bytes]) -> None:
        fh.write(b'<?xml version="1.0"?><worksheet><sheetData>')
        chunk = b"<row>" + b" " * (1024 * 1024 - 11) + b"</row>"
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write(b"</sheetData></worksheet>")
    return xlsx_with_sheet(write)


def declared_huge() -> bytes:
    def write(fh: IO[bytes]) -> None:
        fh.write(b'<?xml version="1.0"?><worksheet><dimension ref="A1:ZZ900000"/><sheetData/></worksheet>')
    return xlsx_with_sheet(write)


#: (builder, the problem code it is refused with).
BOMBS: list[tuple[Callable[[], bytes], str]] = [(lambda: zip_bomb(70), "too_large_uncompressed"),
                                                (lambda: zip_bomb(8), "compression_ratio"),
                                                (declared_huge, "too_many_cells")]
