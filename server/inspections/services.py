"""Checking and reading inspections: validation against the exact form version, server-side violations,
the presence check, the columns a checked body stores, and the API's view of a record. Writing a
submission is ``server.submissions``' job."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import msgspec
from sqlalchemy import Row, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import engine
from server.auth.models import User
from server.calendar import local_year
from server.db import utcnow
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import presence
from server.inspections.answer_errors import explain
from server.inspections.forms import FormRef, find_form, store_form
from server.inspections.models import Attachment, FormVersion, Inspection, Outcome
from server.inspections.schemas import InspectionIn, InspectionOut, LocationOut
from server.inspections.signatures import check_signatures
from server.registry.models import Establishment
from server.scope import scoped
from server.settings import Settings
from server.time_bounds import check_window
from server.wards.models import Ward


def body_hash(body: InspectionIn) -> str:
    """The identity of a submission (its content hash): the same body sent again hashes the same. A body
    without signatures hashes as it did before signatures existed."""
    raw = msgspec.to_builtins(body)
    if not raw.get("signatures"):
        raw.pop("signatures", None)
    return hashlib.sha256(msgspec.json.encode(raw, order="sorted")).hexdigest()


def aware_time(value: datetime, path: str) -> datetime:
    if value.tzinfo is None:
        raise AppError(422, "invalid", _("Thời điểm thiếu múi giờ."),
                       [FieldError(path, "wrong_type", _("Hãy ghi cả múi giờ, ví dụ 2023-05-01T21:30:00+07:00."))])
    return value


def _check_outcome(body: InspectionIn, violations: list[engine.Violation]) -> None:
    errors = []
    declared = body.answers.get("outcome")
    if declared is not None and declared != body.outcome.value:
        errors.append(FieldError("outcome", "mismatch",
                                 _("Kết quả kiểm tra không khớp với kết quả trong câu trả lời.")))
    if violations and body.outcome == Outcome.COMPLIANT:
        errors.append(FieldError("outcome", "violations_found",
                                 _("Có {n} vi phạm nên kết quả không thể là «đạt».").format(n=len(violations))))
    if errors:
        raise AppError(422, "invalid", _("Kết quả kiểm tra không nhất quán."), errors)


UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# The statements of a submission are built once (a submission is the busiest write).
#: What a submission needs of its business (columns, not the entity: cheaper to load).
BUSINESS = (Establishment.id, Establishment.ward_id, Establishment.type, Establishment.name, Establishment.lat,
            Establishment.lon, Establishment.proposed_lat, Ward.code.label("ward_code"))
_ESTABLISHMENT = (select(*BUSINESS).outerjoin(Ward, Ward.id == Establishment.ward_id)
                  .where(Establishment.id == bindparam("establishment_id")))
_businesses = Establishment.__table__.c
PROPOSE_POINT = (Establishment.__table__.update()  # unless proposed meanwhile
                 .where(_businesses.id == bindparam("business"), _businesses.proposed_lat.is_(None))
                 .values(proposed_lat=bindparam("point_lat"), proposed_lon=bindparam("point_lon")))


@dataclass(frozen=True)
class Checked:
    """A body that passed every check: the inspection columns that follow from it, and its findings."""

    fields: dict[str, Any]
    found: list[engine.Violation]
    flags: list[str]
    establishment_id: int
    establishment_name: str
    ward_code: str
    form: FormRef
    #: The fix to propose as the business's point (it has none registered yet).
    proposed: tuple[float, float] | None


async def check_body(
    session: AsyncSession, user: CurrentUser, body: InspectionIn, settings: Settings,
    device_now: datetime | None = None, now: datetime | None = None,
    business: Row[Any] | None = None,
) -> Checked:
    """Validate a body against its exact form version, compute the violations and the presence check.
    Only reads: ``stored_fields`` writes what follows, in the write transaction. ``business``: the
    business's columns (``BUSINESS``) when the caller read them already."""
    started, submitted = aware_time(body.started_at, "started_at"), aware_time(body.submitted_at, "submitted_at")
    check_window([("started_at", started, None), ("submitted_at", submitted, ("started_at", started))],
                 now or utcnow(), settings.clock_skew_minutes, device_now)
    if body.location is not None:
        aware_time(body.location.captured_at, "location.captured_at")
    if business is None:
        business = (await (await session.connection()).execute(
            _ESTABLISHMENT, {"establishment_id": body.establishment_id})).first()
    if business is None or not user.sees_ward(business.ward_id):
        raise AppError(422, "invalid", _("Cơ sở không tồn tại."),
                       [FieldError("establishment_id", "unknown_establishment",
                                   _("Không có cơ sở này trong danh bạ."))])
    form = await find_form(session, body.form_id, body.form_version)
    if business.type not in form.definition.establishment_types:
        raise AppError(422, "invalid", _("Mẫu biên bản không áp dụng cho cơ sở này."),
                       [FieldError("form_id", "wrong_form", _("Mẫu {form} không dùng cho loại cơ sở «{kind}».").format(
                           form=body.form_id, kind=business.type))])
    result = engine.validate(form.definition, body.answers)
    if not result.ok:
        raise AppError(422, "invalid", _("Có câu trả lời không hợp lệ."),
                       explain(form.definition, result.errors))
    found = engine.violations(form.definition, result)
    _check_outcome(body, found)
    signatures = check_signatures(body.signatures, result.answers or {})
    received = now or utcnow()
    registered = (business.lat, business.lon) if business.lat is not None else None
    check = presence.check(
        body.location, registered, submitted, received, device_now,
        max_distance_m=settings.presence_max_distance_m, max_accuracy_m=settings.presence_max_accuracy_m,
        max_skew_s=settings.clock_skew_minutes * 60,
    )
    loc = body.location
    fields = dict(
        establishment_id=business.id, ward_id=business.ward_id,
        year=local_year(started), started_at=started, submitted_at=submitted, received_at=received,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, accuracy_m=loc.accuracy_m if loc else None,
        captured_at=loc.captured_at if loc else None, distance_m=check.distance_m, flags=check.flags,
        answers=msgspec.to_builtins(result.answers or {}), violations=msgspec.to_builtins(found),
        violation_count=len(found), outcome=body.outcome.value, notes=body.notes, signatures=signatures,
    )
    proposed = check.proposed if business.proposed_lat is None else None
    return Checked(fields, found, check.flags, business.id, business.name, business.ward_code or "",
                   form, proposed)


