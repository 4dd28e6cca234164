"""coverage: partial index of the inspections that count, by year and business; businesses by ward

Revision ID: 0002_coverage_counted_index
Revises: 0001_initial
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_coverage_counted_index"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTED = sa.text("review_state <> 'rejected'")


def upgrade() -> None:
    op.create_index("ix_inspections_counted", "inspections", ["year", "establishment_id", "started_at"],
                    postgresql_where=COUNTED, sqlite_where=COUNTED)
    op.create_index("ix_establishments_coverage", "establishments", ["ward_id", "status", "opened_on", "closed_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_establishments_coverage", table_name="establishments")
    op.drop_index("ix_inspections_counted", table_name="inspections")
