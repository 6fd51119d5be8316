"""The overview widget's index, computed ahead: a month of mentions is read by the rollup job, not by a page view.

The widget's window is the 30 whole days before today. Its score changes only when the window moves on (a new
day) or when a day it reads changes: a day of the window, or of the look-back before it (returning authors,
the status baseline). Both show up in the rollup job — a new day, or a dirty day it just recomputed — so the job
refreshes the one stored row then, and the widget reads that row with the time it was computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import bulk_insert, last_days, utcnow
from plugins.monitoring.conversation_index.data import LOOKBACK
from plugins.monitoring.conversation_index.service import tenant_score
from plugins.monitoring.models import IndexFigure

WIDGET_DAYS = 30


def window(today: date) -> tuple[date, date]:
    """The widget's days: the 30 whole days before `today` (the dashboard's "last 30 days")."""
    return last_days(WIDGET_DAYS, today)


async def stored(session: AsyncSession) -> IndexFigure | None:
    return await session.scalar(select(IndexFigure).limit(1))


def reads(first: date, last: date, day: date) -> bool:
    """Whether the window's score reads `day`: a day of the window or of the look-back before it."""
    return first - timedelta(days=LOOKBACK.days) <= day <= last


async def refresh(session: AsyncSession, today: date, changed: Iterable[date] = (),
                  now: datetime | None = None) -> bool:
    """Compute and store the window's index when it is missing, the window moved on, or `changed` holds a day it
    reads; True when it did. Idempotent: run twice, the second run finds nothing to do."""
    first, last = window(today)
    row = await stored(session)
    if row is not None and (row.first, row.last) == (first, last) and not any(reads(first, last, d) for d in changed):
        return False
    score = await tenant_score(session, first, last)
    await bulk_insert(session, IndexFigure, [{
        "first": first, "last": last, "mentions": score.mentions, "value": score.value,
        "components": dict(score.components), "computed_at": now or utcnow()}],
        conflict=["tenant_id"], overwrite=["first", "last", "mentions", "value", "components", "computed_at"])
    return True
