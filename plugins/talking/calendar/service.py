"""What the calendar shows: a month or a week of posts (in the organisation's time zone) or a paginated list,
filtered by account, department, campaign, stream and state.

A month reads its posts in a constant number of statements whatever their number: the ids of the posts shown
(at most `per_day` a day, the rest counted as "n more"; on PostgreSQL picked and counted by the database), then
those posts with their variants (`selectinload`). The list pages through the same filters.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Date, Select, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.plugins.api import utcnow
from plugins.talking.models import STATES, Post, PostVariant
from plugins.talking.moments import ZONE, day_start, local_day

VIEWS = ("month", "week", "list")
WHEN = ("upcoming", "past", "all")
MONTH_PER_DAY = 4
WEEK_PER_DAY = 40


@dataclass(frozen=True)
class Filters:
    account: UUID | None = None
    department: UUID | None = None
    campaign: UUID | None = None
    stream: UUID | None = None
    state: str = ""

    @classmethod
    def of(cls, params: dict[str, Any]) -> Filters:
        """From the query string; a value that is not an id or a state is ignored (a stale bookmark still opens)."""
        def uuid(name: str) -> UUID | None:
            try:
                return UUID(str(params.get(name) or ""))
            except ValueError:
                return None

        state = str(params.get("state") or "")
        return cls(uuid("account"), uuid("department"), uuid("campaign"), uuid("stream"),
                   state if state in STATES else "")

    def params(self) -> dict[str, str]:
        return {k: str(v) for k, v in (("account", self.account), ("department", self.department),
                                      ("campaign", self.campaign), ("stream", self.stream), ("state", self.state))
                if v}

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.account is not None:
            query = query.where(exists().where(PostVariant.post_id == Post.id, PostVariant.account_id == self.account))
        if self.department is not None:
            query = query.where(Post.department_id == self.department)
        if self.campaign is not None:
            query = query.where(Post.campaign_id == self.campaign)
        if self.stream is not None:
            query = query.where(Post.stream_id == self.stream)
        if self.state:
            query = query.where(Post.state == self.state)
        return query


@dataclass(frozen=True)
class Platform:
    platform: str


@dataclass
class Card:
    """What a calendar cell shows of a post: no ORM object, no texts (a month shows a hundred or more)."""

    id: UUID
    title: str
    state: str
    state_reason: str
    publish_at: datetime | None
    variants: list[Platform] = field(default_factory=list)
    """Its accounts' platforms, in the order the post page shows them."""


async def cards(session: AsyncSession, ids: list[UUID]) -> dict[UUID, Card]:
    """The cards of these posts in two light statements (columns, not objects)."""
    if not ids:
        return {}
    found = {row.id: Card(row.id, row.title, row.state, row.state_reason, row.publish_at)
             for row in (await session.execute(select(Post.id, Post.title, Post.state, Post.state_reason,
                                                      Post.publish_at).where(Post.id.in_(ids)))).all()}
    for post_id, platform in (await session.execute(
            select(PostVariant.post_id, PostVariant.platform).where(PostVariant.post_id.in_(ids))
            .order_by(PostVariant.platform, PostVariant.created_at))).all():
        found[post_id].variants.append(Platform(platform))
    return found


@dataclass
class Day:
    day: date
    posts: list[Card] = field(default_factory=list)
    more: int = 0
    """Posts of the day beyond those shown."""
    in_range: bool = True
    """False for the days of the neighbouring months that fill a month's first and last week."""

    @property
    def is_today(self) -> bool:
        return self.day == local_day(utcnow())


def parse_month(value: Any) -> date:
    """"2026-05" → 1 May 2026; anything else: this month."""
    try:
        year, month = (int(p) for p in str(value or "").split("-", 1))
        return date(year, month, 1)
    except ValueError:
        return local_day(utcnow()).replace(day=1)


def parse_week(value: Any) -> date:
    """Any day → the Monday of its week; anything else: this week's Monday."""
    try:
        day = date.fromisoformat(str(value or ""))
    except ValueError:
        day = local_day(utcnow())
    return day - timedelta(days=day.weekday())


