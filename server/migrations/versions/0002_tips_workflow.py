"""tips: workflow history, running deadline, outcome check, public-form rate limit, hotspot history

Revision ID: 0002_tips_workflow
Revises: 0001_initial
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "0002_tips_workflow"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)
#: Frozen copy of TipOutcome / HotspotStatus at this revision.
OUTCOMES = ("inspection_done", "sanctioned", "transferred_to_investigation", "unfounded")
HOTSPOT_STATUSES = ("active", "monitored", "eradicated")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_due_at", UTC, nullable=True))
        batch_op.add_column(sa.Column("next_due_step", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("missed_deadline", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_check_constraint(op.f("ck_tips_outcome"), _in("outcome", OUTCOMES))
        batch_op.create_index("ix_tips_next_due_at", ["next_due_at"], unique=False)
        batch_op.create_index("ix_tips_handler_id", ["handler_id"], unique=False)
    with op.batch_alter_table("hotspots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("monitored_on", sa.Date(), nullable=True))
    op.create_table(
        "tip_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_tip_events_actor_id_users")),
        sa.ForeignKeyConstraint(["tip_id"], ["tips.id"], name=op.f("fk_tip_events_tip_id_tips"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_events")),
    )
    op.create_index("ix_tip_events_tip_at", "tip_events", ["tip_id", "at"], unique=False)
    op.create_table(
        "tip_public_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_public_posts")),
    )
    op.create_index("ix_tip_public_posts_client_at", "tip_public_posts", ["client", "at"], unique=False)
    op.create_table(
        "hotspot_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hotspot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", UTC, nullable=False),
        sa.CheckConstraint(_in("status", HOTSPOT_STATUSES), name=op.f("ck_hotspot_events_status")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_hotspot_events_actor_id_users")),
        sa.ForeignKeyConstraint(["hotspot_id"], ["hotspots.id"], name=op.f("fk_hotspot_events_hotspot_id_hotspots"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotspot_events")),
    )
    op.create_index("ix_hotspot_events_hotspot", "hotspot_events", ["hotspot_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hotspot_events_hotspot", table_name="hotspot_events")
    op.drop_table("hotspot_events")
    op.drop_index("ix_tip_public_posts_client_at", table_name="tip_public_posts")
    op.drop_table("tip_public_posts")
    op.drop_index("ix_tip_events_tip_at", table_name="tip_events")
    op.drop_table("tip_events")
    with op.batch_alter_table("hotspots", schema=None) as batch_op:
        batch_op.drop_column("monitored_on")
    with op.batch_alter_table("tips", schema=None) as batch_op:
        batch_op.drop_index("ix_tips_handler_id")
        batch_op.drop_index("ix_tips_next_due_at")
        batch_op.drop_constraint("ck_tips_outcome", type_="check")
        batch_op.drop_column("missed_deadline")
        batch_op.drop_column("next_due_step")
        batch_op.drop_column("next_due_at")
