"""Portable INSERT ... ON CONFLICT statements.

SQLite and PostgreSQL spell "insert or update" identically, but SQLAlchemy offers it only through each
dialect's own `insert()`. `OnConflict` is a syntax extension for the standard `sqlalchemy.insert()` that
renders through the executing dialect's own ON CONFLICT compiler, so one statement runs on both databases,
is cached like any other statement, and still supports ``.returning()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, alias, insert
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import SyntaxExtension
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal


class OnConflict(SyntaxExtension, ClauseElement):
    """``ON CONFLICT (index_elements) DO UPDATE SET col = excluded.col, ...`` or ``DO NOTHING``.

    Apply it with ``insert(table).ext(OnConflict(...))``; an empty `update_columns` means DO NOTHING.
    """

    __visit_name__ = "loom_on_conflict"
    inherit_cache = True
    # Everything that changes the rendered SQL is part of the cache key.
    _traverse_internals = [
        ("table", InternalTraversal.dp_clauseelement),
        ("index_elements", InternalTraversal.dp_string_list),
        ("update_columns", InternalTraversal.dp_string_list),
    ]

    def __init__(self, table: Table, index_elements: Sequence[str], update_columns: Sequence[str]) -> None:
        """Check the column names now, so a typo fails at the call site rather than in the database."""
        if not index_elements:
            raise ValueError(f"ON CONFLICT on {table.name}: index_elements must name the conflict key")
        _check_columns(table, [*index_elements, *update_columns])
        self.table = table
        self.index_elements = list(index_elements)
        self.update_columns = list(update_columns)

    def apply_to_insert(self, insert_stmt: Insert) -> None:
        """Place the clause after VALUES, replacing an earlier `OnConflict` on the same statement."""
        insert_stmt.apply_syntax_extension_point(self.append_replacing_same_type, "post_values")

    def for_dialect(self, dml: Any) -> ClauseElement:
        """The same clause built from a dialect's dml module (sqlite or postgresql)."""
        if not self.update_columns:
            return dml.OnConflictDoNothing(index_elements=self.index_elements)
        excluded = alias(self.table, name="excluded").c
        return dml.OnConflictDoUpdate(
            index_elements=self.index_elements,
            set_={name: excluded[name] for name in self.update_columns},
        )


@compiles(OnConflict, "sqlite")
def _compile_sqlite(element: OnConflict, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.for_dialect(sqlite_dml), **kw)


@compiles(OnConflict, "postgresql")
def _compile_postgresql(element: OnConflict, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.for_dialect(postgresql_dml), **kw)


@compiles(OnConflict)
def _compile_other(element: OnConflict, compiler: SQLCompiler, **kw: Any) -> str:
    name = compiler.dialect.name
    if name == "default":
        # str(statement) in a debugger or a log line: both dialects render the same text.
        return compiler.process(element.for_dialect(sqlite_dml), **kw)
    raise CompileError(f"ON CONFLICT inserts support sqlite and postgresql, not {name}")


def _check_columns(table: Table, names: Sequence[str]) -> None:
    unknown = sorted(set(names) - set(table.c.keys()))
    if unknown:
        raise ValueError(f"insert into {table.name}: unknown columns {unknown}")


def _values(table: Table, rows: Sequence[Mapping[str, Any]]) -> Insert:
    if not rows:
        raise ValueError(f"insert into {table.name}: no rows given")
    _check_columns(table, [key for row in rows for key in row])
    return insert(table).values([dict(row) for row in rows])


def upsert(
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    index_elements: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> Insert:
    """Insert `rows`; where one collides on `index_elements`, overwrite its `update_columns` instead.

    `update_columns` defaults to every column of the first row except the conflict key. Rows must all have
    the same keys. Keep a batch to a few thousand values: SQLite caps the bound parameters per statement.
    """
    stmt = _values(table, rows)
    if update_columns is None:
        update_columns = [key for key in rows[0] if key not in set(index_elements)]
    return stmt.ext(OnConflict(table, index_elements, update_columns))


def insert_ignore(table: Table, rows: Sequence[Mapping[str, Any]], index_elements: Sequence[str]) -> Insert:
    """Insert `rows`, skipping any that collide on `index_elements` (ON CONFLICT DO NOTHING).

    The result's ``rowcount`` is the number of rows actually inserted, which makes this a dedup check.
    """
    return _values(table, rows).ext(OnConflict(table, index_elements, []))
