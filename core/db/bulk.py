"""Bulk inserts and upserts of many rows in one statement, for the paths that take thousands of rows a second
(mention ingestion, counters).

Why not `session.execute(insert(Model), rows)`: for 1,000 rows of 25 columns that statement carries 25,000
bind parameters, each run through its type's Python bind processor, and PostgreSQL parses and plans a new
25,000-parameter statement per batch. On PostgreSQL this helper sends the rows as one JSON document instead
(`INSERT ... SELECT ... FROM json_to_recordset($1) AS r(id uuid, ...)`): one parameter whatever the number
of rows, encoded in C by msgspec, and one small statement. (One array per column through `unnest` was tried
first: asyncpg checks every array element against the collections ABCs, which cost more than the whole JSON
encoding.) Elsewhere (SQLite) it falls back to the ORM bulk insert.

The rows are stamped with the tenant in scope and a row naming another tenant is refused, exactly as the
tenancy guard does for ORM inserts (`stamp_rows` is the one implementation of that rule). Values must be
UUIDs, texts without NUL characters, numbers, timezone-aware datetimes, or dicts and lists for JSON columns;
every row has the same keys. Columns left out get their Python default (audit timestamps, scalars); an id left
out is made by the database on PostgreSQL (`gen_random_uuid()`, no Python call per row).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from advanced_alchemy.types import GUID
from sqlalchemy import Column, Table, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy.guard import stamp_rows


async def bulk_insert(session: AsyncSession, model: type, rows: list[dict[str, Any]], *,
                      conflict: Sequence[str] | None = None, increment: Iterable[str] = (),
                      overwrite: Iterable[str] = ()) -> None:
    """Insert `rows` into `model`'s table in one statement.

    With `conflict` (the columns of a unique index) a row that already exists is updated instead:
    `increment` columns add the new value to the stored one (counters), `overwrite` columns take the new value;
    with neither, the existing row is kept (DO NOTHING).
    """
    if not rows:
        return
    stamp_rows(model, rows)
    table: Table = model.__table__  # type: ignore[attr-defined]
    increment, overwrite = tuple(increment), tuple(overwrite)
    if session.bind.dialect.name != "postgresql":
        _columns(table, rows, ids_by_database=False)
        await _orm_insert(session, model, rows, conflict, increment, overwrite)
        return
    columns = _columns(table, rows, ids_by_database=True)
    document = msgspec.json.encode(rows).decode()
    await session.execute(text(_recordset_sql(session, table, columns, conflict, increment, overwrite)),
                          {"rows": document})


def _columns(table: Table, rows: list[dict[str, Any]], ids_by_database: bool) -> list[Column[Any]]:
    """The given columns plus every column with a Python default; the defaults are filled into the rows. With
    `ids_by_database`, a UUID primary key left out is left to PostgreSQL's `gen_random_uuid()` instead."""
    given = set(rows[0])
    columns = []
    for column in table.columns:
        if column.name in given:
            columns.append(column)
            continue
        if ids_by_database and column.primary_key and isinstance(column.type, GUID):
            continue
        default = column.default
        if default is None or not (default.is_scalar or default.is_callable):
            continue
        columns.append(column)
        if default.is_scalar:
            for row in rows:
                row[column.name] = default.arg
        else:
            for row in rows:
                row[column.name] = default.arg(None)  # type: ignore[operator]
    return columns


def _recordset_sql(session: AsyncSession, table: Table, columns: list[Column[Any]], conflict: Sequence[str] | None,
                   increment: tuple[str, ...], overwrite: tuple[str, ...]) -> str:
    dialect = session.bind.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    record = ", ".join(f"{quote(c.name)} {c.type.compile(dialect=dialect)}" for c in columns)
    ids = [c for c in table.primary_key.columns if c not in columns]
    into = ", ".join([*(quote(c.name) for c in ids), names])
    picks = ", ".join([*("gen_random_uuid()" for _ in ids), names])
    sql = (f"INSERT INTO {quote(table.name)} ({into}) SELECT {picks} "
           f"FROM json_to_recordset(CAST(:rows AS JSON)) AS r({record})")
    if conflict:
        target = ", ".join(quote(c) for c in conflict)
        updates = [f"{quote(c)} = {quote(table.name)}.{quote(c)} + EXCLUDED.{quote(c)}" for c in increment]
        updates += [f"{quote(c)} = EXCLUDED.{quote(c)}" for c in overwrite]
        sql += f" ON CONFLICT ({target}) " + (f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING")
    return sql


async def _orm_insert(session: AsyncSession, model: type, rows: list[dict[str, Any]], conflict: Sequence[str] | None,
                      increment: tuple[str, ...], overwrite: tuple[str, ...]) -> None:
    """The portable path: the ORM bulk insert, with the dialect's ON CONFLICT where asked."""
    if not conflict:
        from sqlalchemy import insert

        # render_nulls: one executemany, not a new one wherever a nullable column switches between NULL and a value
        await session.execute(insert(model).execution_options(render_nulls=True), rows)
        return
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    stmt = sqlite_insert(model)
    updates = {c: getattr(model, c) + getattr(stmt.excluded, c) for c in increment}
    updates |= {c: getattr(stmt.excluded, c) for c in overwrite}
    stmt = (stmt.on_conflict_do_update(index_elements=list(conflict), set_=updates) if updates
            else stmt.on_conflict_do_nothing(index_elements=list(conflict)))
    await session.execute(stmt, rows)
