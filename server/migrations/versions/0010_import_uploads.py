"""registry: uploaded import files kept in the database (any app machine may check or commit an import)

Revision ID: 0010_import_uploads
Revises: 0009_openrosa_device_tokens
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types.datetime import DateTimeUTC
from alembic import op

revision: str = "0010_import_uploads"
down_revision: str | Sequence[str] | None = "0009_openrosa_device_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_uploads",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("owner", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", DateTimeUTC(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("import_uploads")
