"""One engine and session factory per process, shared by web, jobs and CLI."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from core.db.rls import connect_args, install_tenant_settings
from core.settings import Settings
from core.tenancy.guard import install_tenant_guard


def make_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(settings.database_url, connect_args={"timeout": 30})
        engine.sync_engine.dialect.colspecs = {**engine.sync_engine.dialect.colspecs, DateTime: UtcSqliteDateTime}
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    role = connect_args(settings.db_role)  # the app role: row-level security applies to it (core.db.rls)
    if settings.db_pool_size == 0:
        return create_async_engine(settings.database_url, poolclass=NullPool, connect_args=role)
    engine = create_async_engine(settings.database_url, pool_size=settings.db_pool_size,
                                 max_overflow=settings.db_pool_size, connect_args=role)
    ping_after_idle(engine)
    return engine


IDLE_BEFORE_PING = 5.0
"""Seconds a pooled connection may rest before it is checked at checkout."""


def ping_after_idle(engine: AsyncEngine) -> None:
    """Check a pooled connection before use only when it rested `IDLE_BEFORE_PING` or longer.

    SQLAlchemy's `pool_pre_ping` asks the database on every checkout: one round trip more for every request
    under load, when connections are never idle long enough to go stale. A connection that rested may have
    been cut (a database restart, a proxy's idle timeout): that one is pinged, and a dead one is replaced
    (DisconnectionError makes the pool connect afresh) before any request sees it.
    """
    pool = engine.sync_engine.pool

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:  # noqa: BLE001 - whatever the driver raises, the connection is gone
            raise DisconnectionError() from exc

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


class UtcSqliteDateTime(SQLITE_DATETIME):
    """SQLite has no time zones: store UTC and hand `DateTime(timezone=True)` columns back as aware UTC.

    Installed once per engine (its dialect's colspecs), so every model and query gets aware datetimes on
    SQLite as on PostgreSQL, and code never has to patch naive values.
    """

    cache_ok = True

    def bind_processor(self, dialect: Any) -> Any:
        store = super().bind_processor(dialect)

        def process(value: datetime | None) -> Any:
            if value is not None and value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return store(value) if store else value

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        parse = super().result_processor(dialect, coltype)
        if not self.timezone:
            return parse

        def process(value: Any) -> datetime | None:
            moment = parse(value) if parse else value
            return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment

        return process


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    install_tenant_guard()
    install_tenant_settings()
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A unit of work for jobs and the CLI: commit on success, roll back on error."""
    async with sessionmaker() as session, session.begin():
        yield session
