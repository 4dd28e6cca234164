"""Reading inspections and form definitions within the user's role and ward scope."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.spec import FormDefinition
from server.auth.models import Role, User
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections.forms import current_forms
from server.inspections.models import Inspection
from server.inspections.schemas import FormSummary, InspectionPage, InspectionSummary
from server.registry.models import Establishment
from server.scope import scoped
from server.wards.models import Ward

#: Roles that see the research status (V/P/U) of each legal basis; inspectors never do.
VERIFICATION_ROLES = (Role.CITY_OFFICE, Role.ADMIN)


def listing() -> Select[Any]:
    """Inspections with their business, ward and inspector's login, one row each (scope it before use):
    the list here, the review queue and the home page's queue all start from it."""
    return (select(Inspection, Establishment, Ward, User.username)
            .join(Establishment, Establishment.id == Inspection.establishment_id)
            .join(Ward, Ward.id == Inspection.ward_id)
            .join(User, User.id == Inspection.inspector_id))


async def list_inspections(
    session: AsyncSession, user: CurrentUser, *, ward: str | None = None, state: str | None = None,
    establishment_id: int | None = None, limit: int = 50, offset: int = 0,
) -> InspectionPage:
    """Newest first, inside the user's wards; ``ward`` is a ward code, ``state`` a review state."""
    query = scoped(listing(), Inspection.ward_id, user)
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


async def list_forms(session: AsyncSession) -> list[FormSummary]:
    """The newest version of every form (a file's, or one the city office published)."""
    forms = await current_forms(session)
    return [FormSummary(id=f.id, version=f.version, versions=forms.versions(f.id),
                        title=msgspec.to_builtins(f.title), establishment_types=list(f.establishment_types))
            for f in forms.latest()]


async def form_version(session: AsyncSession, form_id: str, version: int | None) -> FormDefinition:
    """A definition (the newest, or the given version): a file's, or one only the database keeps."""
    forms = await current_forms(session)
    try:
        return forms.get(form_id, version)
    except registry.FormNotFound:
        if version is not None and forms.versions(form_id):
            raise AppError(404, "not_found", _("Mẫu {form} không có phiên bản {version}.").format(
                form=form_id, version=version),
                           [FieldError("version", "unknown_form", _("Không có phiên bản này."))]) from None
        raise not_found("form") from None


async def public_form(session: AsyncSession, user: CurrentUser, form_id: str, version: int | None) -> dict[str, Any]:
    """A definition as JSON (newest, or the given version). The V/P/U flags only for the city office and admins."""
    definition = await form_version(session, form_id, version)
    return registry.to_public(definition, include_verification=user.has(*VERIFICATION_ROLES))
