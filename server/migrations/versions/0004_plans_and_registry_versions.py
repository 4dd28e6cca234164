"""planning: a plan's targets T3–T11; registry: the versions of each business as recorded (closed years)

Existing businesses get one current version recorded since REGISTRY_EPOCH: what the registry held before
versions were kept counts for every year, as it did.

Revision ID: 0004_plans_registry_versions
Revises: 0003_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_plans_registry_versions"
down_revision: str | Sequence[str] | None = "0003_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("targets", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.create_table(
        "establishment_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("establishment_id", sa.Integer(), sa.ForeignKey("establishments.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("recorded_from", sa.Date(), nullable=False),
        sa.Column("recorded_to", sa.Date(), nullable=True),
        sa.Column("ward_id", sa.Integer(), sa.ForeignKey("wards.id"), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
    )
    op.create_index("ix_establishment_versions_establishment_id", "establishment_versions", ["establishment_id"])
    op.create_index("ix_establishment_versions_as_of", "establishment_versions",
                    ["recorded_from", "recorded_to", "establishment_id"])
    op.execute("INSERT INTO establishment_versions (establishment_id, recorded_from, recorded_to, ward_id, type, "
               "status, opened_on, closed_on) SELECT id, '2000-01-01', NULL, ward_id, type, status, opened_on, "
               "closed_on FROM establishments")


def downgrade() -> None:
    op.drop_index("ix_establishment_versions_as_of", table_name="establishment_versions")
    op.drop_index("ix_establishment_versions_establishment_id", table_name="establishment_versions")
    op.drop_table("establishment_versions")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("targets")
