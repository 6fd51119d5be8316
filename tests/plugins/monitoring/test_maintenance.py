"""Planner statistics after bursts of mentions: an import of many rows and a burst of ingestion each lead to one
ANALYZE of the mention tables (PostgreSQL; here it runs with autovacuum off, as it may in production)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import analyze_tables, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring import maintenance
from plugins.monitoring.sources import imports
from tests.plugins.monitoring.conftest import item
from tests.plugins.monitoring.test_imports import _queued_import, add_source, runs
from tests.support import World, api_headers

INGEST = "/api/v1/t/acme/monitoring/mentions/ingest"


@pytest.fixture(autouse=True)
def _fresh_count() -> Any:
    maintenance.reset()
    yield
    maintenance.reset()


async def analyzed(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """How often each mention table was analyzed (PostgreSQL's own statistics, updated by ANALYZE itself)."""
    async with sessionmaker() as session:
        rows = await session.execute(text("SELECT relname, analyze_count FROM pg_stat_user_tables "
                                          "WHERE relname = ANY(:names)"), {"names": list(maintenance.TABLES)})
        return {name: int(count) for name, count in rows.all()}


async def queued_analyses(app: Any) -> int:
    """`monitoring.analyze` messages relayed to the (stub) broker; they are delayed, so in its delay queue."""
    import dramatiq

    from core.jobs.outbox import relay, wait_for_relays

    await wait_for_relays()
    await relay(app.state.sessionmaker)
    found = 0
    for name in ("default", "default.DQ"):
        queue = app.state.broker.queues.get(name)
        messages = [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue else []
        found += sum(1 for m in messages if m.actor_name == "monitoring.analyze")
    return found


async def test_analyze_tables_takes_only_real_table_names_and_does_nothing_on_sqlite(
        mon: World, sessionmaker: async_sessionmaker[AsyncSession], backend: str) -> None:
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            done = await analyze_tables(session, ["monitoring_mention", "no_such_table", 'x"; DROP TABLE tenant; --'])
            role = await session.scalar(text("SELECT current_user")) if backend == "postgresql" else None
    if backend == "sqlite":
        assert done == []
    else:
        assert done == ["monitoring_mention"]
        assert role == "regie_app"  # the app role throughout: the owner's function does the ANALYZE


@pytest.mark.postgresql_only
async def test_an_import_of_many_rows_analyzes_the_mention_tables(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maintenance, "BURST_ROWS", 12)
    monkeypatch.setattr(imports, "CHUNK", 5)
    source = await add_source(sessionmaker, mon.a.id)
    content = ("id,date,text\n" + "\n".join(f"r{n},2026-01-05 10:00,Bericht {n} over Acme" for n in range(12))
               + "\n").encode()
    before = await analyzed(sessionmaker)
    await run_named_job(app, "monitoring.import", mon.a.id,
                        import_id=str(await _queued_import(sessionmaker, mon.a.id, source, content)))
    after = await analyzed(sessionmaker)
    assert (await runs(sessionmaker, mon.a.id))[0].imported == 12
    assert all(after[t] == before[t] + 1 for t in maintenance.TABLES), (before, after)
    assert await queued_analyses(app) == 0  # the import analyzes once, at its end, not per chunk


@pytest.mark.postgresql_only
async def test_a_burst_of_ingestion_queues_one_analyze(
        app: Any, client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(maintenance, "BURST_ROWS", 5)
    await add_source(sessionmaker, mon.a.id, "Push", kind="api")
    headers = await api_headers(sessionmaker, mon.a, "member")
    r = await client.post(INGEST, json={"source": "Push", "items": [item("a1", "Acme een"), item("a2", "Acme twee"),
                                                                   item("a3", "Acme drie")]}, headers=headers)
    assert r.status_code == 200 and r.json()["created"] == 3
    assert await queued_analyses(app) == 0  # below the threshold
    r = await client.post(INGEST, json={"source": "Push", "items": [item(f"b{n}", f"Acme bericht {n}")
                                                                   for n in range(4)]}, headers=headers)
    assert r.status_code == 200 and r.json()["created"] == 4
    assert await queued_analyses(app) == 1  # 7 stored since the last analyze: one job
    r = await client.post(INGEST, json={"source": "Push", "items": [item("c1", "Acme nog een")]}, headers=headers)
    assert await queued_analyses(app) == 1  # the count started over
    before = await analyzed(sessionmaker)
    assert await run_named_job(app, "monitoring.analyze", mon.a.id) == sorted(maintenance.TABLES)
    after = await analyzed(sessionmaker)
    assert all(after[t] == before[t] + 1 for t in maintenance.TABLES), (before, after)
