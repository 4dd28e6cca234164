"""Helpers of the review tests: pick seeded inspections by ward and state, make fresh submissions."""

from __future__ import annotations

import random
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from seed.history import answers_for
from tests.dbs import execute, run

HAM_RONG, DONG_THO = "14755", "14758"


def inspection_in(url: str, ward: str, state: str = "submitted", offset: int = 0) -> str:
    """The uuid of a seeded inspection in ``ward``, put into review ``state`` behind the app's back."""
    rows = execute(url, "SELECT i.uuid FROM inspections i JOIN wards w ON w.id = i.ward_id WHERE w.code = :c "
                        "ORDER BY i.id LIMIT 1 OFFSET :o", {"c": ward, "o": offset})
    uuid = rows[0][0]
    execute(url, "UPDATE inspections SET review_state = :s WHERE uuid = :u", {"s": state, "u": uuid})
    return uuid


def state_of(url: str, uuid: str) -> str:
    return execute(url, "SELECT review_state FROM inspections WHERE uuid = :u", {"u": uuid})[0][0]


def with_violation(url: str, uuid: str) -> None:
    """Give a seeded (compliant) inspection one violation, as if the form had found it."""
    violation = {"question_id": "fire_safety", "section_id": "s1", "label": {"vi": "Không có bình chữa cháy",
                 "en": "No fire extinguisher"}, "answer": "no", "severity": "major",
                 "legal_basis": "Điều 12 Nghị định 144/2021/NĐ-CP", "sanction": None, "verification": None,
                 "flag_only": False}
    execute(url, "UPDATE inspections SET violations = :v, violation_count = 1, outcome = 'violations' "
                 "WHERE uuid = :u", {"v": msgspec.json.encode([violation]).decode(), "u": uuid})


def new_body(url: str, ward: str, notes: str = "") -> Any:
    """A valid submission body for a business of ``ward`` (built like the demo history)."""
    from forms import registry
    from server.inspections.models import Outcome
    from server.inspections.schemas import InspectionIn, LocationIn

    est_id, typ, lat, lon = execute(
        url, "SELECT e.id, e.type, e.lat, e.lon FROM establishments e JOIN wards w ON w.id = e.ward_id "
             "WHERE w.code = :c AND e.lat IS NOT NULL ORDER BY e.id LIMIT 1", {"c": ward})[0]
    form = registry.for_type(typ)[-1]
    started = datetime(2023, 11, 2, 13, 0, tzinfo=UTC)
    answers = answers_for(form, random.Random(5), started, "Lê Văn Kiểm và 02 cán bộ")
    return InspectionIn(establishment_id=est_id, form_id=form.id, form_version=form.version, started_at=started,
                        submitted_at=started + timedelta(minutes=40),
                        location=LocationIn(lat=lat, lon=lon, accuracy_m=10.0,
                                            captured_at=started + timedelta(minutes=2)),
                        answers=answers, outcome=Outcome.COMPLIANT, notes=notes)


def submit_as(url: str, username: str, uuid: str, body: Any) -> tuple[Any, bool]:
    """Send a body through the submission service (the phone's PUT path) as ``username``."""
    from server.auth.services import current_user_of
    from server.db import make_sessionmaker
    from server.settings import Settings
    from server.submissions import submit

    async def go(engine):  # type: ignore[no-untyped-def]
        async with make_sessionmaker(engine)() as session, session.begin():
            user = await current_user_of(session, username)
            return await submit(session, user, uuid, body, Settings(secret_key="x" * 32))

    return run(go, url)


def as_json(value: Any) -> Any:
    """A JSON column as read behind the app's back: text on SQLite, already decoded on PostgreSQL."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def fresh_uuid() -> str:
    return str(uuidlib.uuid4())
