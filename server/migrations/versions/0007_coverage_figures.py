"""coverage: each ward's figures of a year kept (coverage_figures), and the triggers that mark them stale;
registry: the number of people working at a business (T9's first denominator)

Every write that can move a ward's coverage figures (a visit recorded, reviewed or moved; a business opened,
closed, edited or moved; a registry version written) adds a row to ``coverage_dirty`` naming the ward and the
year, from a trigger, so that no write path (the ORM, Core, a bulk import, SQL typed by hand) can forget it.
Readers recompute only the wards marked (``server/coverage/figures.py``). The rows are appended, never updated:
concurrent writers take no lock on one another.

Revision ID: 0007_coverage_figures
Revises: 0006_merge
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_coverage_figures"
down_revision: str | Sequence[str] | None = "0006_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The years a registry change is marked in: every year with a plan or with figures kept.
YEARS = "(SELECT year FROM plans UNION SELECT year FROM coverage_years)"

#: (table, columns whose update moves figures, the SELECT of (year, ward_id) rows to mark for row R).
MARKS = (
    ("inspections", "ward_id, establishment_id, year, review_state, started_at, team_id",
     # The ward the visit recorded and every ward its business was registered in (the year's registry).
     "SELECT R.year, w FROM (SELECT R.ward_id AS w UNION SELECT ward_id FROM establishments "
     "WHERE id = R.establishment_id UNION SELECT ward_id FROM establishment_versions "
     "WHERE establishment_id = R.establishment_id) AS m WHERE w IS NOT NULL"),
    ("establishments", "ward_id, status, opened_on, closed_on",
     f"SELECT y.year, R.ward_id FROM {YEARS} AS y WHERE R.ward_id IS NOT NULL"),
    ("establishment_versions", "ward_id, status, opened_on, closed_on, recorded_from, recorded_to",
     f"SELECT y.year, R.ward_id FROM {YEARS} AS y WHERE R.ward_id IS NOT NULL"),
)
#: Tables (and the columns of an update) that move which wards a year counts in, its registry day or which
#: visits are the city team's: every kept figure is dropped. A plan's targets are read live, not kept.
RESETS = (("wards", "valid_from, valid_to"), ("plans", "starts_on"), ("teams", "kind"))


def _mark(select: str, row: str) -> str:
    return f"INSERT INTO coverage_dirty (year, ward_id) {select.replace('R.', row + '.')};"


def _sqlite_triggers() -> list[str]:
    out = []
    for table, columns, select in MARKS:
        out.append(f"CREATE TRIGGER coverage_{table}_ins AFTER INSERT ON {table} BEGIN {_mark(select, 'NEW')} END")
        out.append(f"CREATE TRIGGER coverage_{table}_del AFTER DELETE ON {table} BEGIN {_mark(select, 'OLD')} END")
        out.append(f"CREATE TRIGGER coverage_{table}_upd AFTER UPDATE OF {columns} ON {table} "
                   f"BEGIN {_mark(select, 'OLD')} {_mark(select, 'NEW')} END")
    for table, columns in RESETS:
        for event in ("INSERT", f"UPDATE OF {columns}", "DELETE"):
            out.append(f"CREATE TRIGGER coverage_{table}_{event.lower()[:3]} AFTER {event} ON {table} "
                       "BEGIN DELETE FROM coverage_figures; END")
    return out


def _postgres_triggers() -> list[str]:
    out = []
    for table, columns, select in MARKS:
        out.append(f"""CREATE FUNCTION coverage_mark_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN {_mark(select, 'OLD')} END IF;
  IF TG_OP <> 'DELETE' THEN {_mark(select, 'NEW')} END IF;
  RETURN NULL;
END $$""")
        out.append(f"CREATE TRIGGER coverage_{table} AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION coverage_mark_{table}()")
    out.append("""CREATE FUNCTION coverage_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM coverage_figures;
  RETURN NULL;
END $$""")
    for table, columns in RESETS:
        out.append(f"CREATE TRIGGER coverage_{table} AFTER INSERT OR UPDATE OF {columns} OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION coverage_reset()")
    return out


def upgrade() -> None:
    op.create_table(
        "coverage_figures",
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("ward_id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("open_n", sa.Integer(), nullable=False),
        sa.Column("inspected", sa.Integer(), nullable=False),
        sa.Column("others", sa.Integer(), nullable=False),
        sa.Column("city_team", sa.Integer(), nullable=False),
        sa.Column("months", sa.String(200), nullable=False),
    )
    op.create_table(
        "coverage_dirty",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_coverage_dirty_year_ward", "coverage_dirty", ["year", "ward_id"])
    op.create_table("coverage_years", sa.Column("year", sa.Integer(), primary_key=True))
    op.create_index("ix_establishment_versions_ward", "establishment_versions",
                    ["ward_id", "recorded_from", "recorded_to"])
    op.add_column("establishments", sa.Column("workers", sa.Integer(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _postgres_triggers() if postgres else _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _, _ in MARKS:
            op.execute(f"DROP TRIGGER coverage_{table} ON {table}")
            op.execute(f"DROP FUNCTION coverage_mark_{table}()")
        for table, _ in RESETS:
            op.execute(f"DROP TRIGGER coverage_{table} ON {table}")
        op.execute("DROP FUNCTION coverage_reset()")
    else:
        for table, _, _ in MARKS:
            for event in ("ins", "del", "upd"):
                op.execute(f"DROP TRIGGER coverage_{table}_{event}")
        for table, _ in RESETS:
            for event in ("ins", "upd", "del"):
                op.execute(f"DROP TRIGGER coverage_{table}_{event}")
    op.drop_index("ix_establishment_versions_ward", table_name="establishment_versions")
    op.drop_table("coverage_years")
    with op.batch_alter_table("establishments") as batch:
        batch.drop_column("workers")
    op.drop_index("ix_coverage_dirty_year_ward", table_name="coverage_dirty")
    op.drop_table("coverage_dirty")
    op.drop_table("coverage_figures")
