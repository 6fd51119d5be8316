"""Daily KPI snapshot for 1,000 tenants with 5 active plugins each, on PostgreSQL.

Set-up (not timed): 1,000 tenants, each with a department, the five built-in plugins active (monitoring, webcare,
talking, energizing, cocreation) and a methodology naming every KPI the plugins declare plus two manual ones;
each tenant's last snapshot is the day before yesterday, as in steady state. The plugins' own tables are empty,
so the figures are the job's own cost plus one (cheap) measure query per KPI.

Timed: the hourly job `core.measurement.snapshot` for every tenant, each run as the worker runs it (its own
session and transaction, `run_named_job`): the steady-state daily run (one day per KPI), then the run an hour
later that finds nothing missing. Also the same daily run with 8 tenants at a time (as 8 worker threads would).

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db> .venv/bin/pytest -q -m bench
tests/bench/test_snapshot_bench.py -s`` (``SNAPSHOT_BENCH_TENANTS`` to change the number). Prints figures; asserts
only that every KPI was stored.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from core.activation.models import PluginActivation
from core.jobs.plugin_jobs import run_named_job
from core.measurement.models import KpiSnapshot, MethodologyVersion
from core.measurement.snapshots import plugin_kpis
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant, tenant_scope
from core.workgroup.models import Department

pytestmark = pytest.mark.bench

TENANTS = int(os.environ.get("SNAPSHOT_BENCH_TENANTS", "1000"))
PLUGINS = ("monitoring", "webcare", "talking", "energizing", "cocreation")
CONCURRENCY = 8


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def _seed(app: Any, sessionmaker: Any) -> tuple[list[Any], int]:
    declared = plugin_kpis(app.state.pm)
    kpis = [{"key": key, "name": "", "definition": "", "source": plugin, "kind": "plugin",
             "unit": d.unit, "owner_department_id": None} for key, (plugin, d) in sorted(declared.items())
            if plugin in PLUGINS]
    two_days_ago = datetime.now(UTC).date() - timedelta(days=2)
    ids = []
    async with sessionmaker() as session, session.begin():
        for n in range(TENANTS):
            tenant = Tenant(slug=f"bench-{n:04d}", name=f"Bench {n}", org_model="hub_and_spoke", phase="learning")
            session.add(tenant)
            await session.flush()
            ids.append(tenant.id)
            with tenant_scope(tenant.id):
                dep = Department(name="Communicatie", business_function="corporate_communication", is_hub=True)
                session.add(dep)
                await session.flush()
                session.add_all([PluginActivation(plugin=p, department_id=dep.id, status="active") for p in PLUGINS])
                manual = [{"key": "leads", "name": "Leads", "definition": "", "source": "CRM", "kind": "manual",
                           "unit": "count", "owner_department_id": str(dep.id)},
                          {"key": "fte", "name": "FTE", "definition": "", "source": "", "kind": "manual",
                           "unit": "fte", "owner_department_id": str(dep.id)}]
                session.add(MethodologyVersion(number=1, kpis=kpis + manual, reason="bench"))
                session.add_all([KpiSnapshot(kpi=k["key"], day=two_days_ago, value=0.0, methodology_number=1,
                                             source="plugin", measured_at=datetime.now(UTC)) for k in kpis])
                await session.flush()
    return ids, len(kpis)


async def _run_all(app: Any, ids: list[Any], concurrency: int = 1) -> list[float]:
    times: list[float] = []
    semaphore = asyncio.Semaphore(concurrency)

    async def one(tenant_id: Any) -> None:
        async with semaphore:
            t = time.perf_counter()
            await run_named_job(app, "core.measurement.snapshot", tenant_id)
            times.append(time.perf_counter() - t)

    await asyncio.gather(*(one(i) for i in ids))
    return times


def _report(label: str, total: float, times: list[float]) -> None:
    ms = {"mean": statistics.mean(times), "p50": percentile(times, 50), "p95": percentile(times, 95),
          "max": max(times)}
    figures = ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in ms.items())
    print(f"{label}: total {total:.1f} s for {len(times)} tenants; per tenant {figures}")


async def test_daily_snapshot_for_1000_tenants(app: Any, sessionmaker: Any, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the snapshot benchmark runs on PostgreSQL")
    t = time.perf_counter()
    ids, kpi_count = await _seed(app, sessionmaker)
    print(f"\nset-up: {TENANTS} tenants, {len(PLUGINS)} active plugins and {kpi_count} plugin KPIs each, "
          f"{time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    times = await _run_all(app, ids)
    _report("daily run (1 day per KPI), one tenant at a time", time.perf_counter() - t, times)
    with cross_tenant():
        async with sessionmaker() as session:
            stored = await session.scalar(select(func.count()).select_from(KpiSnapshot))
    assert stored == TENANTS * kpi_count * 2
    t = time.perf_counter()
    times = await _run_all(app, ids)
    _report("an hour later (nothing missing)", time.perf_counter() - t, times)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with cross_tenant():
        async with sessionmaker() as session, session.begin():
            await session.execute(delete(KpiSnapshot).where(KpiSnapshot.day == yesterday))
    t = time.perf_counter()
    times = await _run_all(app, ids, CONCURRENCY)
    _report(f"daily run, {CONCURRENCY} tenants at a time", time.perf_counter() - t, times)
    with cross_tenant():
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(KpiSnapshot)) == TENANTS * kpi_count * 2
