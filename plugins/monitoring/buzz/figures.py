"""Reading the rollups: volume cells from `DayStat` (clean whole days) and `HourStat` (the rest), and rankings.

A period is cut into whole UTC days that the rollup has settled (one `vol…` row set per day) and hour ranges
for everything else: the ragged ends of a rolling period and the days still queued in `DirtyDay`. The two
never overlap, so every figure is exact and current without reading a single mention. Hourly charts read
`HourStat` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    and_,
    cast,
    func,
    inspect,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

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


async def small_plans(session: AsyncSession) -> None:
    """PostgreSQL's JIT compiles these small aggregates for longer than they run (tens of ms on a 2-core box), and
    parallel workers take longer to start than a `UNION` of them takes: both off for the rest of this transaction,
    in one round trip."""
    if _is_postgres(session):
        await session.execute(select(func.set_config("jit", "off", True),
                                     func.set_config("max_parallel_workers_per_gather", "0", True)))


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


def _day_of(postgres: bool, column: Any) -> Any:
    """The UTC day of a timestamp, in SQL."""
    return cast(func.timezone("UTC", column), Date) if postgres else func.date(column)


def _week_of(postgres: bool, day: Any) -> Any:
    """The Monday of a day's week, in SQL."""
    if postgres:
        return cast(func.date_trunc("week", day), Date)
    return func.date(day, "weekday 0", "-6 days")


def _bucket(postgres: bool, model: Any, granularity: str | None) -> Any:
    """The bucket a row counts in, computed by the database so it returns a row per bucket, not per hour."""
    if granularity is None:
        return None
    if model is HourStat:
        if granularity == "hour":
            return HourStat.hour
        day = _day_of(postgres, HourStat.hour)
    else:
        day = DayStat.day
    return day if granularity == "day" else _week_of(postgres, day)


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


def _reach_sum(model: Any) -> Any:
    """Reach summed as a bigint: PostgreSQL sums a bigint column as numeric, and turning that into a Decimal costs
    more per row than all the rest of the row."""
    return cast(func.sum(model.reach), BigInteger)


class VolumeRead(NamedTuple):
    """One figure's counts: mentions and reach in [start, end) of `scope`, per `granularity` bucket (hour, day,
    week; None: the whole period) and per value of the `split` columns (`profile_key` and/or dimensions)."""

    start: datetime
    end: datetime
    scope: Scope
    split: tuple[str, ...] = ()
    granularity: str | None = None


async def volume_cells(session: AsyncSession, start: datetime, end: datetime, scope: Scope,
                       split: Sequence[str], dirty: set[date], granularity: str | None = None) -> list[Cell]:
    """The cells of one `VolumeRead`. A cell's `at` is the bucket: an hour (datetime) or a day/Monday (date)."""
    return (await volume_reads(session, [VolumeRead(start, end, scope, tuple(split), granularity)], dirty))[0]


async def volume_reads(session: AsyncSession, reads: Sequence[VolumeRead], dirty: set[date]) -> list[list[Cell]]:
    """The cells of every read, in one statement (see `_volume_plan`)."""
    plan = _volume_plan(_is_postgres(session), tuple(reads), frozenset(dirty))
    cells: list[list[Cell]] = [[] for _ in reads]
    if plan is None:
        return cells
    as_text = _profile_text(session.get_bind().dialect)
    keys = [_key_of([(i, as_text if c == "profile_key" else None) for i, c in fields]) for fields in plan.fields]
    for row in await _union(session, plan.statement):
        if row[1] is None:  # a whole period without rows
            continue
        i = row[0]
        at = _bucket_key(row[3], reads[i].granularity) if plan.bucketed else None
        cells[i].append(Cell(at, keys[i](row), int(row[1]), int(row[2] or 0)))
    return cells


class _Plan(NamedTuple):
    statement: Any
    fields: tuple[tuple[tuple[int, str], ...], ...]
    """Per read: the position and name of each of its split columns in a row."""
    bucketed: bool


