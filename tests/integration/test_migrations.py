"""Every service's migrations, run on real SQLite and PostgreSQL, build exactly the tables in its tables.py."""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table, inspect, text
from sqlalchemy.engine import Connection, Dialect

from services.common.migrate import (
    SERVICES_DIR as services_dir,
)
from services.common.migrate import (
    alembic_config,
    current_revision,
    head_revision,
    main,
    migrate,
    services_with_migrations,
    version_table,
)
from services.common.storage import Database

# Services that own both tables.py and a migration tree; every one of them is checked.
SERVICES = [name for name in services_with_migrations() if (services_dir / name / "tables.py").is_file()]


def test_the_services_that_need_tables_have_migrations() -> None:
    assert {"ingestion", "identity"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_each_migration_tree_is_one_linear_history(service: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(service))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert [rev.down_revision for rev in revisions][-1] is None
    assert all(rev.module.downgrade.__doc__ for rev in revisions), "every revision documents its downgrade"


def declared_metadata(service: str) -> MetaData:
    metadata = importlib.import_module(f"services.{service}.tables").metadata
    assert isinstance(metadata, MetaData)
    return metadata


# Spellings a database reports back for a type declared under another name.
_SYNONYMS = {"postgresql": {"FLOAT": "DOUBLE PRECISION"}}


def type_name(column: Column[Any], dialect: Dialect) -> str:
    name = column.type.compile(dialect=dialect)
    return _SYNONYMS.get(dialect.name, {}).get(name, name)


def describe_table(table: Table, dialect: Dialect) -> dict[str, Any]:
    """What a table looks like to the database: column types as this dialect spells them, keys, indexes."""
    return {
        "columns": {column.name: (type_name(column, dialect), column.nullable) for column in table.columns},
        "primary_key": [column.name for column in table.primary_key.columns],
        "indexes": {
            index.name: ([column.name for column in index.columns], bool(index.unique))
            for index in table.indexes
        },
    }


def reflect(connection: Connection) -> dict[str, dict[str, Any]]:
    reflected = MetaData()
    reflected.reflect(connection)
    return {name: describe_table(table, connection.dialect) for name, table in reflected.tables.items()}


@pytest.mark.parametrize("service", SERVICES)
async def test_migrating_an_empty_database_yields_exactly_the_declared_tables(db_url: str, service: str) -> None:
    await migrate(db_url, service)
    async with Database.from_url(db_url) as db, db.connect() as conn:
        actual = await conn.run_sync(reflect)
        expected = {
            name: describe_table(table, conn.dialect) for name, table in declared_metadata(service).tables.items()
        }
    assert actual.pop(version_table(service))["columns"] == {"version_num": ("VARCHAR(32)", False)}
    assert actual == expected


async def test_migrate_is_idempotent_and_records_the_head_revision(db_url: str) -> None:
    await migrate(db_url, "ingestion")
    await migrate(db_url, "ingestion")
    async with Database.from_url(db_url) as db:
        assert await current_revision(db, "ingestion") == head_revision("ingestion")
        async with db.connect() as conn:
            versions = (await conn.execute(text(f"SELECT version_num FROM {version_table('ingestion')}"))).all()
    assert [row[0] for row in versions] == [head_revision("ingestion")]


async def test_services_sharing_one_database_keep_separate_histories(db_url: str) -> None:
    await migrate(db_url, "ingestion")
    await migrate(db_url, "identity")
    async with Database.from_url(db_url) as db:
        assert await current_revision(db, "ingestion") == head_revision("ingestion")
        assert await current_revision(db, "identity") == head_revision("identity")
        async with db.connect() as conn:
            tables = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    declared = set(declared_metadata("ingestion").tables) | set(declared_metadata("identity").tables)
    assert tables == declared | {"alembic_version_ingestion", "alembic_version_identity"}


async def test_replicas_migrating_at_the_same_time_all_succeed(db_url: str) -> None:
    await asyncio.gather(*(migrate(db_url, "identity") for _ in range(3)))
    async with Database.from_url(db_url) as db:
        assert await current_revision(db, "identity") == head_revision("identity")


async def test_a_database_before_any_migration_has_no_revision(database: Database) -> None:
    assert await current_revision(database, "identity") is None


def test_cli_migrates_the_named_services_and_reports_their_revision(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli' / 'loom.db'}"
    assert main(["ingestion", "identity", "--url", url]) == 0
    out = capsys.readouterr().out
    assert f"ingestion: at {head_revision('ingestion')} (alembic_version_ingestion" in out
    assert f"identity: at {head_revision('identity')} (alembic_version_identity" in out


def test_cli_rejects_an_unknown_service_and_a_bad_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nosuch", "--url", "sqlite+aiosqlite:///unused.db"]) == 2
    err = capsys.readouterr().err
    assert "service 'nosuch' has no migrations (services with migrations: " in err
    assert all(name in err for name in SERVICES)
    assert main(["ingestion", "--url", "mysql://u:secret@h/db"]) == 2
    err = capsys.readouterr().err
    assert "unsupported database 'mysql'" in err and "secret" not in err
