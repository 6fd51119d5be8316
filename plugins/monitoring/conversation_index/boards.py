"""The Conversation Index page's boards, computed ahead: a page view (or an API call) reads one stored row per
period preset instead of a quarter or a year of mentions.

The four presets end on the same day (yesterday), so the job reads the widest one once (52 weeks and its
look-back) and scores every preset's buckets from that one read; each bucket gets the same score as a read of
its own period would give (status and returning authors look back from each mention or bucket, and the look-back
of the widest preset covers them all).

A board is due when it is missing, when the presets moved on (a new day), when the search profiles changed, or
when the rollup recomputed a day a board reads (`mark_changed`) — then at most once per `MIN_AGE`, so a steady
stream of late mentions does not keep the job reading a year of mentions. The page says when its board was
computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import bulk_insert, utcnow
from plugins.monitoring.conversation_index import data
from plugins.monitoring.conversation_index.components import COMPONENTS, Score
from plugins.monitoring.conversation_index.service import PERIODS, Board, Period, parse_period, score_window
from plugins.monitoring.models import IndexBoard, SearchProfile

MIN_AGE = timedelta(hours=1)
"""A board whose days changed is computed again at most this often (a new day or new profiles: at once). Reading
a year of mentions is the job's dearest work (minutes of CPU and over a gigabyte at a million mentions a year,
docs/performance.md), and feeds deliver yesterday's items all day; an index over weeks moves little in an hour."""


def _score_out(score: Score) -> dict[str, Any]:
    return {"mentions": score.mentions, "components": dict(score.components), "value": score.value}


def _score_in(stored: dict[str, Any] | None) -> Score:
    if not stored:
        return Score()
    return Score(mentions=int(stored.get("mentions") or 0),
                 components={k: stored.get("components", {}).get(k) for k in COMPONENTS}, value=stored.get("value"))


def presets(today: date) -> dict[str, Period]:
    return {key: parse_period(key, today) for key in PERIODS}


def reads(period: Period, day: date) -> bool:
    """Whether a board of `period` reads `day`: one of its days or of the look-back before them."""
    return (period.start - data.LOOKBACK).date() <= day <= period.last_day


async def compute(session: AsyncSession, today: date) -> dict[str, Board]:
    """Every preset's board from one read of the widest period."""
    periods = presets(today)
    profiles = list(await session.scalars(select(SearchProfile).order_by(SearchProfile.name)))
    widest = min(periods.values(), key=lambda p: p.start)
    window = await data.window(session, widest.start, widest.end)
    return {key: score_window(window, period, profiles) for key, period in periods.items()}


def _row(board: Board, computed_at: datetime) -> dict[str, Any]:
    return {"period": board.period.key, "first": board.period.start.date(), "last": board.period.last_day,
            "computed_at": computed_at, "changed_at": None,
            "board": {"tenant": _score_out(board.tenant),
                      "profiles": {str(p.id): {"period": _score_out(board.breakdown[p.id]),
                                               "trend": [_score_out(s) for s in board.trend[p.id]]}
                                   for p in board.profiles}}}


async def _profile_ids(session: AsyncSession) -> set[str]:
    return {str(i) for i in await session.scalars(select(SearchProfile.id))}


def due(row: IndexBoard | None, period: Period, profile_ids: set[str], now: datetime) -> bool:
    if row is None or (row.first, row.last) != (period.start.date(), period.last_day):
        return True
    if set(row.board.get("profiles", {})) != profile_ids:
        return True
    return row.changed_at is not None and row.changed_at >= row.computed_at and now - row.computed_at >= MIN_AGE


async def refresh(session: AsyncSession, today: date, now: datetime | None = None) -> bool:
    """Compute and store every preset's board when one of them is due; True when it did. Idempotent."""
    now = now or utcnow()
    rows = {r.period: r for r in await session.scalars(select(IndexBoard))}
    ids = await _profile_ids(session)
    if not any(due(rows.get(k), p, ids, now) for k, p in presets(today).items()):
        return False
    boards = await compute(session, today)
    await bulk_insert(session, IndexBoard, [_row(b, now) for b in boards.values()], conflict=["tenant_id", "period"],
                      overwrite=["first", "last", "board", "computed_at", "changed_at"])
    return True


async def mark_changed(session: AsyncSession, days: Iterable[date], moment: datetime | None = None) -> int:
    """Note that the rollup recomputed `days`: the boards that read one of them become due. Returns how many."""
    days = sorted(set(days))
    if not days:
        return 0
    moment = moment or utcnow()
    marked = [r.id for r in await session.scalars(select(IndexBoard))
              if any(reads(_period_of(r), d) for d in days)]
    if marked:
        await session.execute(update(IndexBoard).where(IndexBoard.id.in_(marked)).values(changed_at=moment))
    return len(marked)


def _period_of(row: IndexBoard) -> Period:
    days, step = PERIODS.get(row.period, (0, 1))
    end = datetime(row.last.year, row.last.month, row.last.day, tzinfo=row.computed_at.tzinfo) + timedelta(days=1)
    return Period(key=row.period, start=end - timedelta(days=(row.last - row.first).days + 1), end=end,
                  bucket_days=step)


async def stored(session: AsyncSession, key: str) -> Board | None:
    """The stored board of a preset with today's search profiles (one added since shows no data until the job
    ran), or None before the job computed it."""
    row = await session.scalar(select(IndexBoard).where(IndexBoard.period == key))
    if row is None:
        return None
    period = _period_of(row)
    profiles = list(await session.scalars(select(SearchProfile).order_by(SearchProfile.name)))
    found = row.board.get("profiles", {})
    buckets = len(period.buckets)

    def trend(pid: UUID) -> list[Score]:
        stored_trend = [_score_in(s) for s in found.get(str(pid), {}).get("trend", [])]
        return stored_trend if len(stored_trend) == buckets else [Score() for _ in range(buckets)]

    board = Board(period=period, profiles=profiles, labels=[s.date().isoformat() for s, _ in period.buckets],
                  trend={p.id: trend(p.id) for p in profiles},
                  breakdown={p.id: _score_in(found.get(str(p.id), {}).get("period")) for p in profiles},
                  tenant=_score_in(row.board.get("tenant")))
    return replace(board, computed_at=row.computed_at)

