"""Join the branches the domains grew in parallel (coverage, review, tips) into one head.

Revision ID: 0003_merge
Revises: 0002_coverage_counted_by_ward, 0002_review_outbox, 0002_tips_workflow
"""

from collections.abc import Sequence

revision: str = "0003_merge"
down_revision: str | Sequence[str] | None = (
    "0002_coverage_counted_by_ward",
    "0002_review_outbox",
    "0002_tips_workflow",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
