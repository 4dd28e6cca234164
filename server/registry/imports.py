"""Importing the registry from a spreadsheet: check first (a report, nothing written), then commit every
row or none. A row whose business registration number is already registered updates that business.

The uploaded file is kept in the database (``import_uploads``, by its sha256 and its uploader) between the check
and the commit, so that any app machine may serve either step (and afterwards: the ``establishment.import``
audit event names it by its sha256).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.db import write_transaction
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.registry.models import Establishment, ImportUpload
from server.registry.tables import HEADER, ImportProblem, ImportRow, Scan
from server.registry.versions import record_versions

CHUNK = 500
UPDATABLE = ("name", "type", "address", "lat", "lon", "security_cert_no", "operating_licence_no", "legal_rep",
             "phone", "rooms", "workers", "status")


class ImportReport(msgspec.Struct):
    token: str
    filename: str
    rows: int
    create: int
    update: int
    problems: list[ImportProblem]
    ok: bool


class ImportResult(msgspec.Struct):
    token: str
    created: int
    updated: int
    unchanged: int


async def store_upload(session: AsyncSession, user_id: int | None, filename: str, data: bytes) -> str:
    """Keep the file for the commit step, committed at once (the check itself writes nothing); the token is its
    sha256. The same file again by the same person is the same row."""
    token = hashlib.sha256(data).hexdigest()
    try:
        async with write_transaction(session):
            if await session.get(ImportUpload, (token, user_id or 0)) is None:
                session.add(ImportUpload(token=token, owner=user_id or 0, name=Path(filename).name[:200] or "upload",
                                         data=data))
    except IntegrityError:  # the same upload, stored meanwhile by a concurrent request
        pass
    return token


async def load_upload(session: AsyncSession, user_id: int | None, token: str) -> tuple[str, bytes]:
    """The file ``user_id`` uploaded under ``token`` (another person's upload is not found)."""
    upload = None
    if len(token) == 64 and all(c in "0123456789abcdef" for c in token):
        upload = await session.get(ImportUpload, (token, user_id or 0))
    if upload is None:
        raise AppError(404, "not_found", _("Không tìm thấy tệp đã tải lên."))
    return upload.name, upload.data


async def _existing(session: AsyncSession, reg_nos: list[str]) -> dict[str, Establishment]:
    found: dict[str, Establishment] = {}
    for i in range(0, len(reg_nos), CHUNK):
        chunk = reg_nos[i : i + CHUNK]
        for e in (await session.scalars(select(Establishment).where(Establishment.business_reg_no.in_(chunk)))).all():
            found.setdefault(e.business_reg_no or "", e)
    return found


async def finish(
    session: AsyncSession, scope: frozenset[int] | None, token: str, filename: str, scan: Scan
) -> tuple[ImportReport, dict[str, Establishment]]:
    """Add the checks that need the database (scope, existing businesses) and build the report."""
    problems = list(scan.problems)
    existing = await _existing(session, [r.values["business_reg_no"] for r in scan.rows if r.values["business_reg_no"]])
    updates = 0
    for row in scan.rows:
        target = existing.get(row.values["business_reg_no"] or "")
        if scope is not None and (row.ward_id not in scope or (target is not None and target.ward_id not in scope)):
            problems.append(ImportProblem(row.row, HEADER["lat"], "out_of_scope",
                                          _("Cơ sở này thuộc phường, xã nằm ngoài địa bàn của bạn.")))
        updates += target is not None
    problems.sort(key=lambda p: (p.row, p.column))
    report = ImportReport(token, filename, scan.total, len(scan.rows) - updates, updates, problems, not problems)
    return report, existing


def _apply_row(row: ImportRow, target: Establishment) -> dict[str, Any]:
    """Copy the row into an existing business; the changed fields as {field: [before, after]}."""
    changes: dict[str, Any] = {}
    values = {**row.values, "ward_id": row.ward_id}
    for field in (*UPDATABLE, "ward_id"):
        if values[field] != getattr(target, field):
            changes[field] = [getattr(target, field), values[field]]
            setattr(target, field, values[field])
    if "ward_id" in changes:
        target.ward_override_reason = None
    return changes


async def commit_import(
    session: AsyncSession, actor_id: int | None, scope: frozenset[int] | None, token: str, filename: str, scan: Scan
) -> ImportResult:
    """Write every row in the caller's transaction, or raise (422) and write nothing."""
    report, existing = await finish(session, scope, token, filename, scan)
    if not report.ok:
        raise AppError(422, "import_invalid", _("Tệp có {n} lỗi: chưa ghi gì vào sổ.").format(n=len(report.problems)),
                       [FieldError(f"row {p.row}/{p.column}", p.code, p.message) for p in report.problems[:200]])
    created: list[Establishment] = []
    updated: dict[int, Any] = {}
    for row in scan.rows:
        target = existing.get(row.values["business_reg_no"] or "")
        if target is None:
            e = Establishment(ward_id=row.ward_id, **row.values)
            session.add(e)
            created.append(e)
        else:
            changes = _apply_row(row, target)
            if changes:
                updated[str(target.id)] = changes
    await session.flush()
    await record_versions(session, [e.id for e in created] + [int(i) for i in updated])
    unchanged = report.update - len(updated)
    await record(session, actor_id, Action.ESTABLISHMENT_IMPORT, "import", token,
                 after={"file": filename, "sha256": token, "created": [e.id for e in created],
                        "updated": updated, "unchanged": unchanged})
    return ImportResult(token, len(created), len(updated), unchanged)
