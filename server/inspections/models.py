"""Inspections (one visit, one filled form), the form versions they used, members and photo evidence."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, enum_check, utcnow


class Outcome(enum.StrEnum):
    COMPLIANT = "compliant"
    VIOLATIONS = "violations"
    CLOSED_AT_VISIT = "closed_at_visit"
    REFUSED_ENTRY = "refused_entry"


class ReviewState(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    ESCALATED = "escalated"
    REJECTED = "rejected"


class FormVersion(Base):
    """A form definition exactly as an inspection used it; immutable once stored."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    form_id: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        enum_check("outcome", Outcome),
        enum_check("review_state", ReviewState),
        Index("ix_inspections_ward_year", "ward_id", "year"),
        Index("ix_inspections_establishment_year", "establishment_id", "year"),
        Index("ix_inspections_team_year", "team_id", "year"),
        Index("ix_inspections_review_state", "review_state"),
        Index("ix_inspections_body_sha256", "body_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id"))
    #: The establishment's ward at the time of the visit, so coverage never moves with later edits.
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    #: Calendar year of ``started_at`` in Vietnamese time (Asia/Ho_Chi_Minh).
    year: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    violations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    violation_count: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(20))
    notes: Mapped[str] = mapped_column(Text, default="")
    review_state: Mapped[str] = mapped_column(String(20), default=ReviewState.SUBMITTED.value)
    #: sha256 of the canonical request body: the same body again is a 200, another body a 409.
    body_sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Signatures drawn on the phone: [{role, name, sha256, signed_at}], the PNGs stored like photos (by sha256).
    #: Part of the body, so inside ``body_sha256`` (server/inspections/signatures.py).
    signatures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class InspectionMember(Base):
    __tablename__ = "inspection_members"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("inspections.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class Attachment(Base):
    """Photo evidence; the bytes live under the data directory, named by their sha256."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("inspection_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionVersion(Base):
    """An earlier body of an inspection, kept when a returned inspection is resubmitted."""

    __tablename__ = "inspection_versions"
    __table_args__ = (UniqueConstraint("inspection_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    violations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The content hash of that body (``/verify/{hash}`` finds superseded versions by it).
    body_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
