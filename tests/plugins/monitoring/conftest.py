"""Fixtures for the monitoring plugin: the plugin active in both tenants, owned by their comms department."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.tenancy.scope import tenant_scope
from tests.support import TenantWorld, World


async def activate_monitoring(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld,
                              department: str = "comms") -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="monitoring", department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC),
                                         activated_in_phase="listening"))


@pytest.fixture
async def mon(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    """`world` with monitoring active in tenant a and b (owner: comms, where the regie holder sits)."""
    await activate_monitoring(sessionmaker, world.a)
    await activate_monitoring(sessionmaker, world.b)
    return world


def item(external_id: str, body: str = "", **fields: Any) -> dict[str, Any]:
    """A mention as the ingestion API takes it."""
    return {"external_id": external_id, "published_at": fields.pop("published_at", datetime.now(UTC).isoformat()),
            "body": body, **fields}
