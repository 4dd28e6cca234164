"""coverage: the partial index of counted inspections leads with the ward (per-ward distinct counts stream)

Revision ID: 0002_coverage_counted_by_ward
Revises: 0002_coverage_counted_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_coverage_counted_by_ward"
down_revision: str | Sequence[str] | None = "0002_coverage_counted_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = sa.text("review_state <> 'rejected'")


def upgrade() -> None:
    op.drop_index("ix_inspections_counted", table_name="inspections")
    op.create_index("ix_inspections_counted_ward", "inspections", ["year", "ward_id", "establishment_id", "started_at"],
                    postgresql_where=COUNTED, sqlite_where=COUNTED)


def downgrade() -> None:
    op.drop_index("ix_inspections_counted_ward", table_name="inspections")
    op.create_index("ix_inspections_counted", "inspections", ["year", "establishment_id", "started_at"],
                    postgresql_where=COUNTED, sqlite_where=COUNTED)
