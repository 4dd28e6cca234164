"""schedule: team capacities, inspection hours by business type, schedule drafts

Revision ID: 0007_schedule_capacity
Revises: 0006_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types.datetime import DateTimeUTC
from alembic import op

revision: str = "0007_schedule_capacity"
down_revision: str | Sequence[str] | None = "0006_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPES = "'karaoke', 'dance_hall', 'lodging', 'massage', 'bar', 'hair_salon'"


def upgrade() -> None:
    op.create_table(
        "team_capacities",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("field_hours", sa.Float(), nullable=False),
        sa.Column("days_per_week", sa.Integer(), nullable=False),
        sa.Column("visit_minutes", sa.JSON(), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("field_hours > 0 AND field_hours <= 16", name=op.f("ck_team_capacities_field_hours_range")),
        sa.CheckConstraint("start_min >= 0 AND start_min < 1440", name=op.f("ck_team_capacities_start_min_range")),
        sa.CheckConstraint("days_per_week >= 0 AND days_per_week <= 7",
                           name=op.f("ck_team_capacities_days_per_week_range")),
    )
    op.create_table(
        "type_hours",
        sa.Column("type", sa.String(20), primary_key=True),
        sa.Column("opens_min", sa.Integer(), nullable=False),
        sa.Column("closes_min", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"type IN ({TYPES})", name=op.f("ck_type_hours_type")),
        sa.CheckConstraint("opens_min >= 0 AND opens_min < closes_min AND closes_min <= 1440",
                           name=op.f("ck_type_hours_hours_range")),
    )
    op.create_table(
        "schedule_drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("days", sa.JSON(), nullable=False),
        sa.Column("forecast", sa.JSON(), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("schedule_drafts")
    op.drop_table("type_hours")
    op.drop_table("team_capacities")
