"""Alembic migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from server.migrate import upgrade
from server.models import Base
from tests.dbs import Databases, run


def test_upgrade_on_an_empty_database_matches_the_models(databases: Databases) -> None:
    url = databases.new()

    async def check(engine):  # type: ignore[no-untyped-def]
        await upgrade(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        return diff, tables

    diff, tables = run(check, url)
    assert diff == []
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(databases: Databases) -> None:
    url = databases.new()

    async def twice(engine):  # type: ignore[no-untyped-def]
        await upgrade(engine)
        await upgrade(engine)

    run(twice, url)


def test_migrations_have_one_head() -> None:
    from alembic.script import ScriptDirectory

    from server.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_a_migration_round_trip_keeps_every_row(databases: Databases, seeded_template: str) -> None:
    """SQLite alters by copying tables: with foreign keys on, dropping the old copy of ``inspections`` would
    cascade to its reviews and versions. A round trip through the newest migrations keeps every row."""
    from server.migrate import downgrade
    from tests.dbs import execute

    url = databases.new(template=seeded_template)
    tables = ("inspections", "reviews", "inspection_versions", "attachments", "follow_ups", "establishments")
    before = {t: execute(url, f"SELECT count(*) FROM {t}")[0][0] for t in tables}
    assert before["reviews"] > 0

    async def round_trip(engine):  # type: ignore[no-untyped-def]
        await downgrade(engine, "0003_merge")
        await upgrade(engine)

    run(round_trip, url)
    assert {t: execute(url, f"SELECT count(*) FROM {t}")[0][0] for t in tables} == before
