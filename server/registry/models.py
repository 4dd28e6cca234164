"""The registry of conditional businesses (cơ sở kinh doanh có điều kiện về ANTT)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, enum_check, utcnow


class EstablishmentType(enum.StrEnum):
    KARAOKE = "karaoke"
    DANCE_HALL = "dance_hall"
    LODGING = "lodging"
    MASSAGE = "massage"
    BAR = "bar"
    HAIR_SALON = "hair_salon"


class EstablishmentStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Establishment(Base):
    __tablename__ = "establishments"
    __table_args__ = (
        enum_check("type", EstablishmentType),
        enum_check("status", EstablishmentStatus),
        Index("ix_establishments_ward_type_status", "ward_id", "type", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: A point proposed by the first good GPS fix when none was registered; a team lead confirms it.
    proposed_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    proposed_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    business_reg_no: Mapped[str | None] = mapped_column(String(50), nullable=True, index=True)
    security_cert_no: Mapped[str | None] = mapped_column(String(50), nullable=True)
    operating_licence_no: Mapped[str | None] = mapped_column(String(50), nullable=True)
    legal_rep: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    rooms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: People working there (as registered or counted at a visit): T9's first denominator where known.
    workers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=EstablishmentStatus.ACTIVE.value)
    opened_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ward_override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class EstablishmentVersion(Base):
    """What the registry said of a business from the day a change was recorded (``recorded_from``) until the
    next change (``recorded_to``, exclusive; ``None`` while current): the fields the yearly figures count by.
    A closed year reads the registry as recorded at its end, so later imports and edits never move it."""

    __tablename__ = "establishment_versions"
    __table_args__ = (Index("ix_establishment_versions_as_of", "recorded_from", "recorded_to", "establishment_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishments.id", ondelete="CASCADE"), index=True)
    recorded_from: Mapped[date] = mapped_column(Date)
    recorded_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("wards.id"))
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    opened_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ImportUpload(Base):
    """A registry spreadsheet as uploaded, kept between its check and its commit whichever app machine serves
    each step, and afterwards (the ``establishment.import`` audit event names it by its sha256)."""

    __tablename__ = "import_uploads"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The uploader's user id; 0: the command line.
    owner: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
