"""Loom's relational storage: one async engine per service, portable types and ON CONFLICT statements.

SQLite (``sqlite+aiosqlite:///path``) is the embedded default; PostgreSQL (``postgresql+asyncpg://...``)
is chosen by URL. Each service declares its tables in ``services/<svc>/tables.py`` and owns the Alembic
migrations that create them (see `services.common.migrate`).
"""

from services.common.storage.database import (
    SQLITE_BUSY_TIMEOUT_MS,
    Database,
    DatabaseConfigError,
    check_database_url,
    parse_database_url,
)
from services.common.storage.statements import OnConflict, insert_ignore, upsert
from services.common.storage.types import (
    NAMING_CONVENTION,
    JsonDocument,
    UtcDateTime,
    autoincrement_bigint,
    new_metadata,
)

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "Database",
    "DatabaseConfigError",
    "JsonDocument",
    "NAMING_CONVENTION",
    "OnConflict",
    "UtcDateTime",
    "autoincrement_bigint",
    "check_database_url",
    "insert_ignore",
    "new_metadata",
    "parse_database_url",
    "upsert",
]
