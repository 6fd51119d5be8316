"""Reading the rollups: volume cells from `DayStat` (clean whole days) and `HourStat` (the rest), and rankings.

A period is cut into whole UTC days that the rollup has settled (one `vol…` row set per day) and hour ranges
for everything else: the ragged ends of a rolling period and the days still queued in `DirtyDay`. The two
never overlap, so every figure is exact and current without reading a single mention. Hourly charts read
`HourStat` only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Date, and_, cast, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.monitoring.buzz.rollup import DIMS, WEEKLY, ranked_kind, volume_kind
from plugins.monitoring.models import DayStat, DirtyDay, HourStat

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def last_day(end: datetime) -> date:
    """The last day an exclusive end touches."""
    return (end - timedelta(microseconds=1)).astimezone(UTC).date()


@dataclass(frozen=True)
class Scope:
    """Which counts: the profile keys (a profile, `ALL_PROFILES`, or several for a split) and dimension filters."""

    profile_keys: tuple[UUID, ...]
    dims: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, keys: Sequence[UUID], dims: Mapping[str, str | None]) -> Scope:
        return cls(tuple(keys), tuple((d, v) for d in DIMS if (v := dims.get(d))))


class Cell(NamedTuple):
    at: Any
    """The bucket: an hour (UTC datetime), a day or a week's Monday (date); None for a whole period."""
    key: tuple[str, ...]
    """The values of the split's columns, in the split's order."""
    mentions: int
    reach: int


async def dirty_days(session: AsyncSession, first: date, last: date) -> set[date]:
    return set(await session.scalars(select(DirtyDay.day).where(DirtyDay.day >= first, DirtyDay.day <= last)))


async def without_jit(session: AsyncSession) -> None:
    """PostgreSQL's JIT compiles these small aggregates for longer than they run (tens of ms on a 2-core box):
    off for the rest of this transaction."""
    if _is_postgres(session):
        await session.execute(text("SET LOCAL jit = off"))


def split_window(start: datetime, end: datetime, dirty: set[date], hourly: bool
                 ) -> tuple[list[date], list[tuple[datetime, datetime]]]:
    """Clean whole days (read from `DayStat`) and merged hour ranges for the rest (read from `HourStat`)."""
    days: list[date] = []
    ranges: list[tuple[datetime, datetime]] = []
    t, end = start.astimezone(UTC), end.astimezone(UTC)
    while t < end:
        day_start = midnight(t.astimezone(UTC).date())
        day_end = day_start + DAY
        if not hourly and t == day_start and day_end <= end and t.date() not in dirty:
            days.append(t.date())
            t = day_end
            continue
        nxt = min(day_end, end)
        if ranges and ranges[-1][1] == t:
            ranges[-1] = (ranges[-1][0], nxt)
        else:
            ranges.append((t, nxt))
        t = nxt
    return days, ranges


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def _day_of(session: AsyncSession, column: Any) -> Any:
    """The UTC day of a timestamp, in SQL."""
    return cast(func.timezone("UTC", column), Date) if _is_postgres(session) else func.date(column)


def _week_of(session: AsyncSession, day: Any) -> Any:
    """The Monday of a day's week, in SQL."""
    if _is_postgres(session):
        return cast(func.date_trunc("week", day), Date)
    return func.date(day, "weekday 0", "-6 days")


def _bucket(session: AsyncSession, model: Any, granularity: str | None) -> Any:
    """The bucket a row counts in, computed by the database so it returns a row per bucket, not per hour."""
    if granularity is None:
        return None
    if model is HourStat:
        if granularity == "hour":
            return HourStat.hour
        day = _day_of(session, HourStat.hour)
    else:
        day = DayStat.day
    return day if granularity == "day" else _week_of(session, day)


def _bucket_key(value: Any, granularity: str | None) -> Any:
    if granularity is None:
        return None
    if granularity == "hour":
        return value
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _where(model: Any, scope: Scope) -> list[Any]:
    keys = scope.profile_keys
    clauses = [model.profile_key == keys[0] if len(keys) == 1 else model.profile_key.in_(keys)]
    clauses += [getattr(model, d) == v for d, v in scope.dims]
    return clauses