@lru_cache(maxsize=64)
def _volume_plan(postgres: bool, reads: tuple[VolumeRead, ...], dirty: frozenset[date]) -> _Plan | None:
    """One statement for every read: `DayStat` for the settled days and `HourStat` for the rest, each part of each
    read one branch of a `UNION ALL`, tagged with the read's position; a branch holds NULL in a split column its
    read does not split by. The reads that have buckets share one granularity. Built once per set of reads: a
    rolling period moves on by the hour, so every view of the same filters reuses it until then."""
    bucketed = {r.granularity for r in reads} - {None}
    if len(bucketed) > 1:
        raise ValueError("one statement, one bucket size")
    columns = list(dict.fromkeys(c for r in reads for c in r.split))  # every split column once, by name
    nothing = {c: _raw(cast(null(), getattr(DayStat, c).type)) for c in columns}  # typed: the branches must agree
    no_bucket = cast(null(), DateTime(timezone=True) if bucketed == {"hour"} else Date())
    branches = []
    for i, read in sorted(enumerate(reads), key=lambda ir: ir[1].granularity is None):  # typed columns first
        if not read.scope.profile_keys or read.start >= read.end:
            continue
        days, ranges = split_window(read.start, read.end, set(dirty), read.granularity == "hour")
        for model in (DayStat, HourStat):
            if model is DayStat and not days or model is HourStat and not ranges:
                continue
            bucket = _bucket(postgres, model, read.granularity)
            groups = [getattr(model, s) for s in read.split] + ([bucket] if bucket is not None else [])
            values = [_raw(getattr(model, c)) if c in read.split else nothing[c] for c in columns]
            query = (select(literal(i), func.sum(model.mentions), _reach_sum(model),
                            *([no_bucket if bucket is None else bucket] if bucketed else []), *values)
                     .where(*_where(model, read.scope)))
            if model is DayStat:
                kept = {d for d, _ in read.scope.dims} | {s for s in read.split if s in DIMS}
                query = query.where(DayStat.kind == volume_kind(kept), DayStat.day >= days[0],
                                    DayStat.day <= days[-1])
                skipped = sorted(d for d in dirty if days[0] <= d <= days[-1])
                if skipped:
                    query = query.where(DayStat.day.notin_(skipped))
            else:
                query = query.where(or_(*(and_(HourStat.hour >= a, HourStat.hour < b) for a, b in ranges)))
            branches.append(query.group_by(*groups) if groups else query)
    if not branches:
        return None
    first = 4 if bucketed else 3  # read, mentions, reach[, bucket], then the split columns
    fields = tuple(tuple((first + columns.index(c), c) for c in r.split) for r in reads)
    return _Plan(branches[0] if len(branches) == 1 else union_all(*branches), fields, bool(bucketed))


async def _union(session: AsyncSession, statement: Any) -> Sequence[Any]:
    """The rows of a statement on the rollups. A `UNION` names no subject of its own, so the session is told it
    reads the rollups: the tenancy guard then knows at once to scope it, without walking the statement."""
    return (await session.execute(statement, bind_arguments={"mapper": inspect(DayStat)})).all()


def _raw(column: Any) -> Any:
    """A split column as the driver returns it, converted in Python only where a read needs it: a `UNION` takes its
    types from the first branch, and a profile key's type would otherwise convert every row of every read."""
    return type_coerce(column, NullType())


@lru_cache(maxsize=8)
def _profile_text(dialect: Dialect) -> Callable[[Any], str]:
    """A profile key as the driver returns it (a UUID, or its bytes on SQLite), as text."""
    process = DayStat.__table__.c.profile_key.type.dialect_impl(dialect).result_processor(dialect, None)
    return (lambda value: str(process(value))) if process else str


def _key_of(fields: list[tuple[int, Callable[[Any], str] | None]]) -> Callable[[Any], tuple[str, ...]]:
    """A cell's key from its row: the split columns' values at their positions, each converted if it says how."""
    if not fields:
        return lambda row: ()
    if len(fields) == 1:
        (i, convert), = fields
        return (lambda row: (row[i],)) if convert is None else (lambda row: (convert(row[i]),))
    return lambda row: tuple(row[i] if convert is None else convert(row[i]) for i, convert in fields)


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


