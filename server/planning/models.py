"""Teams, yearly plans with per-ward targets, and assignments (a team's day route)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
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
    """A year's plan: the default per-ward ratio and the city team's count (T1, T2)."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    title: Mapped[str] = mapped_column(String(300))
    ward_target_ratio: Mapped[float] = mapped_column(Float, default=0.8)
    city_team_target: Mapped[int] = mapped_column(Integer, default=35)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


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
