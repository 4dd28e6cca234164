"""The demo's review history: ward police and the city office approve most of 2023's inspections, return a
few to their inspectors, escalate and reject a handful, and leave the latest ones waiting, all through the
review service so the demo obeys every rule (transition table, audit events) a real one does."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.services import current_user_of
from server.identity import CurrentUser
from server.inspections.models import Inspection
from server.review.followups import create_follow_up
from server.review.models import Decision, FollowUpKind, Review, SubjectKind
from server.review.schemas import FollowUpIn, ReviewIn
from server.review.services import decide
from server.settings import Settings
from server.wards.models import Ward

SEED = 2028
#: Ward police of the demo (the other wards are reviewed by the city office).
POLICE = {"14755": "police.hamrong", "14758": "police.dongtho"}
#: Share of the inspections, newest first, still waiting for review.
WAITING = 0.12
COMMENTS = {
    Decision.RETURN: "Thiếu ảnh giấy chứng nhận đủ điều kiện về ANTT; đề nghị chụp bổ sung và ghi rõ họ tên "
                     "người đại diện.",
    Decision.ESCALATE: "Cơ sở có dấu hiệu hoạt động mại dâm trá hình (phòng kín, khoá trong); đề nghị thành phố "
                       "chỉ đạo kiểm tra đột xuất.",
    Decision.REJECT: "Đã xác minh: vị trí GPS cách cơ sở quá xa, đoàn không đến cơ sở; lượt kiểm tra không được "
                     "công nhận.",
}


async def load_reviews(session: AsyncSession, city_office: str, returned_to: str) -> int:
    """Review the demo history once (nothing if any review exists); returns how many decisions were made."""
    if await session.scalar(select(Review.id).limit(1)) is not None:
        return 0
    rng = random.Random(SEED)
    settings = Settings(secret_key="x" * 32)  # no webhooks during the seed
    rows = (await session.execute(select(Inspection.uuid, Inspection.inspector_id, Ward.code,
                                         Inspection.violation_count, Inspection.started_at)
                                  .join(Ward, Ward.id == Inspection.ward_id)
                                  .order_by(Inspection.started_at, Inspection.id))).tuples().all()
    reviewers: dict[str, CurrentUser] = {}

    async def reviewer(username: str) -> CurrentUser:
        if username not in reviewers:
            reviewers[username] = await current_user_of(session, username)
        return reviewers[username]

    inspector = await current_user_of(session, returned_to)
    own_returns = 2  # the demo inspector finds work returned to them on their home page
    escalations = 3  # and the city office finds a few escalated by the ward police
    decided = 0
    for uuid, inspector_id, ward, violations, started in rows[: round(len(rows) * (1 - WAITING))]:
        police = POLICE.get(ward)
        roll = rng.random()
        if inspector_id == inspector.id and own_returns:
            decision, own_returns = Decision.RETURN, own_returns - 1
        elif police and escalations and roll < 0.2:
            decision, escalations = Decision.ESCALATE, escalations - 1
        elif roll < 0.03:
            decision = Decision.RETURN
        elif roll < 0.05:
            decision = Decision.REJECT
        else:
            decision = Decision.APPROVE
        user = await reviewer(police or city_office)
        await decide(session, settings, user, uuid, ReviewIn(decision, COMMENTS.get(decision, "")))
        decided += 1
        if decision == Decision.APPROVE and violations:
            await _follow_ups(session, settings, user, uuid, started.date(), rng)
    return decided


async def _follow_ups(session: AsyncSession, settings: Settings, user: CurrentUser, uuid: str, day: date,
                      rng: random.Random) -> None:
    """A sanction and a remediation deadline (some of them long past) for an approved finding."""
    await create_follow_up(session, settings, user, uuid, FollowUpIn(
        kind=FollowUpKind.SANCTION, decision_no=f"{rng.randint(10, 480)}/QĐ-XPHC", decision_date=day + timedelta(7),
        authority="Chủ tịch UBND " + ("phường" if rng.random() < 0.8 else "thành phố"),
        legal_ref="Nghị định 144/2021/NĐ-CP", fine_vnd=rng.choice([1_000_000, 2_500_000, 5_000_000, 10_000_000]),
        subject_kind=rng.choice(list(SubjectKind))))
    await create_follow_up(session, settings, user, uuid, FollowUpIn(
        kind=FollowUpKind.REMEDIATION, deadline=day + timedelta(30), note="Khắc phục các vi phạm đã nêu"))
