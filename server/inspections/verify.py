"""``/verify/{hash}``: anyone holding a printed record's content hash (its QR code) learns whether a record
with that hash exists and is the current version, with its date and unit only (no names, no findings). A
signed-in user whose scope covers the record gets a link to it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import local_day
from server.guards import PUBLIC, STAFF
from server.identity import CurrentUser
from server.inspections.models import Inspection, InspectionVersion
from server.planning.models import Team
from server.wards.models import Ward

HASH = re.compile(r"[0-9a-fA-F]{64}")
_UNIT = (select(Inspection.uuid, Inspection.ward_id, Inspection.started_at, Team.name, Ward.full_name)
         .join(Ward, Ward.id == Inspection.ward_id).outerjoin(Team, Team.id == Inspection.team_id))


class VerificationOut(msgspec.Struct):
    content_hash: str
    #: A record (current or earlier version) has this content hash.
    found: bool
    #: It is the record's current version (False: the record was corrected and resubmitted since).
    current: bool = False
    #: The day of the visit, dd/mm/yyyy.
    date: str = ""
    #: The team that inspected, or the ward when the team is unknown.
    unit: str = ""


async def verification(session: AsyncSession, content_hash: str) -> tuple[VerificationOut, Any]:
    """What the public may know of a content hash, and the record's (uuid, ward id) for the scope check."""
    key = content_hash.lower()
    if not HASH.fullmatch(key):
        return VerificationOut(key, False), None
    row = (await session.execute(_UNIT.where(Inspection.body_sha256 == key).limit(1))).first()
    current = row is not None
    started: datetime | None = row.started_at if row else None
    if row is None:
        version = (await session.execute(
            select(InspectionVersion.inspection_id, InspectionVersion.body)
            .where(InspectionVersion.body_sha256 == key).limit(1))).first()
        if version is None:
            return VerificationOut(key, False), None
        row = (await session.execute(_UNIT.where(Inspection.id == version.inspection_id))).first()
        started = datetime.fromisoformat(version.body["started_at"]) if version.body.get("started_at") else None
    day = local_day(started).strftime("%d/%m/%Y") if started else ""
    return VerificationOut(key, True, current, day, row.name or row.full_name), row


def _reader(request: Request[Any, Any, Any]) -> CurrentUser | None:
    user = request.user
    return user if isinstance(user, CurrentUser) and user.has(*STAFF) else None


@get("/api/v1/verify/{content_hash:str}", opt=PUBLIC, operation_id="verifyRecord", tags=["inspections"])
async def api_verify(content_hash: FromPath[str], db: NamedDependency[AsyncSession]) -> VerificationOut:
    """Public: does a record with this content hash exist, is it current, its date and unit."""
    return (await verification(db, content_hash))[0]


@get("/verify/{content_hash:str}", opt=PUBLIC, include_in_schema=False)
async def verify_page(content_hash: FromPath[str], request: Request[Any, Any, Any],
                      db: NamedDependency[AsyncSession]) -> Template:
    out, row = await verification(db, content_hash)
    user = _reader(request)
    link = f"/inspections/{row.uuid}" if row is not None and user is not None and user.sees_ward(row.ward_id) else ""
    return Template("verify.html", context={"v": out, "link": link})


routes = [api_verify, verify_page]
