"""The overview widget's figures, stored by a job so the widget never counts rows per view: active ambassadors
and this month's completions (rejected ones left out). The job overwrites the tenant's one row; running it twice
changes nothing more."""

from __future__ import annotations

from datetime import UTC, datetime, time

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import utcnow
from plugins.energizing.ambassadors.models import Completion, ProgrammeFigures
from plugins.energizing.models import Ambassador


async def store(session: AsyncSession) -> ProgrammeFigures:
    """Count once, store the figures in the tenant's row (made the first time)."""
    now = utcnow()
    month = now.date().replace(day=1)
    start = datetime.combine(month, time(0, 0), tzinfo=UTC)
    active = int(await session.scalar(select(func.count()).select_from(Ambassador)
                                      .where(Ambassador.state == "active")) or 0)
    completed = int(await session.scalar(select(func.count()).select_from(Completion).where(
        Completion.completed_at >= start, Completion.state != "rejected")) or 0)
    row = await session.scalar(select(ProgrammeFigures))
    if row is None:
        row = ProgrammeFigures(active=active, month=month, completed_month=completed, computed_at=now)
        try:
            async with session.begin_nested():
                session.add(row)
            return row
        except IntegrityError:  # another run made the row at the same moment
            row = await session.scalar(select(ProgrammeFigures))
            assert row is not None
    row.active, row.month, row.completed_month, row.computed_at = active, month, completed, now
    await session.flush()
    return row


async def read(session: AsyncSession) -> ProgrammeFigures | None:
    """The stored figures (None before the job's first run)."""
    return await session.scalar(select(ProgrammeFigures))
