"""Fixtures shared by the energizing plugin's tests: the plugin active in a tenant (owned by marketing, the test
world has no sales department)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.tenancy.scope import tenant_scope
from tests.support import TenantWorld


async def activate(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, plugin: str = "energizing",
                   department: str = "marketing") -> None:
    """`plugin` active in `tw`, owned by `department` (energizing by default; monitoring or webcare beside it)."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin=plugin, department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC), activated_in_phase="pilot"))
