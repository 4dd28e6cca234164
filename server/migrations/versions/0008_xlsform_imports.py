"""xlsform: uploaded XLSForms read into draft versions of a checklist, published by the city office; joins
the two 0007 branches (coverage figures, schedule capacity) into one head

Revision ID: 0008_xlsform_imports
Revises: 0007_coverage_figures, 0007_schedule_capacity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0008_xlsform_imports"
down_revision: str | Sequence[str] | None = ("0007_coverage_figures", "0007_schedule_capacity")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(length=50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_form_imports_uploaded_by_users")),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"], name=op.f("fk_form_imports_published_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_imports")),
    )


def downgrade() -> None:
    op.drop_table("form_imports")
