"""Tenant scoping in one place: queries are filtered and inserts stamped without any handler doing it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from core.auth.models import Membership
from core.roadmap.models import StartingPointsVersion, StartingPointsWish
from core.tenancy.scope import TenantScopeError, cross_tenant, tenant_scope
from core.workgroup.models import Department, WorkgroupSeat


async def test_query_without_tenant_fails_closed(sessionmaker, world):
    async with sessionmaker() as session:
        with pytest.raises(TenantScopeError):
            await session.scalars(select(Department))


async def test_select_sees_only_the_current_tenant(sessionmaker, world):
    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            names = set((await session.scalars(select(Department.tenant_id))).all())
            count = await session.scalar(select(func.count()).select_from(Department))
    assert names == {world.a.id}
    assert count == 3


async def test_get_of_a_foreign_id_finds_nothing(sessionmaker, world):
    foreign = world.b.departments["comms"].id
    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            assert await session.get(Department, foreign) is None


async def test_joins_and_eager_loads_are_scoped(sessionmaker, world):
    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            seats = (await session.scalars(select(WorkgroupSeat).join(Membership))).all()
            assert {s.tenant_id for s in seats} == {world.a.id}
            assert all(s.department.tenant_id == world.a.id for s in seats)


async def test_insert_is_stamped_with_the_current_tenant(sessionmaker, world):
    async with sessionmaker() as session, session.begin():
        with tenant_scope(world.a.id):
            dep = Department(name="Verkoop", business_function="sales")
            session.add(dep)
            await session.flush()
            assert dep.tenant_id == world.a.id


async def test_insert_into_another_tenant_is_refused(sessionmaker, world):
    async with sessionmaker() as session:
        with tenant_scope(world.a.id), pytest.raises(TenantScopeError):
            session.add(Department(name="Sluiproute", business_function="sales", tenant_id=world.b.id))
            await session.flush()
        await session.rollback()
    async with sessionmaker() as session:
        with cross_tenant():
            assert await session.scalar(select(Department).where(Department.name == "Sluiproute")) is None


async def test_insert_without_tenant_is_refused(sessionmaker, world):
    async with sessionmaker() as session:
        with pytest.raises(TenantScopeError):
            session.add(Department(name="Wees", business_function="sales"))
            await session.flush()
        await session.rollback()


async def test_bulk_update_touches_only_the_current_tenant(sessionmaker, world):
    async with sessionmaker() as session, session.begin():
        with tenant_scope(world.a.id):
            await session.execute(update(Department).values(is_hub=True))
    async with sessionmaker() as session:
        with cross_tenant():
            rows = (await session.execute(select(Department.tenant_id, Department.is_hub))).all()
    assert all(hub for tid, hub in rows if tid == world.a.id)
    b_flags = sorted(hub for tid, hub in rows if tid == world.b.id)
    assert b_flags == [False, False, True]


async def test_selectinload_children_are_scoped(sessionmaker, world):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            version = StartingPointsVersion(number=1, organisation_analysis="A")
            session.add(version)
            await session.flush()
            session.add(StartingPointsWish(version_id=version.id, department_id=world.a.departments["comms"].id,
                                           wish="luisteren"))
    async with sessionmaker() as session:
        with tenant_scope(world.b.id):
            found = (await session.scalars(select(StartingPointsVersion)
                                           .options(selectinload(StartingPointsVersion.wishes)))).all()
    assert found == []


async def test_cross_tenant_reads_are_explicit(sessionmaker, world):
    async with sessionmaker() as session:
        with cross_tenant():
            tenants = set((await session.scalars(select(Department.tenant_id))).all())
    assert tenants == {world.a.id, world.b.id}


async def test_counts_over_subqueries_are_scoped(sessionmaker, world):
    """Pagination counts `select(count()).select_from(query.subquery())`: the subquery is filtered too."""
    from core.web.pagination import paginate

    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            page = await paginate(session, select(Membership), 1, per_page=2)
    assert page.total == len(world.a.memberships)
    assert all(m.tenant_id == world.a.id for m in page.items)


async def test_core_select_on_a_tenant_table_without_tenant_fails_closed(sessionmaker, world):
    async with sessionmaker() as session:
        with pytest.raises(TenantScopeError):
            await session.execute(select(func.count()).select_from(Department.__table__))


async def test_core_select_on_a_tenant_table_is_refused_even_with_a_tenant(sessionmaker, world):
    """Loader criteria only reach ORM entities, so a Core select could read every tenant: refuse it."""
    async with sessionmaker() as session:
        with tenant_scope(world.a.id), pytest.raises(TenantScopeError):
            await session.execute(select(func.count()).select_from(Department.__table__))
