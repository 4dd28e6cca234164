"""planning: what wards report for T5–T11 (ward_years, awareness_activities)

Revision ID: 0005_ward_year_indicators
Revises: 0004_plans_registry_versions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types.datetime import DateTimeUTC
from alembic import op

revision: str = "0005_ward_year_indicators"
down_revision: str | Sequence[str] | None = "0004_plans_registry_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ward_years",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("wards.id"), nullable=False),
        sa.Column("plan_document", sa.String(300), nullable=False),
        sa.Column("integrated", sa.Boolean(), nullable=False),
        sa.Column("integration_note", sa.Text(), nullable=False),
        sa.Column("free_of_prostitution", sa.Boolean(), nullable=False),
        sa.Column("free_since", sa.Date(), nullable=True),
        sa.Column("free_basis", sa.Text(), nullable=False),
        sa.Column("pilot_model", sa.String(300), nullable=False),
        sa.Column("business_workers", sa.Integer(), nullable=True),
        sa.Column("industrial_workers", sa.Integer(), nullable=True),
        sa.Column("students", sa.Integer(), nullable=True),
        sa.Column("support_needing", sa.Integer(), nullable=True),
        sa.Column("support_qualifying", sa.Integer(), nullable=True),
        sa.Column("support_receiving", sa.Integer(), nullable=True),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.UniqueConstraint("year", "ward_id"),
    )
    op.create_index("ix_ward_years_year", "ward_years", ["year"])
    op.create_table(
        "awareness_activities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("wards.id"), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("audience", sa.String(30), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.CheckConstraint("kind IN ('meeting', 'leaflet', 'broadcast', 'training', 'other')",
                           name=op.f("ck_awareness_activities_kind")),
        sa.CheckConstraint("audience IN ('business_workers', 'industrial_workers', 'students', 'public')",
                           name=op.f("ck_awareness_activities_audience")),
    )
    op.create_index("ix_awareness_activities_year_ward", "awareness_activities", ["year", "ward_id"])


def downgrade() -> None:
    op.drop_index("ix_awareness_activities_year_ward", table_name="awareness_activities")
    op.drop_table("awareness_activities")
    op.drop_index("ix_ward_years_year", table_name="ward_years")
    op.drop_table("ward_years")