async def stored_fields(session: AsyncSession, checked: Checked) -> dict[str, Any]:
    """The inspection columns of a checked body, in the write transaction: stores the form version on its
    first use and the proposed point of a business that has none."""
    if checked.proposed is not None:
        await session.execute(PROPOSE_POINT, proposal_of(checked))
    return {**checked.fields, "form_version_id": await store_form(session, checked.form)}


def proposal_of(checked: Checked) -> dict[str, Any]:
    assert checked.proposed is not None
    return {"business": checked.establishment_id, "point_lat": checked.proposed[0], "point_lon": checked.proposed[1]}




async def inspection_out(session: AsyncSession, i: Inspection) -> InspectionOut:
    """A stored inspection as the API shows it (one query for the names, one for the photos)."""
    names = (await session.execute(
        select(Establishment.name, Ward.code, FormVersion.form_id, FormVersion.version, User.username)
        .select_from(Inspection)
        .join(Establishment, Establishment.id == Inspection.establishment_id)
        .join(Ward, Ward.id == Inspection.ward_id)
        .join(FormVersion, FormVersion.id == Inspection.form_version_id)
        .join(User, User.id == Inspection.inspector_id)
        .where(Inspection.id == i.id))).one()
    shas = (await session.scalars(select(Attachment.sha256).where(Attachment.inspection_id == i.id)
                                  .order_by(Attachment.id))).all()
    return build_out(i, *names, list(shas))


def build_out(i: Inspection | SimpleNamespace, establishment_name: str, ward_code: str, form_id: str,
              form_version: int, username: str, attachments: list[str]) -> InspectionOut:
    """The API's view of an inspection: a stored row, or the columns of one just written."""
    has_fix = i.lat is not None and i.lon is not None
    location = LocationOut(i.lat, i.lon, i.accuracy_m, i.captured_at) if has_fix else None  # type: ignore[arg-type]
    return InspectionOut(
        uuid=i.uuid, establishment_id=i.establishment_id, establishment_name=establishment_name, ward=ward_code,
        form_id=form_id, form_version=form_version, started_at=i.started_at, submitted_at=i.submitted_at,
        received_at=i.received_at, location=location, distance_m=i.distance_m, flags=list(i.flags),
        answers=dict(i.answers), violations=list(i.violations), outcome=i.outcome, notes=i.notes,
        review_state=i.review_state, inspector=username, version=i.version, attachments=attachments,
        signatures=list(getattr(i, "signatures", None) or []),
    )


def parse_uuid(value: str) -> str:
    """The canonical (lowercase, hyphenated) form of a client-made UUID; 422 for anything else. The one
    parser of inspection ids: every route reaches a record through ``get_inspection`` or ``submit``."""
    if not UUID_RE.fullmatch(value):
        raise AppError(422, "invalid", _("Mã biên bản phải là một UUID."),
                       [FieldError("uuid", "wrong_type", _("Hãy gửi một UUID, ví dụ 0b8e2f4a-…."))])
    return value.lower()


async def get_inspection(session: AsyncSession, user: CurrentUser, uuid: str) -> Inspection:
    """The inspection with this UUID (any case) within the user's scope; another ward's is a 404."""
    key = parse_uuid(uuid)
    row = await session.scalar(scoped(select(Inspection), Inspection.ward_id, user).where(Inspection.uuid == key))
    if row is None:
        raise not_found("inspection")
    return row
