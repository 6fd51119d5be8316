"""Stored moments come back aware, in UTC's instant, on SQLite as on PostgreSQL.

Services, API answers and plugins compare and print stored datetimes as they are; they have no helper that
patches a missing zone. That holds only while the engine hands every `DateTime(timezone=True)` value back
aware — through columns, aggregates and `coalesce` alike — which these tests pin down on both databases.
A moment from outside the database (typed in, parsed from text) goes through `as_utc` once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db.base import as_utc
from core.plugins import api
from core.tenancy.models import Tenant
from tests.support import World

AMSTERDAM_WINTER = timezone(timedelta(hours=1))
MOMENT = datetime(2026, 1, 15, 10, 30, tzinfo=AMSTERDAM_WINTER)
"""09:30 UTC, written with another offset: what comes back must be the same instant, with a zone."""


async def test_a_stored_moment_comes_back_aware_from_columns_aggregates_and_coalesce(
        sessionmaker: async_sessionmaker[AsyncSession], world: World) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Tenant).where(Tenant.id == world.a.id).values(last_activity_at=MOMENT))
    async with sessionmaker() as session:
        loaded = await session.get(Tenant, world.a.id)
        assert loaded is not None
        await session.refresh(loaded)
        found = {
            "attribute": loaded.last_activity_at,
            "column": await session.scalar(select(Tenant.last_activity_at).where(Tenant.id == world.a.id)),
            "max": await session.scalar(select(func.max(Tenant.last_activity_at)).where(Tenant.id == world.a.id)),
            "coalesce": await session.scalar(select(func.coalesce(None, Tenant.last_activity_at))
                                             .where(Tenant.id == world.a.id)),
            "created_at": loaded.created_at,
        }
    assert {name: value.tzinfo is not None for name, value in found.items()} == dict.fromkeys(found, True)
    assert found["attribute"] == found["column"] == found["max"] == found["coalesce"] == MOMENT
    assert found["attribute"].astimezone(UTC) == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)


def test_as_utc_reads_a_moment_without_zone_as_utc_and_converts_the_rest() -> None:
    assert as_utc(datetime(2026, 1, 15, 9, 30)) == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    converted = as_utc(MOMENT)
    assert converted.utcoffset() == timedelta(0) and converted == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    assert api.as_utc is as_utc  # plugins parse job payloads and imports with the same helper
