"""Webcare figures, aggregated in the database: the KPIs, the per-day series of the KPI page, and what the
overview widget shows about now.

Every KPI is about the cases OPENED in the period (a cohort): how many, how fast they got a first answer, how
fast they were resolved, how many ended within their SLA, how many negative ones ended positive. So a figure
for last week does not change when this week's cases come in, only when last week's cases progress. The
community share is about answers created in the period.

Durations are WALL-CLOCK minutes (what the customer waits, nights and weekends included); whether the team
kept its promise in business time is what the SLA share says (it compares with the deadlines the SLA slice
stored from the tenant's business hours). Days are whole UTC days, like the other plugins' KPIs.

Percentiles are continuous (linear interpolation, PostgreSQL's `percentile_cont`). On PostgreSQL the database
computes them; on SQLite (the embedded single-node set-up) Python computes them from at most `MAX_SAMPLE`
durations read in one bounded query (the newest cases win when there are more).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import as_utc
from plugins.webcare.models import OPEN_STATUSES, PRIORITIES, Answer, Case

DONE = ("resolved", "closed")
MAX_SAMPLE = 100_000
"""SQLite reads at most this many durations per percentile question."""


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval [start, end) of whole days."""

    start: datetime
    end: datetime

    @classmethod
    def of_days(cls, first: date, last: date) -> Window:
        """`first`..`last` inclusive."""
        return cls(datetime.combine(first, time(0), tzinfo=UTC),
                   datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC))

    def days(self) -> list[date]:
        first, last = self.start.date(), (self.end - timedelta(days=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True)
class Figures:
    """The KPIs of one window; None where nothing could be measured (no case answered, none ended, ...)."""

    cases: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None
    resolution_median: float | None = None
    within_sla: float | None = None
    """Percent of the ended cases (resolved or closed) whose first response and resolution met the deadline."""
    ended: int = 0
    negative_turned: float | None = None
    """Percent of the ended cases that started negative and ended positive."""
    negative_ended: int = 0
    community_customer_share: float | None = None
    """Percent of the published answers (by a customer or staff) that a customer gave."""
    answers: int = 0


def _pg(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def _ended_at() -> ColumnElement[Any]:
    return func.coalesce(Case.resolved_at, Case.closed_at)


def _in(window: Window) -> ColumnElement[bool]:
    return and_(Case.opened_at >= window.start, Case.opened_at < window.end)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Continuous percentile (as `percentile_cont`) of unsorted values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


# -- durations ---------------------------------------------------------------------------------------------------

async def _durations(session: AsyncSession, within: ColumnElement[bool], end_column: ColumnElement[Any],
                     *where: ColumnElement[bool]) -> list[tuple[date, float]]:
    """(UTC day opened, minutes from opened to `end_column`) of the cases `within` (opened in a window or in
    several), newest first, bounded."""
    rows = await session.execute(select(Case.opened_at, end_column).where(within, end_column.is_not(None), *where)
                                 .order_by(Case.opened_at.desc()).limit(MAX_SAMPLE))
    found = []
    for opened, ended in rows.all():
        found.append((opened.date(), (ended - opened).total_seconds() / 60))
    return found


def _minutes(end_column: ColumnElement[Any]) -> ColumnElement[Any]:
    return extract("epoch", end_column - Case.opened_at) / 60.0


async def _percentiles(session: AsyncSession, window: Window, end_column: ColumnElement[Any],
                       fractions: Sequence[float], *where: ColumnElement[bool]) -> list[float | None]:
    if _pg(session):
        minutes = _minutes(end_column)
        row = (await session.execute(select(*(func.percentile_cont(f).within_group(minutes) for f in fractions))
                                     .where(_in(window), end_column.is_not(None), *where))).one()
        return [_round(v) for v in row]
    values = [m for _d, m in await _durations(session, _in(window), end_column, *where)]
    return [_round(percentile(values, f)) for f in fractions]


# -- the KPIs ------------------------------------------------------------------------------------------------------

def _met(due: Any, done: ColumnElement[Any]) -> ColumnElement[bool]:
    """A deadline that is not set counts as met (the case never had that clock)."""
    return or_(due.is_(None), done <= due)


def _case_counts() -> list[ColumnElement[Any]]:
    """The counts of `Day` that come from the cases, in its field order after `opened`: negative, ended, within
    SLA, negative ended, turned (each a sum over the cases selected)."""
    ended = _ended_at()
    is_done = Case.status.in_(DONE)
    within = and_(is_done, _met(Case.first_response_due, func.coalesce(Case.first_response_at, ended)),
                  _met(Case.resolution_due, ended))
    negative = and_(is_done, Case.sentiment_first == "negative")
    return [func.sum(case((Case.sentiment_first == "negative", 1), else_=0)),
            func.sum(case((is_done, 1), else_=0)),
            func.sum(case((within, 1), else_=0)),
            func.sum(case((negative, 1), else_=0)),
            func.sum(case((and_(negative, Case.sentiment_last == "positive"), 1), else_=0))]


async def figures(session: AsyncSession, window: Window) -> Figures:
    """Every KPI of the window: one aggregate over the cases, two or three percentile questions, one over
    the answers."""
    row = (await session.execute(select(func.count(), *_case_counts()).where(_in(window)))).one()
    total, _negative, done, met, negative_done, turned = (int(v or 0) for v in row)
    median, p90, resolution = await response_times(session, window, resolution=bool(done))
    by_customer, answers = await community(session, window)
    return Figures(cases=total, first_response_median=median, first_response_p90=p90,
                   resolution_median=resolution, within_sla=_share(met, done), ended=done,
                   negative_turned=_share(turned, negative_done), negative_ended=negative_done,
                   community_customer_share=_share(by_customer, answers), answers=answers)


async def response_times(session: AsyncSession, window: Window,
                         resolution: bool = True) -> tuple[float | None, float | None, float | None]:
    """(first-response median, its p90, resolution median) of the window's cases: the figures that need every
    duration of the window, so no sum of days gives them. `resolution=False`: known to have no ended case."""
    median, p90 = await _percentiles(session, window, Case.first_response_at, (0.5, 0.9))
    [resolved] = await _percentiles(session, window, _ended_at(), (0.5,), Case.status.in_(DONE)) \
        if resolution else [None]
    return median, p90, resolved


async def community(session: AsyncSession, window: Window) -> tuple[int, int]:
    """(published answers by customers, published answers by customers or staff) created in the window."""
    by_customer = Answer.customer_id.is_not(None)
    row = (await session.execute(select(func.sum(case((by_customer, 1), else_=0)), func.count()).where(
        Answer.status == "published", Answer.created_at >= window.start, Answer.created_at < window.end,
        or_(by_customer, Answer.user_id.is_not(None))))).one()
    return int(row[0] or 0), int(row[1] or 0)


# -- series per day ------------------------------------------------------------------------------------------------

def _day(session: AsyncSession, column: Any = Case.opened_at) -> ColumnElement[Any]:
    if _pg(session):
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def cases_per_day(session: AsyncSession, window: Window) -> dict[date, dict[str, int]]:
    """Day → {"opened": n, "negative": n} for every day of the window (zeros included)."""
    day = _day(session)
    rows = await session.execute(select(day, func.count(), func.sum(case((Case.sentiment_first == "negative", 1),
                                                                         else_=0)))
                                 .where(_in(window)).group_by(day))
    found = {d: {"opened": 0, "negative": 0} for d in window.days()}
    for value, opened, negative in rows.all():
        found[_as_date(value)] = {"opened": int(opened), "negative": int(negative or 0)}
    return found


async def first_response_per_day(session: AsyncSession, window: Window) -> dict[date, tuple[float | None,
                                                                                            float | None]]:
    """Day opened → (median, p90) wall minutes to the first response (None on a day without answered cases)."""
    found: dict[date, tuple[float | None, float | None]] = {d: (None, None) for d in window.days()}
    return found | await _first_response_by_day(session, _in(window))


async def _first_response_by_day(session: AsyncSession, within: ColumnElement[bool]) -> dict[
        date, tuple[float | None, float | None]]:
    """Day opened → (median, p90) of the answered cases `within`; only days with one."""
    found: dict[date, tuple[float | None, float | None]] = {}
    if _pg(session):
        day, minutes = _day(session), _minutes(Case.first_response_at)
        rows = await session.execute(select(day, func.percentile_cont(0.5).within_group(minutes),
                                            func.percentile_cont(0.9).within_group(minutes))
                                     .where(within, Case.first_response_at.is_not(None)).group_by(day))
        for value, median, p90 in rows.all():
            found[_as_date(value)] = (_round(median), _round(p90))
        return found
    per: dict[date, list[float]] = defaultdict(list)
    for day_opened, minutes_ in await _durations(session, within, Case.first_response_at):
        per[day_opened].append(minutes_)
    for day_opened, values in per.items():
        found[day_opened] = (_round(percentile(values, 0.5)), _round(percentile(values, 0.9)))
    return found


# -- whole days, stored (the KPI page's day rows) --------------------------------------------------------------------

@dataclass(frozen=True)
class Day:
    """One UTC day: counts of the cases opened and the answers created that day, which add up over days, and
    the day's own first-response median and p90 (a chart point: percentiles do not add up)."""

    opened: int = 0
    negative: int = 0
    ended: int = 0
    within_sla: int = 0
    negative_ended: int = 0
    turned: int = 0
    answers: int = 0
    customer_answers: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None


COUNTS = ("opened", "negative", "ended", "within_sla", "negative_ended", "turned", "answers", "customer_answers")
"""`Day`'s counts, in the order `days` reads them."""


def _in_any(windows: Sequence[Window], column: Any = Case.opened_at) -> ColumnElement[bool]:
    return or_(*(and_(column >= w.start, column < w.end) for w in windows))


async def days(session: AsyncSession, windows: Sequence[Window]) -> dict[date, Day]:
    """The `Day` of every day of `windows` that has a case or an answer: the questions of `figures`, grouped per
    day (an aggregate over the cases, one over the answers, the first-response percentiles)."""
    if not windows:
        return {}
    day = _day(session)
    counts: dict[date, list[int]] = {}
    for value, *row in (await session.execute(select(day, func.count(), *_case_counts())
                                              .where(_in_any(windows)).group_by(day))).all():
        counts[_as_date(value)] = [int(v or 0) for v in row] + [0, 0]
    answer_day = _day(session, Answer.created_at)
    by_customer = Answer.customer_id.is_not(None)
    for value, customers, total in (await session.execute(
            select(answer_day, func.sum(case((by_customer, 1), else_=0)), func.count())
            .where(Answer.status == "published", or_(by_customer, Answer.user_id.is_not(None)),
                   _in_any(windows, Answer.created_at)).group_by(answer_day))).all():
        counts.setdefault(_as_date(value), [0] * 8)[6:] = [int(total), int(customers or 0)]
    times = await _first_response_by_day(session, _in_any(windows))
    return {d: Day(**dict(zip(COUNTS, c, strict=True)), first_response_median=times.get(d, (None, None))[0],
                   first_response_p90=times.get(d, (None, None))[1]) for d, c in counts.items()}


def added_up(found: Sequence[Day], times: tuple[float | None, float | None, float | None]) -> Figures:
    """`Figures` of a period from its days' counts and the period's `response_times` (exactly `figures` of the
    same period: every count is a sum over its days)."""
    def total(name: str) -> int:
        return sum(getattr(d, name) for d in found)

    ended, negative_ended, answers = total("ended"), total("negative_ended"), total("answers")
    return Figures(cases=total("opened"), first_response_median=times[0], first_response_p90=times[1],
                   resolution_median=times[2], within_sla=_share(total("within_sla"), ended), ended=ended,
                   negative_turned=_share(total("turned"), negative_ended), negative_ended=negative_ended,
                   community_customer_share=_share(total("customer_answers"), answers), answers=answers)


async def changed_days(session: AsyncSession, since: datetime) -> set[date]:
    """The days of the cases (opened) and answers (created) changed at or after `since` (`updated_at`)."""
    found = set()
    for day, changed in ((_day(session), Case.updated_at), (_day(session, Answer.created_at), Answer.updated_at)):
        found |= {_as_date(v) for v in (await session.scalars(select(day).where(changed >= since).distinct()))}
    return found


async def data_days(session: AsyncSession) -> tuple[date, date] | None:
    """The first and the last day with a case (opened) or an answer (created); None without either."""
    ends: list[date] = []
    for column in (Case.opened_at, Answer.created_at):
        row = (await session.execute(select(func.min(column), func.max(column)))).one()
        ends += [as_utc(v).date() if isinstance(v, datetime) else _as_date(v) for v in row if v is not None]
    return (min(ends), max(ends)) if ends else None


# -- now -----------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Now:
    """Open cases by status and priority, and how many are past or close to a deadline."""

    by_status: dict[str, int]
    by_priority: dict[str, int]
    breached: int
    at_risk: int

    @property
    def open(self) -> int:
        return sum(self.by_status.values())


async def now_figures(session: AsyncSession, moment: datetime, horizon: datetime) -> Now:
    """`horizon`: the moment `warn_before_minutes` business minutes after `moment` (from the tenant's clock).

    Breached: an open case (not waiting: its clocks stand still) past its first-response deadline without a
    first response, or past its resolution deadline. At risk: not breached, but a deadline falls before the
    horizon (what the SLA job warns about)."""
    grid = await session.execute(select(Case.status, Case.priority, func.count())
                                 .where(Case.status.in_(OPEN_STATUSES)).group_by(Case.status, Case.priority))
    by_status = dict.fromkeys(OPEN_STATUSES, 0)
    by_priority = dict.fromkeys(PRIORITIES, 0)
    for status, priority, count in grid.all():
        by_status[status] = by_status.get(status, 0) + int(count)
        by_priority[priority] = by_priority.get(priority, 0) + int(count)
    live = Case.status.in_([s for s in OPEN_STATUSES if s != "waiting"])
    unanswered = Case.first_response_at.is_(None)
    breached = or_(and_(unanswered, Case.first_response_due <= moment), Case.resolution_due <= moment)
    close = or_(and_(unanswered, Case.first_response_due <= horizon), Case.resolution_due <= horizon)
    row = (await session.execute(select(func.sum(case((breached, 1), else_=0)),
                                        func.sum(case((breached, 0), (close, 1), else_=0)))
                                 .where(live, close))).one()
    return Now(by_status=by_status, by_priority=by_priority, breached=int(row[0] or 0), at_risk=int(row[1] or 0))