def _ranking_query(postgres: bool, base: str, scope: Scope, first: date, last: date,
                   limit: int) -> tuple[Any, tuple[Any, ...]]:
    """The top keys of a ranked kind (authors by reach, the rest by mentions; places by mentions, ties by code
    point) and the order that ranks them."""
    mentions = func.sum(DayStat.mentions)
    if base == "author":
        reach = func.max(DayStat.reach)
        order: tuple[Any, ...] = (reach.desc(), mentions.desc(), DayStat.key)
    else:
        reach = _reach_sum(DayStat)
        tie = DayStat.key.collate("C") if base == "place" and postgres else DayStat.key  # code points, as Python
        order = (mentions.desc(), tie)
    query = (select(DayStat.key, func.max(DayStat.label), mentions, reach)
             .where(*_ranked_where(base, scope, first, last))
             .group_by(DayStat.key).order_by(*order).limit(limit))
    return query, order


async def ranking(session: AsyncSession, base: str, scope: Scope, first: date, last: date,
                  limit: int = 10) -> list[Ranked]:
    """Top keys of a ranked kind over whole days (authors by reach, the rest by mentions)."""
    query, _ = _ranking_query(_is_postgres(session), base, scope, first, last, limit)
    return [Ranked(key, label or key, int(n or 0), int(r or 0)) for key, label, n, r in await session.execute(query)]


@dataclass
class Rankings:
    """The dashboard's rankings over whole days, with the number of distinct places now and before."""

    authors: list[Ranked]
    terms: list[Ranked]
    hashtags: list[Ranked]
    places: list[Ranked]
    place_count: int
    previous_place_count: int


async def rankings(session: AsyncSession, scope: Scope, first: date, last: date, previous: tuple[date, date],
                   limits: Mapping[str, int]) -> Rankings:
    """Every ranking of `limits` (base → how many), the distinct places of the period and of `previous`, in one
    statement: one round trip instead of one per list. Each part carries its rank, so the lists keep the order
    `ranking` gives them."""
    statement = _rankings_statement(_is_postgres(session), scope, first, last, previous, tuple(limits.items()))
    found: dict[str, list[tuple[int, Ranked]]] = {base: [] for base in (*limits, "place-before")}
    place_count = 0
    for key, label, mentions, reach, base, rank, places in await _union(session, statement):
        if base == "place":
            place_count, label = int(places), key
        found[base].append((rank, Ranked(key, label or key, int(mentions or 0), int(reach or 0))))
    lists = {base: [r for _, r in sorted(rows, key=lambda row: row[0])] for base, rows in found.items()}
    return Rankings(authors=lists.get("author", []), terms=lists.get("term", []), hashtags=lists.get("hashtag", []),
                    places=lists.get("place", []), place_count=place_count,
                    previous_place_count=lists["place-before"][0].mentions)


@lru_cache(maxsize=64)
def _rankings_statement(postgres: bool, scope: Scope, first: date, last: date, previous: tuple[date, date],
                        limits: tuple[tuple[str, int], ...]) -> Any:
    """The `UNION ALL` of the rankings, built once per filters and days (see `_volume_plan`)."""
    parts = []
    for base, limit in limits:
        query, order = _ranking_query(postgres, base, scope, first, last, limit)
        places = func.count().over() if base == "place" else literal(0, BigInteger)
        parts.append(query.add_columns(literal(base), func.row_number().over(order_by=order), places).subquery())
    before = select(literal(""), literal(""), func.count(func.distinct(DayStat.key)), literal(0, BigInteger),
                    literal("place-before"), literal(1, BigInteger), literal(0, BigInteger))
    return union_all(*(select(*part.c) for part in parts), before.where(*_ranked_where("place", scope, *previous)))


async def places_count(session: AsyncSession, scope: Scope, first: date, last: date) -> int:
    """Distinct places over whole days."""
    query = select(func.count(func.distinct(DayStat.key))).where(*_ranked_where("place", scope, first, last))
    return int(await session.scalar(query) or 0)
