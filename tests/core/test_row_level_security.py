"""PostgreSQL row-level security, the wall behind the ORM tenancy guard (core/db/rls.py).

Every query here deliberately gets past the guard (raw SQL through the app's engine or session, or the guard's
own `cross_tenant` execution option), as a bug that forgets the tenant filter would: the database itself must
still refuse another tenant's rows. PostgreSQL only.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.rls import secure_tenant_tables
from core.tenancy.scope import cross_tenant, tenant_scope
from core.workgroup.models import Department
from tests.support import World


@pytest.fixture
def pg_world(backend: str, request: pytest.FixtureRequest) -> World:
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    return request.getfixturevalue("world")


def _tenants(rows: Any) -> set[uuid.UUID]:
    return {row[0] for row in rows}


async def test_no_tenant_sees_nothing(pg_world: World, app: Litestar,
                                      sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    engine = app.state.engine
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM department")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM membership")) == 0
        assert await conn.scalar(text("SELECT current_user")) == "regie_app"
    async with sessionmaker() as session:  # raw SQL through a session is invisible to the guard
        assert (await session.execute(text("SELECT tenant_id FROM department"))).all() == []
    async with engine.begin() as conn:  # the rows are there: the owner sees them
        await conn.execute(text("SET LOCAL ROLE NONE"))
        assert await conn.scalar(text("SELECT count(*) FROM department")) == 6


async def test_forgotten_filter_reads_only_own_tenant(pg_world: World,
                                                      sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a, b = pg_world.a.tenant.id, pg_world.b.tenant.id
    async with sessionmaker() as session:
        with tenant_scope(a):
            raw = await session.execute(text("SELECT tenant_id FROM department"))
            assert _tenants(raw) == {a}
            unguarded = select(Department.tenant_id).execution_options(cross_tenant=True)  # guard skipped
            assert _tenants(await session.execute(unguarded)) == {a}
            foreign = text("SELECT count(*) FROM department WHERE tenant_id = :b")
            assert await session.scalar(foreign, {"b": b}) == 0
            # an UPDATE or DELETE that forgets the filter touches this tenant's rows only
            changed = await session.execute(text("UPDATE department SET is_hub = is_hub"))
            assert changed.rowcount == 3  # type: ignore[attr-defined]
        with tenant_scope(b):  # the context changes inside one transaction: the settings follow it
            assert _tenants(await session.execute(text("SELECT tenant_id FROM department"))) == {b}


async def test_write_for_another_tenant_is_refused(pg_world: World,
                                                   sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a, b = pg_world.a.tenant.id, pg_world.b.tenant.id
    insert = text("INSERT INTO department (id, tenant_id, name, business_function, is_hub, created_at, updated_at) "
                  "VALUES (:id, :tenant, 'Sneaky', 'marketing', false, now(), now())")
    async with sessionmaker() as session:
        with tenant_scope(a), pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(insert, {"id": uuid.uuid4(), "tenant": b})
    async with sessionmaker() as session:
        with tenant_scope(a), pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(text("UPDATE department SET tenant_id = :b"), {"b": b})
    async with sessionmaker() as session:  # without a tenant nothing may be written either
        with pytest.raises(DBAPIError, match="row-level security"):
            await session.execute(insert, {"id": uuid.uuid4(), "tenant": a})
    with tenant_scope(a):
        async with sessionmaker() as session, session.begin():
            await session.execute(insert, {"id": uuid.uuid4(), "tenant": a})  # its own tenant: allowed
    with cross_tenant():
        async with sessionmaker() as session:
            names = await session.scalars(select(Department.name).where(Department.name == "Sneaky"))
            assert list(names) == ["Sneaky"]


async def test_every_tenant_table_is_forced_and_not_owned_by_the_app(app: Litestar, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    async with app.state.engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner), "
            "       array(SELECT polname FROM pg_policy WHERE polrelid = c.oid) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r'"))).all()
        role = (await conn.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))).one()
    async with app.state.engine.begin() as conn:  # repeating the set-up (every `upgrade`) changes nothing
        await conn.execute(text("SET LOCAL ROLE NONE"))
        assert await conn.run_sync(secure_tenant_tables, "regie_app") == []
    tables = {row[0]: row for row in rows}
    assert {"department", "audit_entry", "monitoring_mention", "webcare_case"} <= set(tables)  # plugins too
    assert len(tables) > 40
    for name, enabled, forced, owner, policies in tables.values():
        assert enabled and forced, name
        assert owner != "regie_app", name
        assert "regie_tenant_v1" in policies, name
    assert tuple(role) == (False, False)


async def test_cross_tenant_block_sees_both(pg_world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a, b = pg_world.a.tenant.id, pg_world.b.tenant.id
    async with sessionmaker() as session:
        with tenant_scope(a):
            assert _tenants(await session.execute(text("SELECT tenant_id FROM department"))) == {a}
            with cross_tenant():
                assert _tenants(await session.execute(text("SELECT tenant_id FROM department"))) == {a, b}
            assert _tenants(await session.execute(text("SELECT tenant_id FROM department"))) == {a}


async def test_one_round_trip_per_transaction(pg_world: World, app: Litestar,
                                              sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The settings cost one statement when a transaction begins, not one per query; a savepoint rolled back
    (which restores the settings of before it) makes the next query set them again."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "set_config('app.tenant_id'" in statement:
            sent.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", count)
    try:
        a, b = pg_world.a.tenant.id, pg_world.b.tenant.id
        async with sessionmaker() as session:
            with tenant_scope(a):
                for _ in range(3):
                    assert len((await session.scalars(select(Department))).all()) == 3
                assert len(sent) == 1
                savepoint = await session.begin_nested()
                with tenant_scope(b):
                    assert _tenants(await session.execute(text("SELECT tenant_id FROM department"))) == {b}
                await savepoint.rollback()
                assert _tenants(await session.execute(text("SELECT tenant_id FROM department"))) == {a}
            await session.commit()
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", count)
