"""review: the transition check on reviews, and the webhook outbox

Revision ID: 0002_review_outbox
Revises: 0001_initial
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002_review_outbox"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Frozen copy of server/review/transitions.py at this revision (a later change needs a new migration).
TRANSITIONS = (
    ("submitted", "approve", "approved"),
    ("submitted", "return", "returned"),
    ("submitted", "escalate", "escalated"),
    ("submitted", "reject", "rejected"),
    ("escalated", "approve", "approved"),
    ("escalated", "return", "returned"),
    ("escalated", "reject", "rejected"),
    ("returned", "resubmit", "submitted"),
)
CHECK = " OR ".join(f"(from_state = '{f}' AND decision = '{d}' AND to_state = '{t}')" for f, d, t in TRANSITIONS)


def upgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_check_constraint("transition", CHECK)
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("delivered_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'dead')", name=op.f("ck_webhook_outbox_status")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_webhook_outbox_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_outbox")),
        sa.UniqueConstraint("event_id", "url", name=op.f("uq_webhook_outbox_event_id_url")),
    )
    with op.batch_alter_table("webhook_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_outbox_status_next", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("webhook_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_outbox_status_next")
    op.drop_table("webhook_outbox")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint("ck_reviews_transition", type_="check")
