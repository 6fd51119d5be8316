"""`core.db.bulk.bulk_insert`: one statement for many rows, stamped with the tenant like every ORM insert."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db.bulk import bulk_insert
from core.jobs.models import JobProgress
from core.measurement.models import MethodologyVersion
from core.tenancy.scope import TenantScopeError, cross_tenant, tenant_scope


async def test_rows_get_defaults_and_the_tenant_and_read_back_alike(world, sessionmaker):
    rows = [{"kind": "bulk", "title": f"rij {i} — ‘quotes’ \\ \"en\" {{json}}", "result": {"n": i, "tags": ["a"]}}
            for i in range(250)]
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await bulk_insert(session, JobProgress, rows)
        async with sessionmaker() as session:
            stored = (await session.scalars(select(JobProgress).order_by(JobProgress.created_at))).all()
    assert len(stored) == 250 and len({p.id for p in stored}) == 250
    by_title = {p.title: p for p in stored}
    first = by_title[rows[0]["title"]]
    assert first.result == {"n": 0, "tags": ["a"]} and first.status == "queued" and first.done == 0
    assert first.tenant_id == world.a.id and first.created_at is not None and first.finished_at is None
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(JobProgress)) == 0


async def test_a_row_of_another_tenant_or_no_tenant_is_refused_and_nothing_is_written(world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            with pytest.raises(TenantScopeError):
                await bulk_insert(session, JobProgress, [{"kind": "ok"}, {"kind": "x", "tenant_id": world.b.id}])
    async with sessionmaker() as session:
        with pytest.raises(TenantScopeError):
            await bulk_insert(session, JobProgress, [{"kind": "no scope"}])
    with cross_tenant():
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(JobProgress)) == 0


async def test_conflicts_keep_or_overwrite_the_stored_row(world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await bulk_insert(session, MethodologyVersion, [{"number": 1, "reason": "first", "kpis": []}])
            await bulk_insert(session, MethodologyVersion, [{"number": 1, "reason": "ignored", "kpis": []},
                                                            {"number": 2, "reason": "second", "kpis": []}],
                              conflict=("tenant_id", "number"))
            await bulk_insert(session, MethodologyVersion, [{"number": 2, "reason": "changed", "kpis": [{"k": 1}]}],
                              conflict=("tenant_id", "number"), overwrite=("reason", "kpis"))
        async with sessionmaker() as session:
            stored = {v.number: (v.reason, v.kpis) for v in (await session.scalars(select(MethodologyVersion))).all()}
    assert stored == {1: ("first", []), 2: ("changed", [{"k": 1}])}
