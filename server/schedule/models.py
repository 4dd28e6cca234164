"""Capacity as data: what each team can do in a day, when each type of business may be inspected, and the
drafts of schedules waiting for a team lead to publish them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, enum_check, utcnow
from server.registry.models import EstablishmentType


class TeamCapacity(Base):
    """A team's field time: when its day in the field starts, how many hours it lasts, how many days a week it
    goes out, and how long a visit takes by business type (minutes; types left out use the defaults)."""

    __tablename__ = "team_capacities"
    __table_args__ = (
        CheckConstraint("field_hours > 0 AND field_hours <= 16", name="field_hours_range"),
        CheckConstraint("start_min >= 0 AND start_min < 1440", name="start_min_range"),
        CheckConstraint("days_per_week >= 0 AND days_per_week <= 7", name="days_per_week_range"),
    )

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    start_min: Mapped[int] = mapped_column(Integer)
    field_hours: Mapped[float] = mapped_column(Float)
    days_per_week: Mapped[int] = mapped_column(Integer)
    visit_minutes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TypeHours(Base):
    """The hours of the day a type of business can be inspected (minutes from midnight; 0–1440: any time)."""

    __tablename__ = "type_hours"
    __table_args__ = (
        enum_check("type", EstablishmentType),
        CheckConstraint("opens_min >= 0 AND opens_min < closes_min AND closes_min <= 1440", name="hours_range"),
    )

    type: Mapped[str] = mapped_column(String(20), primary_key=True)
    opens_min: Mapped[int] = mapped_column(Integer)
    closes_min: Mapped[int] = mapped_column(Integer)


class ScheduleDraft(Base):
    """A planned stretch of days (``days``: [{date, team_id, stops: [{establishment_id, arrive_at}],
    distance_m}]) that a team lead reviews, edits and publishes as assignments."""

    __tablename__ = "schedule_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    days: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: the forecast per ward when it was planned (meaningful when ``full``: every team was planned)
    forecast: Mapped[list[Any]] = mapped_column(JSON, default=list)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
