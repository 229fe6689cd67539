"""The storage layer on real SQLite and real PostgreSQL: URLs, transactions, upserts, portable types."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, Column, Integer, String, Table, select, text, update
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import CompileError

from services.common.storage import (
    Database,
    DatabaseConfigError,
    JsonDocument,
    UtcDateTime,
    check_database_url,
    insert_ignore,
    new_metadata,
    parse_database_url,
    upsert,
)

metadata = new_metadata()
items = Table(
    "items",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("hits", BigInteger, nullable=False),
    Column("seen_at", UtcDateTime(), nullable=True),
    Column("doc", JsonDocument(), nullable=True),
)
counters = Table(
    "counters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)


@pytest.fixture
async def db(database: Database) -> Database:
    """The test's fresh database with this module's tables created."""
    async with database.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return database


async def all_items(db: Database) -> dict[str, dict[str, object]]:
    async with db.connect() as conn:
        rows = (await conn.execute(select(items).order_by(items.c.key))).mappings().all()
    return {row["key"]: dict(row) for row in rows}


# --- URLs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sqlite+aiosqlite:///var/loom.db", "sqlite+aiosqlite:///var/loom.db"),
        ("sqlite:////abs/loom.db", "sqlite+aiosqlite:////abs/loom.db"),
        ("postgresql://u:p@h:5432/loom", "postgresql+asyncpg://u:***@h:5432/loom"),
        ("postgres://u@h/loom", "postgresql+asyncpg://u@h/loom"),
        ("postgresql+asyncpg://u@h/loom", "postgresql+asyncpg://u@h/loom"),
    ],
)
def test_database_urls_map_onto_the_async_drivers(raw: str, expected: str) -> None:
    assert parse_database_url(raw).render_as_string(hide_password=True) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("mysql+aiomysql://u:secret@h/db", "unsupported database 'mysql'"),
        ("postgresql+psycopg2://u:secret@h/db", "async driver postgresql+asyncpg"),
        ("not a url", "'not a url' is not a database URL"),
        ("sqlite+aiosqlite://", "names no file"),
        ("sqlite+aiosqlite:///:memory:", "names no file"),
        ("postgresql+asyncpg://u:secret@h", "names no database"),
        ("", "empty"),
    ],
)
def test_unusable_urls_fail_with_the_value_and_no_password(raw: str, fragment: str) -> None:
    with pytest.raises(DatabaseConfigError) as caught:
        parse_database_url(raw)
    assert fragment in str(caught.value)
    assert "secret" not in str(caught.value)


def test_check_database_url_reports_the_problem_as_a_config_check() -> None:
    assert check_database_url("postgresql://h/loom") is None
    assert "unsupported database 'oracle'" in (check_database_url("oracle://h/db") or "")


async def test_sqlite_gets_wal_busy_timeout_foreign_keys_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "loom.db"
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.connect() as conn:
            pragmas = {
                name: (await conn.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
        assert db.dialect_name == "sqlite"
        assert path.exists()
        # synchronous=1 is NORMAL.
        assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1, "busy_timeout": 30000}
    finally:
        await db.dispose()


# --- transactions -------------------------------------------------------------------------------------


async def test_begin_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    async with db.begin() as conn:
        await conn.execute(items.insert().values(key="a", name="kept", hits=1))
    with pytest.raises(RuntimeError, match="boom"):
        async with db.begin() as conn:
            await conn.execute(items.insert().values(key="b", name="lost", hits=1))
            raise RuntimeError("boom")
    assert list(await all_items(db)) == ["a"]


async def test_dialect_name_follows_the_url(database: Database, db_url: str) -> None:
    assert database.dialect_name == db_url.split("+")[0]


# --- upsert and insert_ignore -------------------------------------------------------------------------


async def test_upsert_inserts_new_rows_and_updates_only_the_named_columns(db: Database) -> None:
    async with db.begin() as conn:
        await conn.execute(items.insert().values(key="a", name="old", hits=1))
        await conn.execute(
            upsert(
                items,
                [{"key": "a", "name": "ignored", "hits": 5}, {"key": "b", "name": "new", "hits": 7}],
                index_elements=["key"],
                update_columns=["hits"],
            )
        )
    rows = await all_items(db)
    assert (rows["a"]["name"], rows["a"]["hits"]) == ("old", 5)
    assert (rows["b"]["name"], rows["b"]["hits"]) == ("new", 7)


async def test_upsert_by_default_updates_every_column_but_the_key(db: Database) -> None:
    async with db.begin() as conn:
        await conn.execute(upsert(items, [{"key": "a", "name": "v1", "hits": 1, "doc": {"n": 1}}], ["key"]))
        await conn.execute(upsert(items, [{"key": "a", "name": "v2", "hits": 2, "doc": {"n": 2}}], ["key"]))
    rows = await all_items(db)
    assert (rows["a"]["name"], rows["a"]["hits"], rows["a"]["doc"]) == ("v2", 2, {"n": 2})


async def test_insert_ignore_keeps_existing_rows_and_counts_only_new_ones(db: Database) -> None:
    async with db.begin() as conn:
        first = await conn.execute(insert_ignore(items, [{"key": "a", "name": "first", "hits": 1}], ["key"]))
        second = await conn.execute(
            insert_ignore(
                items,
                [{"key": "a", "name": "second", "hits": 2}, {"key": "b", "name": "b", "hits": 3}],
                ["key"],
            )
        )
    assert (first.rowcount, second.rowcount) == (1, 1)
    rows = await all_items(db)
    assert (rows["a"]["name"], rows["b"]["name"]) == ("first", "b")


def test_on_conflict_statements_reject_unknown_columns_and_empty_batches() -> None:
    with pytest.raises(ValueError, match=r"unknown columns \['nope'\]"):
        upsert(items, [{"key": "a", "nope": 1}], ["key"])
    with pytest.raises(ValueError, match="no rows"):
        insert_ignore(items, [], ["key"])


@pytest.mark.parametrize("dialect", [postgresql.dialect(), sqlite.dialect()], ids=["postgresql", "sqlite"])
def test_on_conflict_statements_render_in_each_dialects_syntax(dialect: Dialect) -> None:
    row = {"key": "a", "name": "n", "hits": 1}
    updating = str(upsert(items, [row], ["key"], ["hits"]).compile(dialect=dialect))
    ignoring = str(insert_ignore(items, [row], ["key"]).compile(dialect=dialect))
    assert re.search(r'ON CONFLICT \("?key"?\) DO UPDATE SET hits = excluded.hits$', updating)
    assert re.search(r'ON CONFLICT \("?key"?\) DO NOTHING$', ignoring)


def test_on_conflict_statements_refuse_other_dialects() -> None:
    with pytest.raises(CompileError, match="not mysql"):
        upsert(items, [{"key": "a", "name": "n", "hits": 1}], ["key"]).compile(dialect=mysql.dialect())


# --- portable types -----------------------------------------------------------------------------------


async def test_utc_datetime_round_trips_as_aware_utc_from_any_offset(db: Database) -> None:
    stockholm = timezone(timedelta(hours=2))
    written = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=stockholm)
    async with db.begin() as conn:
        await conn.execute(items.insert().values(key="a", name="n", hits=0, seen_at=written))
    read = (await all_items(db))["a"]["seen_at"]
    assert isinstance(read, datetime)
    assert read == written
    assert read.tzinfo == UTC
    assert read.hour == 12 and read.microsecond == 123456


async def test_utc_datetime_range_queries_compare_instants_not_local_clock_times(db: Database) -> None:
    base = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    # 13:00 at +05:00 is 08:00 UTC: earlier than "b" although its wall clock reads later.
    early = datetime(2025, 1, 1, 13, 0, tzinfo=timezone(timedelta(hours=5)))
    rows = [
        {"key": "a", "name": "a", "hits": 0, "seen_at": early},
        {"key": "b", "name": "b", "hits": 0, "seen_at": base},
        {"key": "c", "name": "c", "hits": 0, "seen_at": base + timedelta(microseconds=1)},
    ]
    async with db.begin() as conn:
        await conn.execute(items.insert(), rows)
        ordered = (await conn.execute(select(items.c.key).order_by(items.c.seen_at))).scalars().all()
        after = (await conn.execute(select(items.c.key).where(items.c.seen_at >= base))).scalars().all()
    assert ordered == ["a", "b", "c"]
    assert sorted(after) == ["b", "c"]


async def test_utc_datetime_refuses_naive_datetimes(db: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with db.begin() as conn:
            await conn.execute(items.insert().values(key="a", name="n", hits=0, seen_at=datetime(2025, 1, 1)))


async def test_json_document_round_trips_nested_values(db: Database) -> None:
    doc = {"tier": "gold", "scores": [0.5, 1], "nested": {"ok": True, "none": None}, "text": "åäö"}
    async with db.begin() as conn:
        await conn.execute(items.insert().values(key="a", name="n", hits=0, doc=doc))
    assert (await all_items(db))["a"]["doc"] == doc


# --- concurrency --------------------------------------------------------------------------------------


async def test_concurrent_read_modify_write_transactions_neither_fail_nor_lose_updates(db_url: str) -> None:
    """Several engines (as several processes would) increment one counter by reading, then writing.

    On SQLite this is the pattern that fails with "database is locked" under deferred transactions.
    """
    setup = Database.from_url(db_url)
    async with setup.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(counters.insert().values(id=1, value=0))
    writers, increments = 4, 15

    async def writer(db: Database) -> None:
        for _ in range(increments):
            async with db.begin() as conn:
                query = select(counters.c.value).where(counters.c.id == 1).with_for_update()
                current = (await conn.execute(query)).scalar_one()
                await conn.execute(update(counters).where(counters.c.id == 1).values(value=current + 1))

    engines = [Database.from_url(db_url, pool_size=2) for _ in range(writers)]
    try:
        await asyncio.gather(*(writer(db) for db in engines), *(writer(db) for db in engines))
        async with setup.connect() as conn:
            total = (await conn.execute(text("SELECT value FROM counters WHERE id = 1"))).scalar_one()
        assert total == 2 * writers * increments
    finally:
        await asyncio.gather(setup.dispose(), *(db.dispose() for db in engines))
