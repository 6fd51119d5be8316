"""Fixtures for the webcare plugin: monitoring (its prerequisite, owned by comms) and webcare (owned by the
service department) active in both tenants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.tenancy.scope import tenant_scope
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.support import TenantWorld, World


async def activate_webcare(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                           department: str = "service") -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="webcare", department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC),
                                         activated_in_phase="pilot"))


@pytest.fixture
async def wc(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """`world` with monitoring (comms) and webcare (service) active in tenant a and b."""
    for tw in (world.a, world.b):
        await activate_monitoring(sessionmaker, tw)
        await activate_webcare(sessionmaker, tw)
    return world
