"""A year of past inspections for the demo: ward teams cover most wards partly, the city team visits
a few dozen businesses, so the 2023 coverage is neither empty nor complete.

Every inspection goes through the same submission service as the phones, with answers generated to
fit each form, so the demo history obeys every rule a real one does.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.conditions import evaluate
from forms.engine import violations
from forms.spec import FormDefinition, Question
from seed.registry import person
from server.auth.services import current_user_of
from server.i18n import LOCAL_TZ
from server.inspections.models import Inspection, Outcome
from server.inspections.schemas import InspectionIn, LocationIn
from server.inspections.services import submit
from server.registry.models import Establishment
from server.settings import Settings
from server.wards.models import Ward

SEED = 2023
#: Chance that a checklist item is answered as a violation.
VIOLATION_RATE = 0.0


def _value(q: Question, rng: random.Random, started: datetime, answers: dict[str, Any]) -> Any:
    if q.kind == "yes_no_na":
        if q.violation_answers and rng.random() < VIOLATION_RATE:
            return q.violation_answers[0]
        good = [v for v in ("yes", "no") if v not in (q.violation_answers or [])]
        return good[0] if good else "na"
    if q.kind == "number":
        low = int(q.min) if q.min is not None else 0
        high = int(q.max) if q.max is not None else low + 10
        candidates = range(low, high + 1, max(1, (high - low) // 40))
        fine = [v for v in candidates if q.violation_if is None or not evaluate(q.violation_if, {**answers, q.id: v})]
        return rng.choice(fine[:10]) if fine else low
    if q.kind in ("choice", "multi_choice"):
        ids = [c.id for c in q.choices or [] if c.id not in (q.violation_answers or [])]
        return ids[0] if q.kind == "choice" else ids[:1]
    if q.kind == "datetime":
        return (started + timedelta(minutes=45)).isoformat()
    if q.kind == "text":
        return "Không có ý kiến khác."
    return None


def answers_for(form: FormDefinition, rng: random.Random, started: datetime, members: str) -> dict[str, Any]:
    """Answers that pass validation: header fields filled, each relevant question answered."""
    fixed = {"started_at": started.isoformat(), "team_members": members, "outcome": "compliant",
             "representative_name": person(rng), "representative_role": "Chủ cơ sở"}
    answers: dict[str, Any] = {}
    for section, q in form.questions():
        visible = all(evaluate(c, answers) for c in (section.relevant, q.relevant) if c is not None)
        if not visible or q.kind in ("note", "photo"):
            continue
        value = fixed.get(q.id, _value(q, rng, started, answers))
        if value is not None and (q.required or rng.random() < 0.7):
            answers[q.id] = value
    return answers


def _random_time(rng: random.Random) -> datetime:
    """An evening in 2023, Vietnamese time (inspections of these businesses happen at night)."""
    day = datetime(2023, 1, 3, tzinfo=LOCAL_TZ) + timedelta(days=rng.randint(0, 355))
    return (day + timedelta(hours=rng.randint(19, 23), minutes=rng.randint(0, 59))).astimezone(UTC)


async def load_history(session: AsyncSession, team_user: str, ward_users: dict[str, str]) -> int:
    """Add the demo history once (nothing if any inspection exists); returns how many were added."""
    if await session.scalar(select(Inspection.id).limit(1)) is not None:
        return 0
    rng = random.Random(SEED)
    settings = Settings(secret_key="x" * 32)  # presence thresholds only: the defaults
    rows = (await session.execute(select(Establishment, Ward.code).join(Ward, Ward.id == Establishment.ward_id)
                                  .order_by(Establishment.id))).all()
    by_ward: dict[str, list[Establishment]] = {}
    for establishment, code in rows:
        if establishment.opened_on is None or establishment.opened_on.year <= 2023:
            by_ward.setdefault(code, []).append(establishment)
    plan: list[tuple[str, Establishment]] = []
    for code, places in sorted(by_ward.items()):
        share = rng.uniform(0.45, 0.97)
        plan += [(ward_users[code], e) for e in rng.sample(places, round(share * len(places)))]
    city_pick = rng.sample([e for _, e in plan], 38)
    plan += [(team_user, e) for e in city_pick]
    added = 0
    for username, establishment in plan:
        user = await current_user_of(session, username)
        form = registry.for_type(establishment.type)[-1]
        started = _random_time(rng)
        answers = answers_for(form, rng, started, f"{user.full_name} và 02 cán bộ")
        body = InspectionIn(
            establishment_id=establishment.id, form_id=form.id, form_version=form.version, started_at=started,
            submitted_at=started + timedelta(minutes=50),
            location=LocationIn(lat=(establishment.lat or 0) + rng.uniform(-3e-4, 3e-4),
                                lon=(establishment.lon or 0) + rng.uniform(-3e-4, 3e-4),
                                accuracy_m=rng.choice([8.0, 12.0, 15.0, 25.0]),
                                captured_at=started + timedelta(minutes=2)) if establishment.lat else None,
            answers=answers, outcome=Outcome.COMPLIANT, notes="",
        )
        body = _settle_outcome(form, body)
        await submit(session, user, str(uuid.UUID(int=rng.getrandbits(128))), body, settings,
                     now=started + timedelta(minutes=51))
        added += 1
    return added


def _settle_outcome(form: FormDefinition, body: InspectionIn) -> InspectionIn:
    """Declare ``violations`` when the generated answers contain any."""
    if not violations(form, body.answers):
        return body
    return msgspec.structs.replace(body, answers={**body.answers, "outcome": Outcome.VIOLATIONS.value},
                                   outcome=Outcome.VIOLATIONS)
