"""What the inspector's phone pages need: the nearby list, the checklist of a business, and the plain-form
(JavaScript off) submission turned into the same ``InspectionIn`` the phones' JSON uses."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from litestar.datastructures import UploadFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.conditions import evaluate
from forms.spec import FormDefinition
from maps.distance import nearest
from server.calendar import as_local
from server.db import utcnow
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.i18n import nfc
from server.identity import CurrentUser
from server.inspections.attachments import Photo, inspect_image
from server.inspections.forms import current_forms
from server.inspections.models import Outcome
from server.inspections.schemas import InspectionIn
from server.registry.models import Establishment, EstablishmentStatus
from server.scope import scoped
from server.wards.models import Ward

#: Half the side of the box searched first around the phone (degrees; about 3 km at Thanh Hóa's latitude).
BOX_DEG = 0.03
NEARBY_LIMIT = 15
FIELD = "q."
_LOCAL_DT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
_NUMBER = re.compile(r"-?\d+([.,]\d+)?")


async def nearby(session: AsyncSession, user: CurrentUser, lat: float, lon: float,
                 limit: int = NEARBY_LIMIT) -> list[dict[str, Any]]:
    """Active businesses in scope nearest to the phone (geodesic metres), searched in a box, then wider."""
    for box in (BOX_DEG, BOX_DEG * 10, None):
        query = (select(Establishment, Ward.full_name).join(Ward, Ward.id == Establishment.ward_id)
                 .where(Establishment.lat.is_not(None), Establishment.status == EstablishmentStatus.ACTIVE.value))
        if box is not None:
            query = query.where(Establishment.lat.between(lat - box, lat + box),
                                Establishment.lon.between(lon - box, lon + box))
        query = scoped(query, Establishment.ward_id, user)
        rows = (await session.execute(query)).all()
        if len(rows) >= limit or box is None:
            break
    ranked = nearest([(e.lat, e.lon) for e, _ in rows], (lat, lon))[:limit]
    return [{"establishment": rows[i][0], "ward": rows[i][1], "distance_m": round(d)} for i, d in ranked]


async def search(session: AsyncSession, user: CurrentUser, q: str, limit: int = NEARBY_LIMIT) -> list[dict[str, Any]]:
    """Businesses by name or address (for phones without a fix, and with JavaScript off)."""
    like = f"%{nfc(q.strip()).lower()}%"
    query = (select(Establishment, Ward.full_name).join(Ward, Ward.id == Establishment.ward_id)
             .where(Establishment.name.ilike(like) | Establishment.address.ilike(like)).order_by(Establishment.name)
             .limit(limit))
    query = scoped(query, Establishment.ward_id, user)
    return [{"establishment": e, "ward": w, "distance_m": None} for e, w in (await session.execute(query)).all()]


async def establishment_for_check(session: AsyncSession, user: CurrentUser, establishment_id: int) -> Establishment:
    establishment = await session.get(Establishment, establishment_id)
    if establishment is None or not user.sees_ward(establishment.ward_id):
        raise not_found("establishment")
    return establishment


async def form_for(session: AsyncSession, establishment: Establishment, form_id: str | None = None,
                   version: int | None = None) -> FormDefinition:
    """The form a business is inspected with: the posted version, else the newest for its type (a file's, or
    one the city office published)."""
    forms = await current_forms(session)
    if form_id is not None:
        try:
            return forms.get(form_id, version)
        except registry.FormNotFound:
            raise AppError(422, "invalid", _("Phiên bản mẫu biên bản không tồn tại."),
                           [FieldError("form_version", "unknown_form", _("Không có phiên bản mẫu này."))]) from None
    latest = forms.for_type(establishment.type)
    if not latest:
        raise not_found("form")
    return latest[-1]


def _typed(kind: str, raw: Any) -> Any:
    """A form string as the JSON a phone would send (the engine then validates it like any other)."""
    if kind == "number" and isinstance(raw, str) and _NUMBER.fullmatch(raw):
        text = raw.replace(",", ".")
        return float(text) if "." in text else int(text)
    if kind == "datetime" and isinstance(raw, str) and _LOCAL_DT.fullmatch(raw):
        return as_local(datetime.fromisoformat(raw)).isoformat()  # datetime-local: Vietnamese time
    return raw


def answers_from_form(form: FormDefinition, data: Any, photos: dict[str, list[str]]) -> dict[str, Any]:
    """Answers from a plain HTML form post. Without JavaScript every question is on screen, so answers to
    questions that the earlier answers make irrelevant are dropped here, the way the phone's skip logic
    would have hidden them."""
    answers: dict[str, Any] = {}
    for section, q in form.questions():
        if q.kind == "note":
            continue
        key = FIELD + q.id
        if q.kind == "photo":
            raw: Any = photos.get(q.id, [])
        elif q.kind == "multi_choice":
            raw = [v for v in data.getall(key, []) if isinstance(v, str) and v]
        else:
            value = data.get(key)
            raw = value.strip() if isinstance(value, str) else ""
        if raw in ("", []):
            continue
        conditions = [c for c in (section.relevant, q.relevant) if c is not None]
        if all(evaluate(c, answers) for c in conditions):
            answers[q.id] = _typed(q.kind, raw)
    return answers


def uploaded_photos(form: FormDefinition, data: Any) -> tuple[dict[str, list[str]], list[Photo], list[FieldError]]:
    """The photos of a plain form post, checked like API uploads: sha256 per question, and the photos."""
    shas: dict[str, list[str]] = {}
    photos: list[Photo] = []
    errors: list[FieldError] = []
    for _section, q in form.questions():
        if q.kind != "photo":
            continue
        for item in data.getall(FIELD + q.id, []):
            if not isinstance(item, UploadFile) or not item.filename:
                continue
            content = item.file.read()
            if not content:
                continue
            try:
                photo = inspect_image(content)
            except AppError as exc:
                errors.append(FieldError(f"answers.{q.id}", exc.code, exc.detail))
                continue
            shas.setdefault(q.id, []).append(photo.sha256)
            photos.append(photo)
    return shas, photos, errors


def body_from_form(establishment: Establishment, form: FormDefinition, answers: dict[str, Any],
                   notes: str) -> InspectionIn:
    now = utcnow()
    outcome = answers.get("outcome")
    if outcome not in {o.value for o in Outcome}:
        raise AppError(422, "invalid", _("Chưa chọn kết quả kiểm tra."),
                       [FieldError("answers.outcome", "required", _("Hãy chọn kết quả kiểm tra."))])
    started: datetime = now
    raw_start = answers.get("started_at")
    if isinstance(raw_start, str):
        try:
            started = datetime.fromisoformat(raw_start)
        except ValueError:
            started = now
    return InspectionIn(establishment_id=establishment.id, form_id=form.id, form_version=form.version,
                        started_at=as_local(started), submitted_at=now, location=None, answers=answers,
                        outcome=Outcome(outcome), notes=notes[:10_000])
