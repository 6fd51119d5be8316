"""Periods, buckets and the figures the page, the KPI and the widget show (whole UTC days)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import N_, clean_choice
from plugins.monitoring.conversation_index import data
from plugins.monitoring.conversation_index.components import Score, score_series
from plugins.monitoring.models import ALL_PROFILES, SearchProfile

PERIODS: dict[str, tuple[int, int]] = {"30d": (30, 1), "13w": (91, 7), "26w": (182, 7), "52w": (364, 7)}
"""Period key → (days, bucket days): daily points for a month, weekly ones beyond."""
PERIOD_LABELS = {"30d": N_("Last 30 days"), "13w": N_("Last 13 weeks"), "26w": N_("Last 26 weeks"),
                 "52w": N_("Last 52 weeks")}
DEFAULT_PERIOD = "13w"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, cut in buckets; `key` is the chosen preset."""

    key: str
    start: datetime
    end: datetime
    bucket_days: int

    @property
    def buckets(self) -> list[tuple[datetime, datetime]]:
        step = timedelta(days=self.bucket_days)
        out, at = [], self.start
        while at < self.end:
            out.append((at, min(at + step, self.end)))
            at += step
        return out

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()


def parse_period(value: Any, today: date | None = None) -> Period:
    """A preset of whole days ending yesterday (as the dashboard's "last 30 days": a day counts once it is
    over); anything else is refused on the field `period` (422)."""
    key = clean_choice(value or DEFAULT_PERIOD, "period", PERIODS)
    days, step = PERIODS[key]
    end = _midnight(today or datetime.now(UTC).date())
    return Period(key=key, start=end - timedelta(days=days), end=end, bucket_days=step)


def days_period(first: date, last: date) -> Period:
    """One bucket over whole days `first`…`last` (inclusive), as KPIs are asked for."""
    return Period(key="custom", start=_midnight(first), end=_midnight(last + timedelta(days=1)),
                  bucket_days=(last - first).days + 1)


async def scores(session: AsyncSession, period: Period, buckets: Sequence[tuple[datetime, datetime]],
                 keys: Sequence[UUID], per_profile: bool = True) -> dict[UUID, list[Score]]:
    """Every scope's score per bucket (`keys`: profile ids, or `[ALL_PROFILES]` with `per_profile=False`)."""
    found = await data.window(session, period.start, period.end, per_profile)
    return _score(found, buckets, keys, per_profile)


def _score(found: data.Window, buckets: Sequence[tuple[datetime, datetime]], keys: Sequence[UUID],
           per_profile: bool) -> dict[UUID, list[Score]]:
    rows = found.profile_rows if per_profile else found.rows
    return score_series(rows, found.before, found.seen, buckets, keys, rank=per_profile)


async def tenant_score(session: AsyncSession, first: date, last: date) -> Score:
    """Every mention once, over whole days (ranking does not apply to the tenant as a whole)."""
    period = days_period(first, last)
    found = await scores(session, period, [(period.start, period.end)], [ALL_PROFILES], per_profile=False)
    return found[ALL_PROFILES][0]


@dataclass
class Board:
    """The page: the trend per profile and the breakdown of the whole period."""

    period: Period
    profiles: list[SearchProfile]
    labels: list[str]
    trend: dict[UUID, list[Score]]
    breakdown: dict[UUID, Score]
    tenant: Score
    computed_at: datetime | None = None
    """When the board job computed it (None: read just now)."""

    @property
    def shown(self) -> list[SearchProfile]:
        """Profiles with mentions in the period (the others have nothing to draw)."""
        return [p for p in self.profiles if self.breakdown[p.id].mentions]


def score_window(window: data.Window, period: Period, profiles: list[SearchProfile]) -> Board:
    """The board of `period` from a window that covers it and its look-back (it may be wider: the board job reads
    the widest preset once for all four)."""
    keys = [p.id for p in profiles]
    whole_period = (period.start, period.end)
    found = _score(window, [*period.buckets, whole_period], keys, per_profile=True)
    tenant = _score(window, [whole_period], [ALL_PROFILES], per_profile=False)[ALL_PROFILES][0]
    return Board(period=period, profiles=profiles, labels=[s.date().isoformat() for s, _ in period.buckets],
                 trend={k: v[:-1] for k, v in found.items()}, breakdown={k: v[-1] for k, v in found.items()},
                 tenant=tenant)


async def board(session: AsyncSession, period: Period) -> Board:
    """One period's board read from the mentions (the board job stores them; pages read `boards.stored`)."""
    profiles = list(await session.scalars(select(SearchProfile).order_by(SearchProfile.name)))
    return score_window(await data.window(session, period.start, period.end), period, profiles)


def values(series: Sequence[Score]) -> list[float | None]:
    return [s.value for s in series]


def component_values(score: Score, keys: Mapping[str, Any]) -> list[float | None]:
    return [score.components.get(k) for k in keys]
