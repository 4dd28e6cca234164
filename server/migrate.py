"""Schema migrations through Alembic, callable from the CLI, the seed and the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import Access, access

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    """Bring the database to the newest schema (every branch head)."""
    await _migrate(engine, lambda config: command.upgrade(config, revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database back to ``revision`` (tests check that a round trip keeps every row)."""
    await _migrate(engine, lambda config: command.downgrade(config, revision))


async def _migrate(engine: AsyncEngine, step: Callable[[Config], None]) -> None:
    """Run an Alembic command in one transaction.

    On SQLite an ALTER is a table copy (Alembic's batch mode): the old table is dropped, and with foreign
    keys on, dropping it would cascade to every row that refers to it (an inspection's reviews, versions,
    photos). So foreign keys are off while migrating, as SQLite's documentation prescribes for schema
    changes, and checked before they are turned back on: a migration that broke a reference fails."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        if sqlite:
            with access(Access.LATEST):  # outside a transaction: SQLite ignores the pragma inside one
                await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(lambda sync: step(alembic_config(sync)))
                if sqlite:
                    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"the migration broke {len(broken)} reference(s), e.g. {broken[:3]}")
        finally:
            if sqlite:
                with access(Access.LATEST):
                    await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    await conn.commit()


async def revision(engine: AsyncEngine, message: str) -> None:
    """Autogenerate a migration against the database (development helper)."""
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.revision(alembic_config(sync), message=message, autogenerate=True)
        )
