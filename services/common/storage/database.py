"""One relational database for a Loom service: SQLite by default, PostgreSQL by URL.

`Database` owns an SQLAlchemy `AsyncEngine` configured for the dialect it talks to. SQLite gets the pragmas
that make a single file safe for several concurrent writers (WAL, a busy timeout, write transactions that
take the write lock up front); PostgreSQL gets a bounded, self-healing connection pool.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_

# The async drivers Loom ships with; a bare dialect name is mapped onto them because operators usually
# paste URLs like postgresql://... from an operator-managed secret.
_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}
_SCHEME_ALIASES = {"postgres": "postgresql"}

# How long a SQLite writer waits for the file's write lock before giving up with "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution option set by `Database.begin()`; the SQLite begin hook reads it to choose BEGIN IMMEDIATE.
_WRITE_TRANSACTION = "loom_write_transaction"


class DatabaseConfigError(ValueError):
    """A database URL Loom cannot use; the message names the offending (password-masked) value."""


def _mask(raw: str) -> str:
    """Hide the password of a URL-looking string that SQLAlchemy could not parse."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", raw)


def parse_database_url(raw: str) -> URL:
    """Parse and validate a database URL, mapping bare dialect names onto Loom's async drivers.

    Accepted: ``sqlite+aiosqlite:///path/to/file.db`` (or ``sqlite:///...``) and
    ``postgresql+asyncpg://user:pass@host:port/db`` (or ``postgresql://`` / ``postgres://``).
    Raises `DatabaseConfigError` for anything else.
    """
    if not raw or not raw.strip():
        raise DatabaseConfigError("LOOM_DB_URL is empty; expected sqlite+aiosqlite:///path or postgresql+asyncpg://...")
    try:
        url = make_url(raw.strip())
    except ArgumentError as exc:
        raise DatabaseConfigError(f"LOOM_DB_URL {_mask(raw)!r} is not a database URL: {exc}") from None
    # Split drivername by hand: url.get_driver_name() imports the dialect, which fails for aliases.
    scheme, _, driver = url.drivername.partition("+")
    backend = _SCHEME_ALIASES.get(scheme, scheme)
    shown = url.render_as_string(hide_password=True)
    if backend not in _DRIVERS:
        raise DatabaseConfigError(
            f"LOOM_DB_URL {shown!r} uses unsupported database {backend!r}; "
            "use sqlite+aiosqlite:///path or postgresql+asyncpg://..."
        )
    expected = _DRIVERS[backend]
    if driver and driver != expected:
        raise DatabaseConfigError(
            f"LOOM_DB_URL {shown!r} uses driver {driver!r}; Loom needs the async driver {backend}+{expected}"
        )
    url = url.set(drivername=f"{backend}+{expected}")
    if backend == "sqlite" and (not url.database or url.database == ":memory:"):
        # Every pooled connection would get its own private in-memory database, so writes would vanish.
        raise DatabaseConfigError(f"LOOM_DB_URL {shown!r} names no file; use sqlite+aiosqlite:///path/to/loom.db")
    if backend == "postgresql" and not url.database:
        raise DatabaseConfigError(f"LOOM_DB_URL {shown!r} names no database; add /<dbname> to the URL")
    return url


def check_database_url(value: str) -> str | None:
    """Config field check: None when `value` is a usable database URL, else the reason it is not."""
    try:
        parse_database_url(value)
    except DatabaseConfigError as exc:
        return str(exc)
    return None


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (a persistent setting), retrying while another connection holds a lock.

    SQLite answers a journal-mode change with "database is locked" at once, without its busy handler,
    when connections open a new file together; the retry waits on the event loop, never blocking it.
    """
    delay, waited = 0.005, 0.0
    while True:
        try:
            cursor.execute("PRAGMA journal_mode")
            if cursor.fetchone()[0] != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # the driver's OperationalError, whichever adapter wraps it
            if "database is locked" not in str(exc) or waited * 1000 >= SQLITE_BUSY_TIMEOUT_MS:
                raise
        # The connect event runs inside SQLAlchemy's greenlet, where await_ suspends on the running loop.
        await_(asyncio.sleep(delay))
        waited += delay
        delay = min(delay * 2, 0.1)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Install the pragmas and transaction handling that make SQLite safe for concurrent writers."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _on_begin): the driver's own implicit BEGIN comes too late
        # for DDL and never takes the write lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock (SQLite answers
        # "database is locked" at once to avoid a deadlock), so write transactions lock up front and
        # queue behind each other through busy_timeout.
        write = conn.get_execution_options().get(_WRITE_TRANSACTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """An async engine for one database, with transaction helpers that behave the same on every dialect."""

    def __init__(self, engine: AsyncEngine) -> None:
        """Wrap an engine already configured by `from_url` (use that, not this, in services)."""
        self.engine = engine

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        application_name: str | None = None,
        pool_size: int = 10,
        max_overflow: int = 10,
        echo: bool = False,
    ) -> Database:
        """Build a `Database` from a LOOM_DB_URL value.

        SQLite files get their parent directory created. For PostgreSQL, `application_name` shows up in
        pg_stat_activity and `pool_size` + `max_overflow` bound the connections one process opens.
        """
        parsed = parse_database_url(url)
        if parsed.get_backend_name() == "sqlite":
            assert parsed.database is not None  # parse_database_url rejects a URL without a file
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(parsed, echo=echo)
            _configure_sqlite(engine)
            return cls(engine)
        server_settings = {"application_name": application_name} if application_name else {}
        engine = create_async_engine(
            parsed,
            echo=echo,
            pool_size=pool_size,
            max_overflow=max_overflow,
            # A connection killed by a failover or an idle timeout is replaced instead of failing a request.
            pool_pre_ping=True,
            pool_recycle=1800,
            pool_timeout=30,
            connect_args={"server_settings": server_settings, "timeout": 10},
        )
        return cls(engine)

    @property
    def dialect_name(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The URL with its password hidden, safe for logs."""
        return self.engine.url.render_as_string(hide_password=True)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction: commits when the block ends, rolls back when it raises.

        On SQLite it takes the database's write lock at BEGIN, so concurrent writers queue instead of
        failing with "database is locked".
        """
        async with self.engine.connect() as conn:
            await conn.execution_options(**{_WRITE_TRANSACTION: True})
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads; a transaction begins on first use and rolls back unless committed.

        Write through `begin()`: on SQLite a transaction that starts reading and then writes can fail.
        """
        async with self.engine.connect() as conn:
            yield conn

    async def dispose(self) -> None:
        """Close every pooled connection; call once at shutdown."""
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"
