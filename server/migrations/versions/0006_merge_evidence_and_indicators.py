"""Join the branches grown in parallel from 0004 (record evidence; plan indicators) into one head.

Revision ID: 0006_merge
Revises: 0005_inspections_evidence, 0005_ward_year_indicators
"""

from collections.abc import Sequence

revision: str = "0006_merge"
down_revision: str | Sequence[str] | None = ("0005_inspections_evidence", "0005_ward_year_indicators")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
