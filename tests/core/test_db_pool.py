"""The connection pool checks a connection only after it rested, and replaces one the database cut meanwhile."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import text

from core.db import engine as engine_module
from core.db.engine import make_engine


@pytest.fixture
def pooled(settings, backend):
    if backend != "postgresql":
        pytest.skip("the pool is PostgreSQL's (SQLite runs without one)")
    return make_engine(dataclasses.replace(settings, db_pool_size=2))


async def _backend_pid(engine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_busy_connection_is_used_without_a_ping(pooled, monkeypatch):
    pings: list[int] = []
    try:
        first = await _backend_pid(pooled)
        async with pooled.connect() as conn:
            dbapi = (await conn.get_raw_connection()).dbapi_connection  # SQLAlchemy's adapted asyncpg connection
            original = type(dbapi).ping
            monkeypatch.setattr(type(dbapi), "ping", lambda self: pings.append(1) or original(self))
        assert await _backend_pid(pooled) == first  # the same connection again, at once: no ping
        assert pings == []
        monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", 0.0)
        assert await _backend_pid(pooled) == first  # rested (no threshold): pinged, alive, kept
        assert pings == [1]
    finally:
        await pooled.dispose()


async def test_a_connection_cut_while_it_rested_is_replaced(pooled, settings, monkeypatch):
    killer = make_engine(dataclasses.replace(settings, db_pool_size=0))
    try:
        first = await _backend_pid(pooled)
        async with killer.connect() as conn:
            await conn.execute(text("SET ROLE NONE"))
            await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING", 0.0)
        replaced = await _backend_pid(pooled)  # no error reaches the caller: the pool connected afresh
        assert replaced != first
    finally:
        await pooled.dispose()
        await killer.dispose()
