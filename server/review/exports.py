"""Exports of inspections (CSV, XLSX, GeoJSON) under the reviewer's filters and ward scope, streamed:
keyset pages of ``BATCH`` rows, each read in its own short transaction, so memory stays flat at any size.

CSV and GeoJSON leave from the first page. XLSX goes through openpyxl's write-only mode, which spools the
sheet to a temporary file (flat memory, disk grows with the rows) and is sent in chunks once complete.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

import anyio.to_thread
import msgspec
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from server.auth.models import User
from server.calendar import LOCAL_TZ
from server.cells import neutralise
from server.db import Access, access
from server.identity import CurrentUser
from server.inspections.models import Inspection
from server.registry.models import Establishment
from server.review.queue import filtered
from server.review.schemas import QueueFilter
from server.wards.models import Ward

BATCH = 2000
CHUNK = 64 * 1024

COLUMNS = (
    ("uuid", "Mã lượt kiểm tra"), ("started_at", "Thời gian kiểm tra"), ("ward_code", "Mã phường, xã"),
    ("ward_name", "Phường, xã"), ("establishment_id", "Mã cơ sở"), ("establishment", "Tên cơ sở"),
    ("type", "Loại hình kinh doanh"), ("address", "Địa chỉ"), ("inspector", "Cán bộ kiểm tra"),
    ("outcome", "Kết quả"), ("violation_count", "Số vi phạm"), ("violations", "Các vi phạm"),
    ("flags", "Cảnh báo vị trí, thời gian"), ("distance_m", "Khoảng cách đến cơ sở (m)"), ("lat", "Vĩ độ"),
    ("lon", "Kinh độ"), ("review_state", "Trạng thái duyệt"), ("version", "Phiên bản"),
    ("content_hash", "Mã nội dung (SHA-256)"), ("notes", "Ghi chú"),
)
HEADERS = [h for _, h in COLUMNS]
TEXT = {"establishment", "address", "notes", "violations", "inspector", "ward_name"}


def _query() -> Any:
    return (select(Inspection.id, Inspection.uuid, Inspection.started_at, Ward.code, Ward.full_name,
                   Establishment.id, Establishment.name, Establishment.type, Establishment.address, User.username,
                   Inspection.outcome, Inspection.violation_count, Inspection.violations, Inspection.flags,
                   Inspection.distance_m, Inspection.lat, Inspection.lon, Inspection.review_state,
                   Inspection.version, Inspection.notes, Inspection.body_sha256)
            .join(Establishment, Establishment.id == Inspection.establishment_id)
            .join(Ward, Ward.id == Inspection.ward_id)
            .join(User, User.id == Inspection.inspector_id))


async def pages(sessionmaker: async_sessionmaker, user: CurrentUser, f: QueueFilter,
                batch: int | None = None) -> AsyncIterator[list[Row[Any]]]:
    """Keyset pagination on the inspection id: each page is a short read-only transaction."""
    batch = batch or BATCH
    last = 0
    query = filtered(_query(), user, f)
    while True:
        with access(Access.LATEST):  # one statement
            async with sessionmaker() as session:
                rows = list((await session.execute(query.where(Inspection.id > last).order_by(Inspection.id)
                                                   .limit(batch))).all())
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def flatten(violations: Iterable[dict[str, Any]]) -> str:
    """Violations in one cell: ``label (legal basis)`` joined by ``; ``."""
    parts = []
    for v in violations or []:
        label = v.get("label") or {}
        text = label.get("vi") if isinstance(label, dict) else str(label)
        text = text or v.get("question_id", "")
        parts.append(f"{text} ({v['legal_basis']})" if v.get("legal_basis") else text)
    return "; ".join(parts)


def _safe(value: str) -> str:
    """No formulas from data (CSV/Excel injection) and no characters Excel refuses."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))  # type: ignore[no-any-return]


def as_dict(row: Row[Any]) -> dict[str, Any]:
    (_id, uuid, started, ward_code, ward_name, est_id, name, typ, address, inspector, outcome, count,
     violations, flags, distance, lat, lon, state, version, notes, content_hash) = row
    out = {"uuid": uuid, "started_at": started.astimezone(LOCAL_TZ).replace(tzinfo=None),
           "ward_code": ward_code, "ward_name": ward_name, "establishment_id": est_id, "establishment": name,
           "type": typ, "address": address, "inspector": inspector, "outcome": outcome, "violation_count": count,
           "violations": flatten(violations), "flags": ", ".join(flags or []),
           "distance_m": round(distance, 1) if distance is not None else None, "lat": lat, "lon": lon,
           "review_state": state, "version": version, "notes": notes or "", "content_hash": content_hash}
    for key in TEXT:
        out[key] = _safe(out[key] or "")
    return out


def _cells(row: Row[Any]) -> list[Any]:
    r = as_dict(row)
    return [r[key] for key, _ in COLUMNS]


async def csv_chunks(source: AsyncIterator[list[Row[Any]]]) -> AsyncIterator[bytes]:
    """UTF-8 with a byte-order mark so that Excel shows the diacritics."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS)
    yield ("\ufeff" + buf.getvalue()).encode()
    async for rows in source:
        buf.seek(0)
        buf.truncate()
        for row in rows:
            cells = _cells(row)
            cells[1] = cells[1].strftime("%d/%m/%Y %H:%M")
            writer.writerow(cells)
        yield buf.getvalue().encode()


def _feature(row: Row[Any]) -> bytes:
    r = as_dict(row)
    r["started_at"] = row[2]
    geometry = None if r["lat"] is None else {"type": "Point", "coordinates": [r.pop("lon"), r.pop("lat")]}
    return msgspec.json.encode({"type": "Feature", "geometry": geometry, "properties": r})


async def geojson_chunks(source: AsyncIterator[list[Row[Any]]]) -> AsyncIterator[bytes]:
    """A FeatureCollection of the inspections' GPS fixes (no fix: a null geometry)."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for rows in source:
        features = b",".join(_feature(row) for row in rows)
        yield features if first else b"," + features
        first = False
    yield b"]}\n"


def _append(sheet: Any, rows: list[Row[Any]]) -> None:
    for row in rows:
        sheet.append(_cells(row))


async def xlsx_chunks(source: AsyncIterator[list[Row[Any]]]) -> AsyncIterator[bytes]:
    """openpyxl write-only: rows go to its temporary sheet file page by page (in a worker thread, so the
    event loop stays free), then the finished workbook is streamed from a temporary file."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Kiểm tra")
    sheet.append(HEADERS)
    async for rows in source:
        await anyio.to_thread.run_sync(_append, sheet, rows)
    with tempfile.TemporaryFile() as out:
        await anyio.to_thread.run_sync(workbook.save, out)
        out.seek(0)
        while data := await anyio.to_thread.run_sync(out.read, CHUNK):
            yield data


FORMATS = {
    "csv": (csv_chunks, "text/csv"),
    "xlsx": (xlsx_chunks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "geojson": (geojson_chunks, "application/geo+json"),
}


def filename(fmt: str, now: datetime) -> str:
    return f"kiem-tra-{now.astimezone(LOCAL_TZ):%Y%m%d-%H%M}.{fmt}"
