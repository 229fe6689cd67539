"""Schema migrations: every service upgrades its own tables with its own Alembic history.

Each service keeps hand-written Alembic revisions in ``services/<svc>/migrations/versions/`` and a tiny
``env.py`` that calls `run_env`. Its version table is ``alembic_version_<svc>``, so services that share one
database never read or overwrite each other's history. No alembic.ini is involved: the Alembic config is
built here, in code.

`migrate` is idempotent and safe to call at every start, also from several replicas at once: the upgrade
runs in one transaction that first takes a lock (an advisory lock on PostgreSQL, the write lock on SQLite).

Operators and the Helm pre-install Job run::

    python -m services.common.migrate ingestion identity [--url postgresql+asyncpg://...]
    python -m services.common.migrate all

Adding a revision: copy the newest file in ``services/<svc>/migrations/versions/``, bump ``revision``, set
``down_revision`` to the previous one, write the ``op`` calls by hand (types from
`services.common.storage`, never imports of tables.py, so old revisions stay frozen) and change tables.py
to match; tests/integration/test_migrations.py fails until both agree on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
import weakref
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

import services
from services.common.storage import Database, DatabaseConfigError, parse_database_url

SERVICES_DIR = Path(services.__file__).resolve().parent
WORKFLOWS_DIR = SERVICES_DIR.parent / "workflows"
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownServiceError(ValueError):
    """The named service has no ``migrations/`` tree."""


def version_table(service: str) -> str:
    """The Alembic version table of `service`, e.g. ``alembic_version_identity``."""
    return f"alembic_version_{service}"


def migrations_dir(service: str) -> Path:
    """The migration tree of `service`; raises `UnknownServiceError` if it has none."""
    path = SERVICES_DIR / service / "migrations"
    if not (path / "env.py").is_file():
        # Workflow packages that own tables (journeys) keep their migrations beside their code.
        path = WORKFLOWS_DIR / service / "migrations"
    if not _SERVICE_NAME.match(service) or not (path / "env.py").is_file():
        known = ", ".join(services_with_migrations()) or "none"
        raise UnknownServiceError(f"service {service!r} has no migrations (services with migrations: {known})")
    return path


def services_with_migrations() -> list[str]:
    """Every service under ``services/`` that owns a migration tree, sorted by name."""
    found = [*SERVICES_DIR.glob("*/migrations/env.py"), *WORKFLOWS_DIR.glob("*/migrations/env.py")]
    return sorted(path.parent.parent.name for path in found if _SERVICE_NAME.match(path.parent.parent.name))


def alembic_config(service: str, connection: Connection | None = None) -> Config:
    """An Alembic `Config` for `service`, built in code; `connection` is handed to its env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir(service)))
    # Silences Alembic's warning about legacy whitespace splitting; Loom has one version location per tree.
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["service"] = service
    cfg.attributes["connection"] = connection
    return cfg


def head_revision(service: str) -> str | None:
    """The newest revision in `service`'s migration tree (None for an empty tree)."""
    return ScriptDirectory.from_config(alembic_config(service)).get_current_head()


def run_env(service: str, target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``: run the pending revisions on the given connection.

    `target_metadata` (the service's tables.py) lets a developer compare models and migrations with
    Alembic's autogenerate tooling; upgrades themselves only run the hand-written revisions.
    """
    from alembic import context

    if context.is_offline_mode():
        raise RuntimeError("offline (--sql) migrations are not supported; run services.common.migrate")
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(f"run {service} migrations through `python -m services.common.migrate {service}`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=version_table(service),
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _lock_key(service: str) -> int:
    """A stable signed 64-bit advisory-lock key for `service` (Python's hash() differs per process)."""
    digest = hashlib.sha256(f"loom-migrate:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _upgrade(connection: Connection, service: str) -> None:
    command.upgrade(alembic_config(service, connection), "head")


def _current(connection: Connection, service: str) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": version_table(service)})
    return context.get_current_revision()


# Alembic's `op` and `context` are process-wide proxies, so two upgrades interleaving on one event loop
# (services started together in one process) would tear each other's context down: one at a time per loop.
_LOOP_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()


def _process_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _LOOP_LOCKS.get(loop)
    if lock is None:
        lock = _LOOP_LOCKS[loop] = asyncio.Lock()
    return lock


async def migrate_database(db: Database, service: str) -> None:
    """Upgrade `service`'s tables in `db` to the newest revision; a no-op when already there."""
    migrations_dir(service)  # fail with the list of known services before touching the database
    async with _process_lock(), db.begin() as conn:
        if db.dialect_name == "postgresql":
            # Replicas starting together queue here; the later ones then find the schema at head.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(service)})
        await conn.run_sync(_upgrade, service)


async def migrate(db_url: str, service: str) -> None:
    """Upgrade `service`'s tables in the database at `db_url` to head (idempotent; run at every start)."""
    db = Database.from_url(db_url, application_name=f"loom-migrate-{service}")
    try:
        await migrate_database(db, service)
    finally:
        await db.dispose()


async def current_revision(db: Database, service: str) -> str | None:
    """The revision `service`'s tables in `db` are at, or None before the first migration."""
    async with db.connect() as conn:
        return await conn.run_sync(_current, service)


def default_db_url() -> str:
    """LOOM_DB_URL, or the services' embedded SQLite file, ``data/loom.db`` under LOOM_HOME (``.loom``)."""
    url = os.environ.get("LOOM_DB_URL")
    if url:
        return url
    home = Path(os.environ.get("LOOM_HOME", ".loom")).expanduser().resolve()
    return f"sqlite+aiosqlite:///{home / 'data' / 'loom.db'}"


async def _migrate_all(db_url: str, names: list[str]) -> list[tuple[str, str | None]]:
    db = Database.from_url(db_url, application_name="loom-migrate")
    try:
        reached = []
        for name in names:
            await migrate_database(db, name)
            reached.append((name, await current_revision(db, name)))
        return reached
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: migrate the named services (or ``all``) and print the revision each reached."""
    parser = argparse.ArgumentParser(
        prog="python -m services.common.migrate",
        description="Upgrade services' database tables to the newest migration (idempotent).",
    )
    parser.add_argument("services", nargs="+", metavar="SERVICE", help="service names, or 'all'")
    parser.add_argument("--url", default=None, help="database URL (default: LOOM_DB_URL, else SQLite in LOOM_HOME)")
    args = parser.parse_args(argv)
    names = services_with_migrations() if args.services == ["all"] else list(dict.fromkeys(args.services))
    try:
        for name in names:
            migrations_dir(name)
        db_url = args.url or default_db_url()
        reached = asyncio.run(_migrate_all(db_url, names))
    except (DatabaseConfigError, UnknownServiceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    shown = parse_database_url(db_url).render_as_string(hide_password=True)
    for name, revision in reached:
        print(f"{name}: at {revision} ({version_table(name)} in {shown})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
