"""Reading inspections and form definitions within the user's role and ward scope."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from server.auth.identity import CurrentUser
from server.auth.models import Role, User
from server.errors import AppError, FieldError, not_found
from server.inspections.forms import definition_of
from server.inspections.models import FormVersion, Inspection
from server.inspections.schemas import FormSummary, InspectionPage, InspectionSummary
from server.inspections.services import scoped
from server.registry.models import Establishment
from server.wards.models import Ward

UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: Roles that see the research status (V/P/U) of each legal basis; inspectors never do.
VERIFICATION_ROLES = (Role.CITY_OFFICE, Role.ADMIN)


def parse_uuid(value: str) -> str:
    """The canonical (lowercase, hyphenated) form of a client-made UUID; 422 for anything else."""
    if not UUID_RE.fullmatch(value):
        raise AppError(422, "invalid", "the inspection id must be a UUID",
                       [FieldError("uuid", "wrong_type", "expected a UUID like 0b8e2f4a-…")])
    return value.lower()


async def list_inspections(
    session: AsyncSession, user: CurrentUser, *, ward: str | None = None, state: str | None = None,
    establishment_id: int | None = None, limit: int = 50, offset: int = 0,
) -> InspectionPage:
    """Newest first, inside the user's wards; ``ward`` is a ward code, ``state`` a review state."""
    query = scoped(
        select(Inspection, Establishment, Ward, User.username)
        .join(Establishment, Establishment.id == Inspection.establishment_id)
        .join(Ward, Ward.id == Inspection.ward_id)
        .join(User, User.id == Inspection.inspector_id),
        user,
    )
    if ward:
        query = query.where(Ward.code == ward)
    if state:
        query = query.where(Inspection.review_state == state)
    if establishment_id is not None:
        query = query.where(Inspection.establishment_id == establishment_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.execute(query.order_by(Inspection.started_at.desc(), Inspection.id.desc())
                                  .limit(limit).offset(offset))).all()
    items = [
        InspectionSummary(uuid=i.uuid, establishment_id=e.id, establishment_name=e.name, establishment_type=e.type,
                          ward=w.code, started_at=i.started_at, outcome=i.outcome, violation_count=i.violation_count,
                          flags=list(i.flags), review_state=i.review_state, inspector=username)
        for i, e, w, username in rows
    ]
    return InspectionPage(items, total, limit, offset)


def list_forms() -> list[FormSummary]:
    """The latest version of every form in the definitions folder."""
    reg = registry.default()
    return [FormSummary(id=f.id, version=f.version, versions=reg.versions(f.id),
                        title=msgspec.to_builtins(f.title), establishment_types=list(f.establishment_types))
            for f in reg.latest()]


async def public_form(session: AsyncSession, user: CurrentUser, form_id: str, version: int | None) -> dict[str, Any]:
    """A definition as JSON (latest, or the given version); a version only the database still keeps (its
    file removed) is served from there. The V/P/U flags only for the city office and admins."""
    definition = None
    try:
        definition = registry.get(form_id, version)
    except registry.FormNotFound:
        if version is not None:
            row = await session.scalar(select(FormVersion).where(FormVersion.form_id == form_id,
                                                                 FormVersion.version == version))
            definition = definition_of(row) if row is not None else None
    if definition is None:
        if version is not None and form_id in {f.id for f in registry.all_forms()}:
            raise AppError(404, "not_found", f"form {form_id} has no version {version}",
                           [FieldError("version", "unknown_form", "no such version")])
        raise not_found("form")
    return registry.to_public(definition, include_verification=user.has(*VERIFICATION_ROLES))
