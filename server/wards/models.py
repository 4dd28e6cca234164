"""Administrative units (phường, xã) with their boundary and validity period."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, enum_check


class WardKind(enum.StrEnum):
    PHUONG = "phường"
    XA = "xã"


class Ward(Base):
    """One unit as it stood between ``valid_from`` and ``valid_to``; a year's coverage uses that year's units."""

    __tablename__ = "wards"
    __table_args__ = (UniqueConstraint("code", "valid_from"), enum_check("kind", WardKind))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    name: Mapped[str] = mapped_column(String(100))
    full_name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