async def volume_cells(session: AsyncSession, start: datetime, end: datetime, scope: Scope,
                       split: Sequence[str], dirty: set[date], granularity: str | None = None) -> list[Cell]:
    """Mentions and reach in [start, end) per bucket (`granularity` hour, day, week; None: the whole period) and
    per value of the `split` columns (`profile_key` and/or dimensions): one query on `DayStat` for the settled
    days and one on `HourStat` for the rest. A cell's `at` is the bucket: an hour (datetime) or a day/Monday
    (date)."""
    if not scope.profile_keys or start >= end:
        return []
    days, ranges = split_window(start, end, dirty, granularity == "hour")
    cells: list[Cell] = []
    for model in (DayStat, HourStat):
        if model is DayStat and not days or model is HourStat and not ranges:
            continue
        bucket = _bucket(session, model, granularity)
        groups = [getattr(model, s) for s in split]
        if bucket is not None:
            groups.insert(0, bucket)
        query = select(func.sum(model.mentions), func.sum(model.reach), *groups).where(*_where(model, scope))
        if model is DayStat:
            kept = {d for d, _ in scope.dims} | {s for s in split if s in DIMS}
            query = query.where(DayStat.kind == volume_kind(kept), DayStat.day >= days[0], DayStat.day <= days[-1])
            skipped = [d for d in dirty if days[0] <= d <= days[-1]]
            if skipped:
                query = query.where(DayStat.day.notin_(skipped))
        else:
            query = query.where(or_(*(and_(HourStat.hour >= a, HourStat.hour < b) for a, b in ranges)))
        if groups:
            query = query.group_by(*groups)
        first = 3 if bucket is not None else 2
        for row in await session.execute(query):
            if row[0] is None:
                continue
            cells.append(Cell(_bucket_key(row[2], granularity) if bucket is not None else None,
                              tuple(v if isinstance(v, str) else str(v) for v in row[first:]), int(row[0]),
                              int(row[1] or 0)))
    return cells


@dataclass
class Ranked:
    key: str
    label: str
    mentions: int
    reach: int


def week_split(first: date, last: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """The whole ISO weeks inside [first, last] (first and last Monday) and the days around them."""
    first_monday = first + timedelta(days=-first.weekday() % 7)
    last_sunday = last - timedelta(days=(last.weekday() + 1) % 7)
    if last_sunday < first_monday:
        return [(first, last)], None
    edges = [(a, b) for a, b in ((first, first_monday - DAY), (last_sunday + DAY, last)) if a <= b]
    return edges, (first_monday, last_sunday - timedelta(days=6))


def _ranked_where(base: str, scope: Scope, first: date, last: date) -> list[Any]:
    """The rows of a ranking: its shape for the filters; without filters, whole weeks from the weekly rows."""
    kind = ranked_kind(base, [d for d, _ in scope.dims])
    edges, weeks = week_split(first, last) if not scope.dims else ([(first, last)], None)
    if weeks is None:
        return [DayStat.kind == kind, DayStat.day >= first, DayStat.day <= last, *_where(DayStat, scope)]
    parts = [and_(DayStat.kind == kind, DayStat.day >= a, DayStat.day <= b) for a, b in edges]
    parts.append(and_(DayStat.kind == kind + WEEKLY, DayStat.day >= weeks[0], DayStat.day <= weeks[1]))
    return [or_(*parts), *_where(DayStat, scope)]


async def ranking(session: AsyncSession, base: str, scope: Scope, first: date, last: date,
                  limit: int = 10) -> list[Ranked]:
    """Top keys of a ranked kind over whole days (authors by reach, the rest by mentions)."""
    reach = func.max(DayStat.reach) if base == "author" else func.sum(DayStat.reach)
    mentions = func.sum(DayStat.mentions)
    order = (reach.desc(), mentions.desc(), DayStat.key) if base == "author" else (mentions.desc(), DayStat.key)
    query = (select(DayStat.key, func.max(DayStat.label), mentions, reach)
             .where(*_ranked_where(base, scope, first, last))
             .group_by(DayStat.key).order_by(*order).limit(limit))
    return [Ranked(key, label or key, int(n or 0), int(r or 0)) for key, label, n, r in await session.execute(query)]


async def places(session: AsyncSession, scope: Scope, first: date, last: date, previous: tuple[date, date],
                 limit: int = 10) -> tuple[int, list[Ranked], int]:
    """Distinct places of the period with its leading places (places are few: every place of the period comes
    back as one group), and the previous period's distinct places."""
    query = (select(DayStat.key, func.sum(DayStat.mentions), func.sum(DayStat.reach))
             .where(*_ranked_where("place", scope, first, last)).group_by(DayStat.key))
    rows = [Ranked(k, k, int(n or 0), int(r or 0)) for k, n, r in await session.execute(query)]
    top = sorted(rows, key=lambda r: (-r.mentions, r.key))[:limit]
    return len(rows), top, await places_count(session, scope, *previous)


async def places_count(session: AsyncSession, scope: Scope, first: date, last: date) -> int:
    """Distinct places over whole days."""
    query = select(func.count(func.distinct(DayStat.key))).where(*_ranked_where("place", scope, first, last))
    return int(await session.scalar(query) or 0)
