"""Change counters (`count_changes`): the core raises a tenant's counter in the flush that changes a watched row.

The facility a plugin uses instead of installing SQLAlchemy listeners itself (the webcare inbox polls its
counter). Here a core model stands in for a plugin's: departments watched, the privacy setting's integer
column as the counter (registered for this test only).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from core.db import changes
from core.plugins.api import count_changes
from core.privacy.models import PrivacySetting
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department


@pytest.fixture
def watched() -> Iterator[None]:
    saved = {model: list(counters) for model, counters in changes.COUNTERS.items()}
    count_changes(Department, PrivacySetting.retention_months)
    count_changes(Department, PrivacySetting.retention_months)  # twice: still one raise per flush
    try:
        yield
    finally:
        changes.COUNTERS.clear()
        changes.COUNTERS.update(saved)


async def _counter(sessionmaker: Any, tw: Any) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return int(await session.scalar(select(PrivacySetting.retention_months)))


async def test_a_change_to_a_watched_row_raises_its_tenants_counter_once_per_flush(watched, world, sessionmaker):
    for tw in (world.a, world.b):
        with tenant_scope(tw.id):
            async with sessionmaker() as session, session.begin():
                session.add(PrivacySetting(retention_months=10))
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Department(name="Juridisch", business_function="legal"))
            session.add(Department(name="Inkoop", business_function="other"))  # same flush: one raise
    assert await _counter(sessionmaker, world.a) == 11
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            department = await session.scalar(select(Department).where(Department.name == "Juridisch"))
            department.name = department.name  # loaded and "set" without a change: no raise
            await session.flush()
            department.name = "Juridische Zaken"
            await session.flush()
            await session.delete(department)
    assert await _counter(sessionmaker, world.a) == 13
    assert await _counter(sessionmaker, world.b) == 10  # another tenant's counter never moves
