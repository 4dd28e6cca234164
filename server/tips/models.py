"""Tip-offs and denunciations (tin báo, tố giác) with their statutory deadlines, and hotspots."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, enum_check, utcnow


class Channel(enum.StrEnum):
    HOTLINE = "hotline"
    IN_PERSON = "in_person"
    LETTER = "letter"
    EMAIL = "email"
    ONLINE = "online"
    TRANSFERRED = "transferred"


class TipCategory(enum.StrEnum):
    TG = "TG"
    TB = "TB"
    KN = "KN"
    TC = "TC"
    PA = "PA"


class Urgency(enum.StrEnum):
    U1 = "U1"
    U2 = "U2"
    U3 = "U3"


class TipStatus(enum.StrEnum):
    RECEIVED = "received"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    VERIFYING = "verifying"
    RESOLVED = "resolved"
    SUSPENDED = "suspended"


class TipOutcome(enum.StrEnum):
    INSPECTION_DONE = "inspection_done"
    SANCTIONED = "sanctioned"
    TRANSFERRED_TO_INVESTIGATION = "transferred_to_investigation"
    UNFOUNDED = "unfounded"


class HotspotStatus(enum.StrEnum):
    ACTIVE = "active"
    MONITORED = "monitored"
    ERADICATED = "eradicated"


class Tip(Base):
    __tablename__ = "tips"
    __table_args__ = (
        enum_check("channel", Channel),
        enum_check("category", TipCategory),
        enum_check("urgency", Urgency),
        enum_check("status", TipStatus),
        enum_check("outcome", TipOutcome),
        Index("ix_tips_ward_received", "ward_id", "received_at"),
        Index("ix_tips_status", "status"),
        Index("ix_tips_next_due_at", "next_due_at"),
        Index("ix_tips_handler_id", "handler_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10), default="staff")
    #: Protected: shown only to the city office and the assigned handler; never exported.
    reporter_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), nullable=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("wards.id"), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str | None] = mapped_column(String(5), nullable=True)
    subject: Mapped[str | None] = mapped_column(String(50), nullable=True)
    urgency: Mapped[str | None] = mapped_column(String(5), nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=TipStatus.RECEIVED.value)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The earliest deadline still running (``deadlines`` has them all); NULL when none runs.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_due_step: Mapped[str | None] = mapped_column(String(30), nullable=True)
    #: Some step was completed after its deadline: the tip can no longer count as handled on time.
    missed_deadline: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TipEvent(Base):
    """The tip's history: every transition, extension and notification, with its reason."""

    __tablename__ = "tip_events"
    __table_args__ = (Index("ix_tip_events_tip_at", "tip_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class PublicPost(Base):
    """One post of the public tip form, kept a few minutes for the per-address rate limit (any worker)."""

    __tablename__ = "tip_public_posts"
    __table_args__ = (Index("ix_tip_public_posts_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: sha256 of the client address with the secret key: counts posts without keeping addresses.
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class TipInspection(Base):
    __tablename__ = "tip_inspections"

    tip_id: Mapped[int] = mapped_column(ForeignKey("tips.id", ondelete="CASCADE"), primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), primary_key=True)


class Hotspot(Base):
    __tablename__ = "hotspots"
    __table_args__ = (enum_check("status", HotspotStatus), Index("ix_hotspots_ward_status", "ward_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishments.id"), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=HotspotStatus.ACTIVE.value)
    evidence: Mapped[str] = mapped_column(Text, default="")
    opened_on: Mapped[date] = mapped_column(Date)
    monitored_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    eradicated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    tip_id: Mapped[int | None] = mapped_column(ForeignKey("tips.id"), nullable=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HotspotEvent(Base):
    """A hotspot's status change with its date and evidence (the register's history)."""

    __tablename__ = "hotspot_events"
    __table_args__ = (enum_check("status", HotspotStatus), Index("ix_hotspot_events_hotspot", "hotspot_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hotspot_id: Mapped[int] = mapped_column(ForeignKey("hotspots.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
