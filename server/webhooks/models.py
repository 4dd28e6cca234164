"""The webhook outbox: one row per event and receiver, written in the transaction of the change."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base, UTCDateTime, enum_check, utcnow


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    #: Gave up after the maximum attempts; an admin re-queues it from the webhooks page.
    DEAD = "dead"


class WebhookDelivery(Base):
    __tablename__ = "webhook_outbox"
    __table_args__ = (
        UniqueConstraint("event_id", "url"),
        enum_check("status", DeliveryStatus),
        Index("ix_webhook_outbox_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Sent as X-Kiemtra-Delivery: the same on every retry, so receivers drop duplicates.
    event_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(60))
    url: Mapped[str] = mapped_column(Text)
    #: The exact bytes that are signed and sent (canonical JSON).
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: When the row is next due; a claimed row is leased by moving this forward.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
