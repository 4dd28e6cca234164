"""Past inspections for the demo, 2023 through today: in 2023 ward teams cover most wards partly and the city
team visits a few dozen businesses, so the 2023 coverage is neither empty nor complete; each later year has a
lighter history up to yesterday, so the running year is alive (and far from its target).

Every inspection goes through the same submission service as the phones, with answers generated to
fit each form, so the demo history obeys every rule a real one does.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from forms.conditions import evaluate
from forms.engine import violations
from forms.spec import FormDefinition, Question
from seed.registry import person
from server.auth.services import current_user_of
from server.blobs import BlobStore
from server.calendar import LOCAL_TZ, local_today
from server.inspections import get_inspection
from server.inspections.attachments import Photo, attach, inspect_image
from server.inspections.models import Inspection, Outcome
from server.inspections.schemas import InspectionIn, LocationIn
from server.registry.models import Establishment
from server.settings import Settings
from server.submissions import submit
from server.wards.models import Ward

SEED = 2023
#: Chance that a checklist item of the demo history is answered as a violation (about one inspection in six
#: then has a violation, with a generated evidence photo).
VIOLATION_RATE = 0.01
#: How many distinct demo evidence photos there are (shared between inspections: stored once by sha256).
PHOTOS = 12


def _value(q: Question, rng: random.Random, started: datetime, answers: dict[str, Any],
           violation_rate: float = 0.0) -> Any:
    if q.kind == "yes_no_na":
        if q.violation_answers and not q.flag_only and rng.random() < violation_rate:
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


def answers_for(form: FormDefinition, rng: random.Random, started: datetime, members: str,
                violation_rate: float = 0.0) -> dict[str, Any]:
    """Answers that pass validation: header fields filled, each relevant question answered; with a
    ``violation_rate`` some checklist items are violations (the outcome still says compliant: see
    ``_settle_outcome``)."""
    fixed = {"started_at": started.isoformat(), "team_members": members, "outcome": "compliant",
             "representative_name": person(rng), "representative_role": "Chủ cơ sở"}
    answers: dict[str, Any] = {}
    for section, q in form.questions():
        visible = all(evaluate(c, answers) for c in (section.relevant, q.relevant) if c is not None)
        if not visible or q.kind in ("note", "photo"):
            continue
        value = fixed.get(q.id, _value(q, rng, started, answers, violation_rate))
        if value is not None and (q.required or rng.random() < 0.7):
            answers[q.id] = value
    return answers


def _random_time(rng: random.Random, year: int = SEED, days: int = 355) -> datetime:
    """An evening of ``year`` within ``days`` of 3 January, Vietnamese time (inspections of these businesses
    happen at night)."""
    day = datetime(year, 1, 3, tzinfo=LOCAL_TZ) + timedelta(days=rng.randint(0, days))
    return (day + timedelta(hours=rng.randint(19, 23), minutes=rng.randint(0, 59))).astimezone(UTC)


def demo_photo(n: int) -> Photo:
    """A small deterministic JPEG standing in for a photo of evidence (the same bytes on every run)."""
    rng = random.Random(f"photo-{n}")
    image = Image.new("RGB", (320, 240), (rng.randrange(40, 90), rng.randrange(40, 90), rng.randrange(60, 120)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(0, 280), rng.randrange(0, 200)
        draw.rectangle((x, y, x + rng.randrange(20, 120), y + rng.randrange(15, 80)),
                       fill=(rng.randrange(120, 255), rng.randrange(80, 200), rng.randrange(40, 160)))
    draw.text((12, 212), f"ANH CHUNG CU DEMO {n:02d}", fill=(255, 255, 255))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=80)
    return inspect_image(buf.getvalue())


async def load_history(session: AsyncSession, team_user: str, ward_users: dict[str, str],
                       blobs: BlobStore | None = None) -> int:
    """Add the demo history once (nothing if any inspection exists); returns how many were added.

    Inspections with violations need their evidence photos stored, so they are made only when a blob
    store is given (the CLI and the tests give one); without it the history has no violations."""
    if await session.scalar(select(Inspection.id).limit(1)) is not None:
        return 0
    today = local_today()
    rows = (await session.execute(select(Establishment, Ward.code).join(Ward, Ward.id == Establishment.ward_id)
                                  .order_by(Establishment.id))).all()
    added = 0
    for year in range(SEED, today.year + 1):
        days = 355 if year < today.year else (today - date(year, 1, 3)).days - 1
        if days < 0:
            continue
        # 2023 as it always was; later years lighter, in proportion to the part of the year gone by
        rng = random.Random(SEED if year == SEED else f"history-{year}")
        shares, city = ((0.45, 0.97), 38) if year == SEED else ((0.1, 0.4), 20)
        part = 1.0 if year == SEED else min(1.0, (days + 3) / 365)
        by_ward: dict[str, list[Establishment]] = {}
        for establishment, code in rows:
            if establishment.opened_on is None or establishment.opened_on.year <= year:
                by_ward.setdefault(code, []).append(establishment)
        plan: list[tuple[str, Establishment]] = []
        for code, places in sorted(by_ward.items()):
            share = rng.uniform(*shares) * part
            plan += [(ward_users[code], e) for e in rng.sample(places, round(share * len(places)))]
        plan += [(team_user, e) for e in rng.sample([e for _, e in plan], min(len(plan), round(city * part)))]
        added += await _inspect(session, plan, rng, year, days, blobs)
    return added


async def _inspect(session: AsyncSession, plan: list[tuple[str, Establishment]], rng: random.Random, year: int,
                   days: int, blobs: BlobStore | None) -> int:
    """Submit one inspection per (inspector, business) of ``plan`` at a random evening of the year."""
    rate = VIOLATION_RATE if blobs is not None else 0.0
    photos = [demo_photo(n) for n in range(PHOTOS)] if blobs is not None else []
    settings = Settings(secret_key="x" * 32)  # presence thresholds only: the defaults
    added = 0
    for username, establishment in plan:
        user = await current_user_of(session, username)
        form = registry.for_type(establishment.type)[-1]
        started = _random_time(rng, year, days)
        answers = answers_for(form, rng, started, f"{user.full_name} và 02 cán bộ", rate)
        body = InspectionIn(
            establishment_id=establishment.id, form_id=form.id, form_version=form.version, started_at=started,
            submitted_at=started + timedelta(minutes=50),
            location=LocationIn(lat=(establishment.lat or 0) + rng.uniform(-3e-4, 3e-4),
                                lon=(establishment.lon or 0) + rng.uniform(-3e-4, 3e-4),
                                accuracy_m=rng.choice([8.0, 12.0, 15.0, 25.0]),
                                captured_at=started + timedelta(minutes=2)) if establishment.lat else None,
            answers=answers, outcome=Outcome.COMPLIANT, notes="",
        )
        photo = photos[rng.randrange(PHOTOS)] if photos else None
        body = _settle_outcome(form, body, photo)
        key = str(uuid.UUID(int=rng.getrandbits(128)))
        await submit(session, user, key, body, settings, now=started + timedelta(minutes=51))
        if body.outcome == Outcome.VIOLATIONS and photo is not None and blobs is not None:
            await attach(session, user, await get_inspection(session, user, key), photo, blobs)
        added += 1
    return added


def _settle_outcome(form: FormDefinition, body: InspectionIn, photo: Photo | None = None) -> InspectionIn:
    """Declare ``violations`` when the generated answers contain any, with the photo as evidence."""
    if not violations(form, body.answers):
        return body
    assert photo is not None, "violations need an evidence photo"
    answers = {**body.answers, "outcome": Outcome.VIOLATIONS.value, "evidence_photos": [photo.sha256]}
    return msgspec.structs.replace(body, answers=answers, outcome=Outcome.VIOLATIONS)
