"""Keeping the pre-aggregated counts current: `HourStat` counters and the `DirtyDay` queue for `DayStat`.

Ingestion adds (+1) and corrections move (-1 old label, +1 new label) counts in the same transaction as
the mentions themselves, with one upsert per batch, so the dashboard never reads raw mentions for volume
or sentiment. Rows are passed as parameters (not embedded), so the core's tenancy guard stamps them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import bulk_insert
from plugins.monitoring.models import ALL_PROFILES, DirtyDay, HourStat


@dataclass(frozen=True)
class Counted:
    """One mention as the counters see it."""

    published_at: datetime
    profile_ids: tuple[UUID, ...]
    source_type: str
    language: str
    sentiment: str
    reach: int


def upsert(session: AsyncSession, model: type) -> Any:
    """An INSERT that can take ON CONFLICT clauses, in the session's dialect."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model)


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def count(session: AsyncSession, mentions: Iterable[Counted], sign: int = 1, all_profiles: bool = True) -> None:
    """Add (sign=1) or remove (sign=-1) mentions from the hourly counters, and mark their days dirty.

    `all_profiles=False` moves only the profiles' own rows (a re-tag changes which profiles matched, not
    how many mentions there are). Rows are written in one sorted order, so concurrent writers lock alike.
    """
    totals: Counter[tuple[Any, ...]] = Counter()
    reach: Counter[tuple[Any, ...]] = Counter()
    days: set[date] = set()
    for m in mentions:
        hour = hour_of(m.published_at)
        days.add(hour.date())
        for key in ((ALL_PROFILES,) if all_profiles else ()) + tuple(m.profile_ids):
            dims = (hour, key, m.source_type, m.language, m.sentiment)
            totals[dims] += sign
            reach[dims] += sign * int(m.reach or 0)
    if totals:
        rows = [{"hour": d[0], "profile_key": d[1], "source_type": d[2], "language": d[3], "sentiment": d[4],
                 "mentions": n, "reach": reach[d]} for d, n in sorted(totals.items(), key=_order)]
        await bulk_insert(session, HourStat, rows, increment=("mentions", "reach"),
                          conflict=("tenant_id", "hour", "profile_key", "source_type", "language", "sentiment"))
    await mark_dirty(session, days)


def _order(item: tuple[tuple[Any, ...], int]) -> tuple[str, ...]:
    return tuple(str(part) for part in item[0])


async def mark_dirty(session: AsyncSession, days: Iterable[date]) -> None:
    """Queue days for the `DayStat` recompute (idempotent: a day is queued once)."""
    rows = [{"day": d} for d in sorted(set(days))]
    if rows:
        # an update (not "do nothing") takes the row lock, so a rollup that claims the day waits for this
        # transaction and sees its mentions, instead of dropping the day from the queue too early
        await bulk_insert(session, DirtyDay, [{**row, "updated_at": datetime.now(UTC)} for row in rows],
                          conflict=("tenant_id", "day"), overwrite=("updated_at",))
