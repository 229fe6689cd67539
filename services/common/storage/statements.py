"""Portable INSERT ... ON CONFLICT statements.

SQLite and PostgreSQL spell "insert or update" the same way but SQLAlchemy offers it only through each
dialect's own `insert()`. `upsert` and `insert_ignore` return one statement that is compiled into the right
dialect's form when it runs, so callers stay dialect-agnostic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable


class OnConflictInsert(Executable, ClauseElement):
    """A multi-row INSERT with an ON CONFLICT action, rendered for the dialect that executes it."""

    # Each statement embeds its rows, so a compiled form is never reused; caching would only fill memory.
    inherit_cache = False

    def __init__(
        self,
        table: Table,
        rows: Sequence[Mapping[str, Any]],
        index_elements: Sequence[str],
        update_columns: Sequence[str] | None,
    ) -> None:
        """Validate the column names up front so a typo fails here, not as a database error."""
        if not rows:
            raise ValueError(f"insert into {table.name}: no rows given")
        if not index_elements:
            raise ValueError(f"insert into {table.name}: index_elements must name the conflict key")
        known = set(table.c.keys())
        named = set(index_elements) | set(update_columns or ()) | {key for row in rows for key in row}
        unknown = sorted(named - known)
        if unknown:
            raise ValueError(f"insert into {table.name}: unknown columns {unknown}")
        self.table = table
        self.rows = [dict(row) for row in rows]
        self.index_elements = list(index_elements)
        self.update_columns = None if update_columns is None else list(update_columns)

    def dialect_statement(self, dialect_name: str) -> Executable:
        """The equivalent statement built with `dialect_name`'s own insert construct."""
        if dialect_name == "postgresql":
            stmt: Any = postgresql.insert(self.table).values(self.rows)
        elif dialect_name == "sqlite":
            stmt = sqlite.insert(self.table).values(self.rows)
        else:
            raise CompileError(f"ON CONFLICT inserts support sqlite and postgresql, not {dialect_name}")
        if not self.update_columns:
            # insert_ignore, or an upsert with nothing to change: keep the existing row.
            return stmt.on_conflict_do_nothing(index_elements=self.index_elements)
        return stmt.on_conflict_do_update(
            index_elements=self.index_elements,
            set_={name: stmt.excluded[name] for name in self.update_columns},
        )


@compiles(OnConflictInsert, "sqlite")
def _compile_sqlite(element: OnConflictInsert, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.dialect_statement("sqlite"), **kw)


@compiles(OnConflictInsert, "postgresql")
def _compile_postgresql(element: OnConflictInsert, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.dialect_statement("postgresql"), **kw)


@compiles(OnConflictInsert)
def _compile_other(element: OnConflictInsert, compiler: SQLCompiler, **kw: Any) -> str:
    if compiler.dialect.name == "default":
        # str(statement) in a debugger or a log line: show the PostgreSQL form.
        return compiler.process(element.dialect_statement("postgresql"), **kw)
    raise CompileError(f"ON CONFLICT inserts support sqlite and postgresql, not {compiler.dialect.name}")


def upsert(
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    index_elements: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> OnConflictInsert:
    """Insert `rows`; where one collides on `index_elements`, overwrite its `update_columns` instead.

    `update_columns` defaults to every column present in the rows except the conflict key. Rows must all
    have the same keys. Keep batches to a few thousand values: SQLite caps bound parameters per statement.
    """
    if update_columns is None:
        keys = [key for key in rows[0] if key not in set(index_elements)] if rows else []
        update_columns = keys
    return OnConflictInsert(table, rows, index_elements, update_columns)


def insert_ignore(
    table: Table, rows: Sequence[Mapping[str, Any]], index_elements: Sequence[str]
) -> OnConflictInsert:
    """Insert `rows`, silently skipping any that collide on `index_elements` (ON CONFLICT DO NOTHING).

    The result's ``rowcount`` is the number of rows actually inserted, which makes this a dedup check.
    """
    return OnConflictInsert(table, rows, index_elements, None)


__all__ = ["OnConflictInsert", "insert_ignore", "upsert"]
