"""Ambassadors as the leads pages name them (pickers and names of one page's rows, one query each)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.energizing.models import Ambassador


async def ambassador_choices(session: AsyncSession) -> list[tuple[UUID, str]]:
    return [(aid, name) for aid, name in (await session.execute(
        select(Ambassador.id, Ambassador.name).order_by(Ambassador.name).limit(500))).all()]


async def ambassador_names(session: AsyncSession, ids: Iterable[UUID | None]) -> dict[UUID, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {aid: name for aid, name in (await session.execute(
        select(Ambassador.id, Ambassador.name).where(Ambassador.id.in_(wanted)))).all()}
