"""inspections: signatures drawn on the phone, content hashes looked up by /verify/{hash}

The signatures of a record (role, name, sha256 of the PNG, time) are part of its body; earlier versions keep
their content hash in a column of their own (it was inside their JSON body), backfilled here.

Revision ID: 0005_inspections_evidence
Revises: 0004_plans_registry_versions
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_inspections_evidence"
down_revision: str | Sequence[str] | None = "0004_plans_registry_versions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspections") as batch:
        batch.add_column(sa.Column("signatures", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.create_index("ix_inspections_body_sha256", ["body_sha256"])
    with op.batch_alter_table("inspection_versions") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))
        batch.create_index("ix_inspection_versions_body_sha256", ["body_sha256"])
    conn = op.get_bind()
    versions = sa.table("inspection_versions", sa.column("id", sa.Integer), sa.column("body", sa.JSON),
                        sa.column("body_sha256", sa.String))
    for row in conn.execute(sa.select(versions.c.id, versions.c.body)).all():
        body = json.loads(row.body) if isinstance(row.body, str) else row.body
        digest = (body or {}).get("body_sha256")
        if digest:
            conn.execute(versions.update().where(versions.c.id == row.id).values(body_sha256=digest))


def downgrade() -> None:
    with op.batch_alter_table("inspection_versions") as batch:
        batch.drop_index("ix_inspection_versions_body_sha256")
        batch.drop_column("body_sha256")
    with op.batch_alter_table("inspections") as batch:
        batch.drop_index("ix_inspections_body_sha256")
        batch.drop_column("signatures")
