"""Review decisions on inspections and the follow-ups they lead to (sanctions, deadlines, re-inspections)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, enum_check, utcnow


class Decision(enum.StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    ESCALATE = "escalate"
    REJECT = "reject"
    RESUBMIT = "resubmit"


class FollowUpKind(enum.StrEnum):
    SANCTION = "sanction"
    REMEDIATION = "remediation"
    REINSPECTION = "reinspection"
    LICENCE_RECOMMENDATION = "licence_recommendation"


class FollowUpStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class SubjectKind(enum.StrEnum):
    INDIVIDUAL = "individual"
    ORGANISATION = "organisation"


class Review(Base):
    __tablename__ = "reviews"
    #: Plus ``ck_reviews_transition`` over (from_state, decision, to_state), attached by
    #: server/review/transitions.py from the one transition table (the package imports it).
    __table_args__ = (enum_check("decision", Decision),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FollowUp(Base):
    __tablename__ = "follow_ups"
    __table_args__ = (
        enum_check("kind", FollowUpKind),
        enum_check("status", FollowUpStatus),
        enum_check("subject_kind", SubjectKind),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default=FollowUpStatus.OPEN.value)
    decision_no: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decision_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    authority: Mapped[str | None] = mapped_column(String(200), nullable=True)
    legal_ref: Mapped[str | None] = mapped_column(Text, nullable=True)
    fine_vnd: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    subject_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
