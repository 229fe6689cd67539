"""Column types that mean the same thing on SQLite and PostgreSQL, and the metadata conventions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Deterministic constraint and index names, so hand-written migrations can drop or alter them by name
# and SQLite batch migrations can recreate them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    """A `MetaData` for a service's tables.py, with Loom's naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, always returned as a timezone-aware UTC `datetime`.

    PostgreSQL stores ``timestamp with time zone``. SQLite stores UTC as a fixed-width ISO 8601 string
    (``YYYY-MM-DD HH:MM:SS.ffffff``), so text order is time order and range queries use the index.
    Naive datetimes are refused: their meaning depends on the machine that wrote them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive on SQLite, which cannot keep an offset)."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime needs a datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"UtcDateTime refuses naive datetime {value.isoformat()}; attach a timezone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored instant as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class JsonDocument(TypeDecorator[Any]):
    """A JSON value: ``jsonb`` on PostgreSQL (compact, indexable), JSON text on SQLite."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick JSONB on PostgreSQL and the generic JSON type elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def autoincrement_bigint() -> TypeEngine[int]:
    """A 64-bit auto-increment primary key type.

    SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY (its 64-bit rowid), so the
    column is INTEGER there and BIGINT (identity-backed) on PostgreSQL.
    """
    return BigInteger().with_variant(Integer(), "sqlite")