def month_days(month: date) -> list[date]:
    """The days of a month's grid: from the Monday on or before the 1st to the Sunday on or after the last day."""
    first = month - timedelta(days=month.weekday())
    after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = after - timedelta(days=1)
    last += timedelta(days=6 - last.weekday())
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


async def days_of(session: AsyncSession, days: list[date], filters: Filters, per_day: int,
                  in_range: tuple[date, date] | None = None) -> list[Day]:
    """The posts of `days` (local days), at most `per_day` shown a day, in a constant number of statements."""
    start, end = day_start(days[0]), day_start(days[-1] + timedelta(days=1))
    if session.bind.dialect.name == "postgresql":
        shown, counted = await _first_per_day(session, filters, start, end, per_day)
    else:
        shown, counted = await _first_per_day_read(session, filters, start, end, per_day)
    posts = await cards(session, [i for ids in shown.values() for i in ids])
    low, high = in_range or (days[0], days[-1])
    return [Day(day, [posts[i] for i in shown.get(day, []) if i in posts],
                counted.get(day, 0) - len(shown.get(day, [])), low <= day <= high) for day in days]


async def _first_per_day(session: AsyncSession, filters: Filters, start: datetime, end: datetime, per_day: int
                         ) -> tuple[dict[date, list[UUID]], dict[date, int]]:
    """PostgreSQL: the day's first `per_day` ids and its count come from the database (a window over the local
    day), so a month of 10,000 posts sends about a hundred rows, not 10,000."""
    local = cast(func.timezone(ZONE.key, Post.publish_at), Date).label("day")
    ranked = filters.apply(select(
        Post.id, local,
        func.row_number().over(partition_by=local, order_by=(Post.publish_at, Post.id)).label("n"),
        func.count().over(partition_by=local).label("total"),
    ).where(Post.publish_at >= start, Post.publish_at < end)).subquery()
    rows = await session.execute(select(ranked.c.id, ranked.c.day, ranked.c.total).where(ranked.c.n <= per_day)
                                 .order_by(ranked.c.day, ranked.c.n))
    shown: dict[date, list[UUID]] = defaultdict(list)
    counted: dict[date, int] = {}
    for post_id, day, total in rows.all():
        shown[day].append(post_id)
        counted[day] = total
    return shown, counted


async def _first_per_day_read(session: AsyncSession, filters: Filters, start: datetime, end: datetime,
                              per_day: int) -> tuple[dict[date, list[UUID]], dict[date, int]]:
    """Elsewhere (SQLite, no time zones): one light read of the range's ids and moments, days counted here."""
    rows = await session.execute(filters.apply(select(Post.id, Post.publish_at).where(
        Post.publish_at >= start, Post.publish_at < end)).order_by(Post.publish_at, Post.id))
    shown: dict[date, list[UUID]] = defaultdict(list)
    counted: dict[date, int] = defaultdict(int)
    for post_id, moment in rows.all():
        day = local_day(moment)
        counted[day] += 1
        if len(shown[day]) < per_day:
            shown[day].append(post_id)
    return shown, counted


def list_query(filters: Filters, when: str, day: date | None = None) -> Select[Any]:
    """Posts for the list view: upcoming (and undated drafts) first in time order, or the past newest first, or
    one day; with their variants."""
    query = filters.apply(select(Post)).options(selectinload(Post.variants))
    now = utcnow()
    if day is not None:
        return query.where(Post.publish_at >= day_start(day), Post.publish_at < day_start(day + timedelta(days=1))) \
            .order_by(Post.publish_at, Post.id)
    if when == "past":
        return query.where(Post.publish_at < now).order_by(Post.publish_at.desc(), Post.id)
    if when == "all":
        return query.order_by(Post.publish_at.is_(None), Post.publish_at.desc(), Post.id)
    return query.where((Post.publish_at >= now) | Post.publish_at.is_(None)) \
        .order_by(Post.publish_at.is_(None), Post.publish_at, Post.id)


def week_title_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def shift_month(month: date, by: int) -> date:
    index = month.year * 12 + month.month - 1 + by
    return date(index // 12, index % 12 + 1, 1)
