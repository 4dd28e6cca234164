"""openrosa: device tokens an admin issues for a user's ODK Collect (only their SHA-256 is kept)

Revision ID: 0009_openrosa_device_tokens
Revises: 0008_xlsform_imports
"""

from collections.abc import Sequence

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision: str = "0009_openrosa_device_tokens"
down_revision: str | Sequence[str] | None = "0008_xlsform_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "device_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=False),
        sa.Column("issued_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("revoked_at", DateTimeUTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_device_tokens_user_id_users")),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name=op.f("fk_device_tokens_issued_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_device_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("device_tokens")
