"""The printable inspection record (biên bản kiểm tra): everything it shows, read against the exact form
version the inspection was filled on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms.kinds import YES_NO_NA
from server.auth.models import User
from server.i18n import local_time
from server.inspections.attachments import referenced_photos
from server.inspections.forms import definition_of
from server.inspections.models import Attachment, FormVersion, Inspection
from server.planning.models import Plan, Team
from server.registry.models import Establishment
from server.wards.models import Ward

YES_NO_NA_LABELS = dict(zip(YES_NO_NA, ({"vi": "Có", "en": "Yes"}, {"vi": "Không", "en": "No"},
                                        {"vi": "Không áp dụng", "en": "N/A"}), strict=True))
#: The grounds of every visit, whatever the form (legal-research §3).
LEGAL_GROUNDS = (
    "Nghị định số 96/2016/NĐ-CP ngày 01/7/2016 của Chính phủ quy định điều kiện về an ninh, trật tự đối với "
    "một số ngành, nghề đầu tư kinh doanh có điều kiện (sửa đổi, bổ sung bởi Nghị định số 56/2023/NĐ-CP và "
    "Nghị định số 58/2026/NĐ-CP)",
    "Nghị định số 54/2019/NĐ-CP ngày 19/6/2019 của Chính phủ quy định về kinh doanh dịch vụ karaoke, dịch vụ "
    "vũ trường (sửa đổi, bổ sung bởi Nghị định số 148/2024/NĐ-CP)",
)


def answer_text(question: dict[str, Any], value: Any, lang: str) -> str:
    """An answer as words (choice labels, yes/no), not ids."""
    if value is None:
        return ""
    kind = question["kind"]
    if kind == "yes_no_na":
        return YES_NO_NA_LABELS.get(value, {}).get(lang, str(value))
    if kind in ("choice", "multi_choice"):
        labels = {c["id"]: c["label"].get(lang) or c["label"]["vi"] for c in question.get("choices") or []}
        values = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(v, str(v)) for v in values)
    if kind == "datetime" and isinstance(value, str):
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if kind == "number":
        unit = question.get("unit") or ""
        return f"{value:g} {unit}".strip() if isinstance(value, int | float) else str(value)
    return str(value)


async def record_context(session: AsyncSession, inspection: Inspection) -> dict[str, Any]:
    establishment = await session.get(Establishment, inspection.establishment_id)
    ward = await session.get(Ward, inspection.ward_id)
    form_row = await session.get(FormVersion, inspection.form_version_id)
    inspector = await session.get(User, inspection.inspector_id)
    team = await session.get(Team, inspection.team_id) if inspection.team_id is not None else None
    plan = await session.scalar(select(Plan).where(Plan.year == inspection.year))
    assert establishment and ward and form_row and inspector
    definition = definition_of(form_row)
    attached = {a.sha256: a for a in await session.scalars(
        select(Attachment).where(Attachment.inspection_id == inspection.id).order_by(Attachment.id))}
    referenced = await referenced_photos(session, inspection)
    photos = [{"sha256": s, "attachment": attached.get(s)} for s in referenced]
    violated = {v["question_id"]: v for v in inspection.violations}
    sections = []
    for section in form_row.definition["sections"]:
        rows = []
        for q in section["questions"]:
            if q["kind"] in ("note", "photo") or q["id"] not in inspection.answers:
                continue
            rows.append({"question": q, "value": inspection.answers[q["id"]], "violation": violated.get(q["id"])})
        if rows:
            sections.append({"section": section, "rows": rows})
    return {
        "inspection": inspection, "establishment": establishment, "ward": ward, "inspector": inspector,
        "team": team, "plan": plan, "form": definition, "form_row": form_row, "sections": sections,
        "photos": photos, "missing_photos": [p["sha256"] for p in photos if p["attachment"] is None],
        "grounds": LEGAL_GROUNDS, "answers": inspection.answers,
    }
