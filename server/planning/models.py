"""Teams, yearly plans with per-ward targets, and assignments (a team's day route)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.db import Base, UTCDateTime, enum_check, utcnow


class TeamKind(enum.StrEnum):
    CITY = "city"
    WARD = "ward"


class StopStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    NOT_FOUND = "not_found"
    CLOSED = "closed"
    REFUSED_ENTRY = "refused_entry"


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (enum_check("kind", TeamKind),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), nullable=True)
    base_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    base_lon: Mapped[float | None] = mapped_column(Float, nullable=True)

    members: Mapped[list[TeamMember]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)


class Plan(Base):
    """A year's plan: its period, the default per-ward ratio and the city team's count (T1, T2), and the
    targets T3–T11 as the plan states them (``server.planning.schemas.PlanTargets``, JSON)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    ward_target_ratio: Mapped[float] = mapped_column(Float, default=0.8)
    city_team_target: Mapped[int] = mapped_column(Integer, default=35)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    targets: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PlanWardTarget(Base):
    __tablename__ = "plan_ward_targets"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"), primary_key=True)
    target_ratio: Mapped[float] = mapped_column(Float)


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_team_date", "team_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stops: Mapped[list[AssignmentStop]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AssignmentStop.position"
    )


class AssignmentStop(Base):
    __tablename__ = "assignment_stops"
    __table_args__ = (UniqueConstraint("assignment_id", "position"), enum_check("status", StopStatus))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"))
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default=StopStatus.PLANNED.value)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), nullable=True)


class ActivityKind(enum.StrEnum):
    MEETING = "meeting"
    LEAFLET = "leaflet"
    BROADCAST = "broadcast"
    TRAINING = "training"
    OTHER = "other"


class Audience(enum.StrEnum):
    """Who an awareness activity reached; the first three are T9's audiences."""

    BUSINESS_WORKERS = "business_workers"
    INDUSTRIAL_WORKERS = "industrial_workers"
    STUDENTS = "students"
    PUBLIC = "public"


class WardYear(Base):
    """What a ward reports for a plan year on T6–T11 (aggregates only: no field names a person)."""

    __tablename__ = "ward_years"
    __table_args__ = (UniqueConstraint("year", "ward_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    #: T6: the ward's yearly plan (its number and date, or the stored file's name).
    plan_document: Mapped[str] = mapped_column(String(300), default="")
    #: T7: folded into the ward's other programmes.
    integrated: Mapped[bool] = mapped_column(Boolean, default=False)
    integration_note: Mapped[str] = mapped_column(Text, default="")
    #: T8: free of prostitution, since when, on what basis.
    free_of_prostitution: Mapped[bool] = mapped_column(Boolean, default=False)
    free_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    free_basis: Mapped[str] = mapped_column(Text, default="")
    #: T10: the pilot model run in the ward (empty: none).
    pilot_model: Mapped[str] = mapped_column(String(300), default="")
    #: T9's denominators: people of each audience in the ward.
    business_workers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    industrial_workers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    students: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: T11, counts only: needing support, of those qualifying, of those receiving it.
    support_needing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    support_qualifying: Mapped[int | None] = mapped_column(Integer, nullable=True)
    support_receiving: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AwarenessActivity(Base):
    """T5 and T9: one awareness activity of a ward (when, what, for whom, how many people it reached)."""

    __tablename__ = "awareness_activities"
    __table_args__ = (enum_check("kind", ActivityKind), enum_check("audience", Audience),
                      Index("ix_awareness_activities_year_ward", "year", "ward_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(30))
    people_reached: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
