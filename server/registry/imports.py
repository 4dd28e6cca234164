"""Importing the registry from a spreadsheet: check first (a report, nothing written), then commit every
row or none. A row whose business registration number is already registered updates that business.

The uploaded file is kept under ``<data dir>/imports/<user id>/<sha256>.<ext>`` between the check and the
commit (and afterwards: the ``establishment.import`` audit event names it by its sha256).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.actions import Action
from server.audit.services import record
from server.errors import AppError, FieldError
from server.registry.models import Establishment
from server.registry.tables import HEADER, ImportProblem, ImportRow, Scan

CHUNK = 500
UPDATABLE = ("name", "type", "address", "lat", "lon", "security_cert_no", "operating_licence_no", "legal_rep",
             "phone", "rooms", "status")


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


def store_upload(data_dir: Path, user_id: int | None, filename: str, data: bytes) -> str:
    """Keep the file for the commit step; the token is its sha256."""
    token = hashlib.sha256(data).hexdigest()
    suffix = ".xlsx" if data[:4] == b"PK\x03\x04" else ".csv"
    folder = data_dir / "imports" / str(user_id or "cli")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{token}{suffix}"
    if not path.exists():
        path.write_bytes(data)
    (folder / f"{token}.name").write_text(Path(filename).name[:200] or "upload", encoding="utf-8")
    return token


def load_upload(data_dir: Path, user_id: int | None, token: str) -> tuple[str, bytes]:
    if len(token) != 64 or any(c not in "0123456789abcdef" for c in token):
        raise AppError(404, "not_found", "no such upload")
    folder = data_dir / "imports" / str(user_id or "cli")
    for suffix in (".xlsx", ".csv"):
        path = folder / f"{token}{suffix}"
        if path.exists():
            name = folder / f"{token}.name"
            return (name.read_text(encoding="utf-8") if name.exists() else path.name), path.read_bytes()
    raise AppError(404, "not_found", "no such upload")


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
            problems.append(ImportProblem(row.row, HEADER["lat"], "out_of_scope", "this ward is outside your scope"))
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
        raise AppError(422, "import_invalid", f"{len(report.problems)} problem(s): nothing was written",
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
    unchanged = report.update - len(updated)
    await record(session, actor_id, Action.ESTABLISHMENT_IMPORT, "import", token,
                 after={"file": filename, "sha256": token, "created": [e.id for e in created],
                        "updated": updated, "unchanged": unchanged})
    return ImportResult(token, len(created), len(updated), unchanged)
