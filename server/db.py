"""Database plumbing: declarative base, engine set-up for SQLite and PostgreSQL, shared column types."""

from __future__ import annotations

import contextlib
import contextvars
import enum
import hashlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, Connection, MetaData, String, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, SessionTransactionOrigin
from sqlalchemy.sql.functions import GenericFunction

from server import sqlite_driver

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: How long a SQLite writer waits for the write lock before "database is locked".
BUSY_TIMEOUT_S = 30


class Access(enum.Enum):
    """What the next transaction of this request is for. SQLite begins it accordingly; PostgreSQL only
    tells ``LATEST`` apart (no transaction: asyncpg's autocommit)."""

    #: ``BEGIN IMMEDIATE``: it may write, so it takes the write lock up front.
    WRITE = "write"
    #: ``BEGIN``: several reads from one snapshot, no write lock.
    READ = "read"
    #: No ``BEGIN``: each statement reads the latest commit; for one-statement lookups and for checks the
    #: writes repeat (it saves two trips to the database per transaction). Reads only: a write here
    #: would commit on its own.
    LATEST = "latest"


#: Set per request (by the auth middleware from the method) and narrowed with ``access``.
access_var: contextvars.ContextVar[Access] = contextvars.ContextVar("access", default=Access.WRITE)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name every constraint."""

    metadata = MetaData(naming_convention=NAMING)


UTCDateTime = DateTimeUTC(timezone=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_check(column: str, values: type[enum.StrEnum], name: str | None = None) -> CheckConstraint:
    """A check constraint that keeps ``column`` inside a closed set of values."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


def _json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


#: JSON columns (answers, violations, audit payloads) through msgspec: several times faster than the
#: standard library, same values back.
JSON_CODEC = {"json_serializer": _json_text, "json_deserializer": msgspec.json.decode}


def make_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and up-front write locks."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, module=sqlite_driver.dbapi(), connect_args={"timeout": BUSY_TIMEOUT_S},
                                     **JSON_CODEC)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    else:
        engine = create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **JSON_CODEC)
    event.listen(engine.sync_engine, "begin", lambda conn: _begin(conn, access_var.get()))
    return engine


class sha256_hex(GenericFunction[str]):
    """``sha256_hex(text)``: the SHA-256 of the text's UTF-8 bytes, in hex. PostgreSQL has ``sha256``;
    SQLite gets the function from Python on every connection."""

    type = String()
    inherit_cache = True


@compiles(sha256_hex, "postgresql")
def _sha256_hex_postgresql(element: sha256_hex, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    return f"encode(sha256(convert_to({compiler.process(element.clauses, **kw)}, 'UTF8')), 'hex')"


def _sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _on_sqlite_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Transactions are begun by _begin (the driver sends the BEGIN with the first statement), not by
    # pysqlite's implicit BEGIN, as the SQLAlchemy docs advise.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
    dbapi_connection.create_function("sha256_hex", 1, _sha256_hex, deterministic=True)


def _begin(conn: Connection, mode: Access) -> None:
    """Begin the connection's transaction for ``mode`` (run by SQLAlchemy's ``begin`` event)."""
    conn.info["access"] = mode
    dbapi_connection = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        # Access.LATEST: asyncpg runs the statements without BEGIN/COMMIT (two round trips fewer).
        dbapi_connection.autocommit = mode is Access.LATEST  # type: ignore[union-attr]
        return
    if mode is Access.LATEST:
        return
    # A deferred transaction that reads and then writes fails with SQLITE_BUSY when another
    # writer committed in between; taking the write lock at BEGIN makes writers queue instead.
    try:
        dbapi_connection.begin(write=mode is Access.WRITE, timeout_s=BUSY_TIMEOUT_S)  # type: ignore[union-attr]
    except sqlite3.Error as error:  # as SQLAlchemy reports a failed statement ("database is locked")
        raise DBAPIError.instance("BEGIN", None, error, sqlite3.Error) from error


@contextlib.contextmanager
def access(mode: Access) -> Iterator[None]:
    """Transactions begun inside the block are for ``mode``."""
    token = access_var.set(mode)
    try:
        yield
    finally:
        access_var.reset(token)


def engine_of(session: AsyncSession) -> AsyncEngine:
    """The engine behind a session, whether it is bound to the engine or to one of its connections."""
    bind = session.bind
    return bind if isinstance(bind, AsyncEngine) else bind.engine  # type: ignore[union-attr]


def connection_of(session: AsyncSession) -> AsyncConnection | None:
    """The connection a session is bound to (a request's session), or None (bound to the engine)."""
    bind = session.bind
    return bind if isinstance(bind, AsyncConnection) else None


def in_callers_transaction(session: AsyncSession) -> bool:
    """Whether the session runs inside a transaction its caller began (``session.begin()``: the seed,
    the CLI), whose writes the caller commits."""
    outer = session.sync_session.get_transaction()
    return outer is not None and outer.origin is not SessionTransactionOrigin.AUTOBEGIN


@contextlib.asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[None]:
    """The writes of a request that read first: the read transaction ends (it wrote nothing), a write
    transaction begins (SQLite: writers queue) and commits at the end of the block, or rolls back.

    Writes here see the latest committed state, not the reads' snapshot: a write that depends on a read
    re-checks it (a unique key, ``WHERE ... IS NULL``). Inside a transaction the caller began itself
    (``session.begin()``: the seed, the CLI) the writes join that transaction and the caller commits."""
    if in_callers_transaction(session):
        yield
        return
    with access(Access.WRITE):
        if session.in_transaction() and (await session.connection()).info.get("access") is Access.LATEST:
            # The reads ran without BEGIN: the write transaction begins on the same connection.
            await (await session.connection()).run_sync(_begin, Access.WRITE)
        else:
            await session.commit()
        try:
            yield
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


class RequestConnection:
    """A request's one database connection, checked out on first use and returned when the request ends.

    The session check and the handler's session share it: one pool checkout (and one liveness ping on
    PostgreSQL) per request instead of two."""

    __slots__ = ("_conn", "_engine")

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def get(self) -> AsyncConnection:
        if self._conn is None:
            self._conn = await self._engine.connect()
        return self._conn

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await conn.close()  # rolls back whatever is still open

