"""The inspector's day beyond one checklist: fixing and resending a returned record, the outbox page, the
checklist of a business type for the offline day (filled in by phone.js from the offline list) and our own
page for anything not held offline."""

from __future__ import annotations

import re
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.spec import FormDefinition
from server.auth.models import Role
from server.calendar import LOCAL_TZ, local_now
from server.errors import AppError, not_found
from server.guards import PUBLIC, requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections.forms import current_forms, definition_of
from server.inspections.models import FormVersion, Inspection, ReviewState
from server.inspections.services import get_inspection, parse_uuid
from server.labels import bilingual
from server.registry.models import Establishment
from server.review.models import Review

SUBMITTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD)]
RETURN = "return"



class Prefill:
    """A stored version's answers as the strings the checklist's inputs show (``get`` one, ``getall`` several)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    def get(self, key: str) -> str:
        value = self.answers.get(key)
        if value is None or isinstance(value, list):
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            if moment.tzinfo is not None:
                moment = moment.astimezone(LOCAL_TZ)
            return moment.strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def getall(self, key: str) -> list[str]:
        value = self.answers.get(key)
        return [str(v) for v in value] if isinstance(value, list) else []


def pointed_at(form: FormDefinition, comment: str) -> set[str]:
    """Questions a reviewer's comment names, by id or by label (no field for it: the comment is free text)."""
    text = comment.casefold()
    marked = set()
    for _section, q in form.questions():
        labels = [q.label.vi, q.label.en] if not isinstance(q.label, dict) else list(q.label.values())
        if re.search(rf"(?<![\w.]){re.escape(q.id.casefold())}(?![\w])", text) or any(
                len(lb) >= 12 and lb.casefold().rstrip("?.: ") in text for lb in labels if lb):
            marked.add(q.id)
    return marked


async def returned_record(session: AsyncSession, user: CurrentUser, uuid: str) -> dict[str, Any]:
    """A returned inspection of this user, its form version, business and the reviewer's latest comment."""
    inspection: Inspection = await get_inspection(session, user, parse_uuid(uuid))
    if inspection.inspector_id != user.id:
        raise not_found("inspection")
    if inspection.review_state != ReviewState.RETURNED.value:
        raise AppError(409, "not_returned", _("Chỉ biên bản được trả lại cho bạn mới có thể sửa và gửi lại."))
    form_row = await session.get(FormVersion, inspection.form_version_id)
    establishment = await session.get(Establishment, inspection.establishment_id)
    assert form_row is not None and establishment is not None
    comment = await session.scalar(select(Review.comment).where(
        Review.inspection_id == inspection.id, Review.decision == RETURN).order_by(Review.id.desc()).limit(1))
    return {"inspection": inspection, "form": definition_of(form_row), "establishment": establishment,
            "comment": comment or ""}


def checklist(establishment: Any, form: FormDefinition, **extra: Any) -> Template:
    public = registry.to_public(form, include_verification=False)
    return Template("checklist.html", context={
        "e": establishment, "form": public, "label": bilingual, "values": None, "errors": [],
        "error_paths": set(), "uuid": "", "now_local": local_now().strftime("%Y-%m-%dT%H:%M"), **extra})


@get("/inspections/{uuid:str}/edit", guards=SUBMITTERS, include_in_schema=False)
async def edit_page(uuid: FromPath[str], db: NamedDependency[AsyncSession],
                    user: NamedDependency[CurrentUser]) -> Template:
    """A returned record as its checklist, prefilled with the current version; phone.js resends it under the
    same UUID (the server makes the next version)."""
    found = await returned_record(db, user, uuid)
    i = found["inspection"]
    location = None
    if i.lat is not None and i.lon is not None and i.accuracy_m is not None and i.captured_at is not None:
        location = {"lat": i.lat, "lon": i.lon, "accuracy_m": i.accuracy_m,
                    "captured_at": i.captured_at.isoformat()}
    photos = {q.id: i.answers.get(q.id) or [] for _, q in found["form"].questions() if q.kind == "photo"}
    return checklist(found["establishment"], found["form"], values=Prefill(i.answers), edit={
        "uuid": i.uuid, "version": i.version, "comment": found["comment"], "notes": i.notes,
        "started_at": i.started_at.isoformat(), "location": location, "photos": photos,
        "marked": pointed_at(found["form"], found["comment"])})


@get("/phone/form/{establishment_type:str}", guards=SUBMITTERS, include_in_schema=False)
async def blank_checklist(establishment_type: FromPath[str], db: NamedDependency[AsyncSession]) -> Template:
    """The checklist of a business type with no business in it: the service worker serves it offline for any
    business of the offline list, and phone.js fills in the business from that list."""
    forms = (await current_forms(db)).for_type(establishment_type)
    if not forms:
        raise not_found("form")
    blank = SimpleNamespace(id=0, name="", type=establishment_type, address="", lat=None, lon=None)
    return checklist(blank, forms[-1], blank=True)


@get("/phone/outbox", guards=SUBMITTERS, include_in_schema=False)
async def outbox_page() -> Template:
    """What this phone holds: filled in by phone.js from IndexedDB (the server never sees the outbox)."""
    return Template("outbox.html")


@get("/phone/offline", opt=PUBLIC, include_in_schema=False)
async def offline_page() -> Template:
    """Shown by the service worker for a page that is not held offline (instead of the browser's error)."""
    return Template("offline.html")


routes = [edit_page, blank_checklist, outbox_page, offline_page]
