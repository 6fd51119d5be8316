"""The `DayStat` rollup: per UTC day, the figures the dashboard reads instead of a million mentions.

Kinds (the `kind` column; the index leads with it, so each kind is one cheap range per profile and day):

- `vol…` — mentions and reach per day, from `HourStat` (exact). The letters after `vol` say which
  dimensions a row keeps (`s` source type, `l` language, `e` sentiment); the others hold `*`. All eight
  combinations are stored (`vol`, `vols`, `voll`, `vole`, `volsl`, `volse`, `volle`, `volsle`), so any filter
  plus one split (per source type, per sentiment) reads exactly the rows it needs.
- rankings (`term`, `hashtag`, `author`, `place`), each in four shapes so that a filter reads only its rows:
  `term*` over all dimensions (top `TOP["*"]`, the unfiltered dashboard), `term:s`, `term:l`, `term:e` per
  single dimension (top `TOP[":"]`, one filter) and `term` per every dimension (top `TOP[""]`, several
  filters). Authors rank by reach. Places are all kept (they are few), so distinct places are exact; they
  come as `place*` and `place` only (a place mostly has one source type and language, so per-dimension
  shapes would save little).
- `term*w`, `hashtag*w`, `author*w`, `place*w` — the all-dimensions rankings per ISO week (`day` is the
  Monday), summed from the week's days: a year reads 52 weeks, not 365 days.

Rankings are approximate in the usual way of pre-aggregated tools (a key outside a day's top list does not
count for that day); volume, sentiment and places are exact. Recomputing a day deletes its rows and inserts
them again (then its week's), so the job can run twice; the `DirtyDay` row goes in the same transaction.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.monitoring.buzz.terms import hashtags_of, terms_of
from plugins.monitoring.models import ALL_PROFILES, DayStat, DirtyDay, HourStat, Mention, MentionProfile, SearchProfile

DIMS = ("source_type", "language", "sentiment")
LETTERS = {"source_type": "s", "language": "l", "sentiment": "e"}
ANY = "*"
"""The value of a dimension a row adds up over."""
RANKED = ("term", "hashtag", "author", "place")
SHAPES = {"*": (), ":s": ("source_type",), ":l": ("language",), ":e": ("sentiment",), "": DIMS}
"""Kind suffix → the dimensions its rows keep (the others hold `*`)."""
TOP = {"*": 50, ":": 20, "": 10}
"""Terms, hashtags and authors kept per day and group, by shape (places: all)."""
WEEKLY = "w"
KEY_LENGTH = 300
INSERT_CHUNK = 2000


def volume_kind(kept: Iterable[str]) -> str:
    """`vol` plus the letters of the dimensions the rows keep, in `DIMS` order."""
    kept = set(kept)
    return "vol" + "".join(LETTERS[d] for d in DIMS if d in kept)


def ranked_kind(base: str, filtered: Iterable[str] = ()) -> str:
    """The shape a ranking reads: over all dimensions, per the one filtered dimension, or in full detail."""
    filtered = [d for d in DIMS if d in set(filtered)]
    if not filtered:
        return base + "*"
    return f"{base}:{LETTERS[filtered[0]]}" if len(filtered) == 1 and base != "place" else base


VOLUME_KINDS = tuple(volume_kind(c) for n in range(4) for c in itertools.combinations(DIMS, n))
RANKED_KINDS = tuple(base + suffix for base in RANKED for suffix in SHAPES
                     if not (base == "place" and suffix.startswith(":")))
WEEKLY_KINDS = tuple(base + "*" + WEEKLY for base in RANKED)
ALL_KINDS = VOLUME_KINDS + RANKED_KINDS


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class DayMention:
    """One (not folded) mention as the rankings see it."""

    profile_keys: tuple[UUID, ...]
    """`ALL_PROFILES` and the profiles it matched."""
    source_type: str
    language: str
    sentiment: str
    place: str
    author_handle: str
    author_name: str
    author_reach: int
    terms: frozenset[str]
    hashtags: frozenset[str]


def day_mention(profile_ids: Iterable[UUID], source_type: str, language: str, sentiment: str, place: str,
                author_handle: str, author_name: str, author_reach: int, title: str, lead: str, body: str,
                tags: Iterable[str] = ()) -> DayMention:
    return DayMention(profile_keys=(ALL_PROFILES, *sorted(set(profile_ids))), source_type=source_type,
                      language=language, sentiment=sentiment, place=(place or "").strip(),
                      author_handle=(author_handle or "").strip(), author_name=(author_name or "").strip(),
                      author_reach=int(author_reach or 0), terms=terms_of(title, lead, body),
                      hashtags=hashtags_of(title, lead, body, tags=tags))


def _top(items: Iterable[tuple[str, Any]], k: int | None, order: Any) -> list[tuple[str, Any]]:
    """The k best (all when k is None), ties broken by key so a recompute writes the same rows."""
    items = list(items)
    if k is None or len(items) <= k:
        return sorted(items, key=order)
    return heapq.nsmallest(k, items, key=order)


def _row(day: date, kind: str, group: tuple[UUID, str, str, str], key: str, label: str, mentions: int,
         reach: int) -> dict[str, Any]:
    return {"day": day, "kind": kind, "profile_key": group[0], "source_type": group[1], "language": group[2],
            "sentiment": group[3], "key": key[:KEY_LENGTH], "label": label[:KEY_LENGTH], "mentions": mentions,
            "reach": reach}


def _by_count(kv: tuple[str, int]) -> tuple[int, str]:
    return -kv[1], kv[0]


def _by_reach(kv: tuple[str, list[Any]]) -> tuple[int, int, str]:
    return -kv[1][1], -kv[1][0], kv[0]


def _by_mentions(kv: tuple[str, list[int]]) -> tuple[int, str]:
    return -kv[1][0], kv[0]


def _top_of(suffix: str) -> int:
    return TOP[":" if suffix.startswith(":") else suffix]


def ranked_rows(day: date, mentions: Iterable[DayMention]) -> list[dict[str, Any]]:
    """Term, hashtag, author and place rows of one day, in every shape (see the module docstring)."""
    terms: dict[tuple[str, tuple[Any, ...]], Counter[str]] = defaultdict(Counter)
    hashtags: dict[tuple[str, tuple[Any, ...]], Counter[str]] = defaultdict(Counter)
    authors: dict[tuple[str, tuple[Any, ...]], dict[str, list[Any]]] = defaultdict(dict)
    places: dict[tuple[str, tuple[Any, ...]], dict[str, list[int]]] = defaultdict(dict)
    for m in mentions:
        s, lang, e = m.source_type, m.language, m.sentiment
        for pk in m.profile_keys:
            for group in (("", (pk, s, lang, e)), ("*", (pk, ANY, ANY, ANY)), (":s", (pk, s, ANY, ANY)),
                          (":l", (pk, ANY, lang, ANY)), (":e", (pk, ANY, ANY, e))):
                if m.terms:
                    terms[group].update(m.terms)
                if m.hashtags:
                    hashtags[group].update(m.hashtags)
                if m.author_handle:
                    a = authors[group].setdefault(m.author_handle, [0, 0, ""])
                    a[0] += 1
                    if (m.author_reach, m.author_name) > (a[1], a[2]):
                        a[1], a[2] = m.author_reach, m.author_name
                if m.place and not group[0].startswith(":"):
                    p = places[group].setdefault(m.place, [0, 0])
                    p[0] += 1
                    p[1] += m.author_reach
    rows: list[dict[str, Any]] = []
    for (suffix, group), counter in terms.items():
        rows += [_row(day, "term" + suffix, group, t, t, n, 0)
                 for t, n in _top(counter.items(), _top_of(suffix), _by_count)]
    for (suffix, group), counter in hashtags.items():
        rows += [_row(day, "hashtag" + suffix, group, h, "#" + h, n, 0)
                 for h, n in _top(counter.items(), _top_of(suffix), _by_count)]
    for (suffix, group), found in authors.items():
        best = _top(found.items(), _top_of(suffix), _by_reach)
        rows += [_row(day, "author" + suffix, group, h, a[2], a[0], a[1]) for h, a in best]
    for (suffix, group), found in places.items():
        best = _top(found.items(), None, _by_mentions)
        rows += [_row(day, "place" + suffix, group, p, p, v[0], v[1]) for p, v in best]
    return rows


def week_rows(week: date, totals: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """The `…*w` rows of a week from its days' all-dimensions rows summed per key:
    `(kind, profile_key, key, label, mentions, max_reach, sum_reach)`."""
    grouped: dict[tuple[str, Any], list[tuple[str, str, int, int]]] = defaultdict(list)
    for kind, pk, key, label, mentions, max_reach, sum_reach in totals:
        reach = max_reach if kind.startswith("author") else sum_reach
        grouped[(kind, pk)].append((key, label, int(mentions or 0), int(reach or 0)))
    rows: list[dict[str, Any]] = []
    for (kind, pk), found in sorted(grouped.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        order = (lambda r: (-r[3], -r[2], r[0])) if kind.startswith("author") else (lambda r: (-r[2], r[0]))
        best = sorted(found, key=order)
        if not kind.startswith("place"):
            best = best[:TOP["*"]]
        rows += [_row(week, kind + WEEKLY, (pk, ANY, ANY, ANY), k, label, n, r) for k, label, n, r in best]
    return rows


def volume_rows(day: date, cells: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """The eight `vol…` kinds of one day from `(profile_key, source_type, language, sentiment, mentions, reach)`."""
    totals: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for pk, source_type, language, sentiment, mentions, reach in cells:
        values = {"source_type": source_type, "language": language, "sentiment": sentiment}
        for n in range(4):
            for kept in itertools.combinations(DIMS, n):
                dims = tuple(values[d] if d in kept else ANY for d in DIMS)
                total = totals[(volume_kind(kept), pk, *dims)]
                total[0] += int(mentions or 0)
                total[1] += int(reach or 0)
    return [_row(day, kind, (pk, s, lang, e), "", "", n, r)
            for (kind, pk, s, lang, e), (n, r) in sorted(totals.items(), key=lambda kv: str(kv[0]))
            if n or r]


def day_rows(day: date, cells: Iterable[Sequence[Any]], mentions: Iterable[DayMention]) -> list[dict[str, Any]]:
    """All of a day's rows, ordered as the index is (kind, profile): inserted in this order, the rows one
    dashboard query reads for a day sit together on a few pages instead of spread over the day's."""
    rows = volume_rows(day, cells) + ranked_rows(day, mentions)
    rows.sort(key=lambda r: (r["kind"], str(r["profile_key"])))
    return rows


# --- the database side ------------------------------------------------------------------------------------
async def _day_mentions(session: AsyncSession, day: date) -> list[DayMention]:
    start, end = day_bounds(day)
    in_day = (Mention.published_at >= start, Mention.published_at < end, Mention.duplicate_of_id.is_(None))
    matched: dict[UUID, list[UUID]] = defaultdict(list)
    for mention_id, profile_id in await session.execute(
            select(MentionProfile.mention_id, MentionProfile.profile_id)
            .join(Mention, Mention.id == MentionProfile.mention_id).where(*in_day)):
        matched[mention_id].append(profile_id)
    rows = await session.execute(
        select(Mention.id, Mention.source_type, Mention.language, Mention.sentiment, Mention.place,
               Mention.author_handle, Mention.author_name, Mention.author_reach, Mention.title, Mention.lead,
               Mention.body, Mention.tags).where(*in_day))
    return [day_mention(matched.get(r.id, ()), r.source_type, r.language, r.sentiment, r.place, r.author_handle,
                        r.author_name, r.author_reach, r.title, r.lead, r.body, r.tags or ()) for r in rows]


async def _day_cells(session: AsyncSession, day: date) -> list[Any]:
    start, end = day_bounds(day)
    return list(await session.execute(
        select(HourStat.profile_key, HourStat.source_type, HourStat.language, HourStat.sentiment,
               func.sum(HourStat.mentions), func.sum(HourStat.reach))
        .where(HourStat.hour >= start, HourStat.hour < end)
        .group_by(HourStat.profile_key, HourStat.source_type, HourStat.language, HourStat.sentiment)))


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Bulk insert (rows as parameters, so the tenancy guard stamps them)."""
    for i in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(DayStat), rows[i:i + INSERT_CHUNK])


async def recompute_day(session: AsyncSession, day: date, week: bool = True) -> int:
    """Replace one day's `DayStat` rows (and its week's); returns how many were written."""
    cells = await _day_cells(session, day)
    rows = day_rows(day, cells, await _day_mentions(session, day))
    keys = await _profile_keys(session, {c[0] for c in cells} | {r["profile_key"] for r in rows})
    await session.execute(delete(DayStat).where(DayStat.kind.in_(ALL_KINDS), DayStat.profile_key.in_(keys),
                                                DayStat.day == day))
    await insert_rows(session, rows)
    return len(rows) + (await recompute_week(session, monday(day), keys) if week else 0)


async def _profile_keys(session: AsyncSession, seen: set[Any]) -> set[Any]:
    """Every key a day's rows may carry: all profiles, and keys found in the day's data (deleted profiles)."""
    return {ALL_PROFILES, *(await session.scalars(select(SearchProfile.id))), *seen}


async def recompute_week(session: AsyncSession, week: date, keys: set[Any] | None = None) -> int:
    """Replace a week's `…*w` rows from its days' all-dimensions rows."""
    keys = keys if keys is not None else await _profile_keys(session, set())
    totals = await session.execute(
        select(DayStat.kind, DayStat.profile_key, DayStat.key, func.max(DayStat.label), func.sum(DayStat.mentions),
               func.max(DayStat.reach), func.sum(DayStat.reach))
        .where(DayStat.kind.in_([k[:-1] for k in WEEKLY_KINDS]), DayStat.profile_key.in_(keys),
               DayStat.day >= week, DayStat.day <= week + timedelta(days=6))
        .group_by(DayStat.kind, DayStat.profile_key, DayStat.key))
    rows = week_rows(week, totals)
    await session.execute(delete(DayStat).where(DayStat.kind.in_(WEEKLY_KINDS), DayStat.profile_key.in_(keys),
                                                DayStat.day == week))
    await insert_rows(session, rows)
    return len(rows)


async def take_dirty_day(session: AsyncSession) -> date | None:
    """Claim the newest dirty day (skipping one another worker holds) and remove it from the queue."""
    row = await session.scalar(select(DirtyDay).order_by(DirtyDay.day.desc()).limit(1)
                               .with_for_update(skip_locked=True))
    if row is None:
        return None
    await session.execute(delete(DirtyDay).where(DirtyDay.id == row.id))
    return row.day


async def rebuild(session: AsyncSession, first: date, last: date) -> int:
    """Recompute every day of a range (after bulk changes), then their weeks; those days leave the queue first,
    so a rollup job busy with one of them finishes before this replaces its rows."""
    await session.execute(delete(DirtyDay).where(DirtyDay.day >= first, DirtyDay.day <= last))
    written = 0
    day = first
    while day <= last:
        written += await recompute_day(session, day, week=False)
        day += timedelta(days=1)
    week = monday(first)
    while week <= last:
        written += await recompute_week(session, week)
        week += timedelta(days=7)
    return written


async def settle(session: AsyncSession, first: date, last: date) -> list[date]:
    """Recompute the queued days of a range now (a baseline must not miss today's mentions); days another
    worker is recomputing at this moment are left to it."""
    rows = list(await session.scalars(select(DirtyDay).where(DirtyDay.day >= first, DirtyDay.day <= last)
                                      .with_for_update(skip_locked=True)))
    if rows:
        await session.execute(delete(DirtyDay).where(DirtyDay.id.in_([r.id for r in rows])))
    for row in rows:
        await recompute_day(session, row.day)
    return [r.day for r in rows]


async def roll_up_dirty(sessions: Any, budget_seconds: float = 45.0) -> list[date]:
    """Work the `DirtyDay` queue, newest day first, one short transaction per day, within a time budget.

    `sessions()` opens a transaction (an async context manager yielding a session)."""
    done: list[date] = []
    deadline = time.monotonic() + budget_seconds
    while time.monotonic() < deadline:
        async with sessions() as session:
            day = await take_dirty_day(session)
            if day is None:
                break
            await recompute_day(session, day)
        done.append(day)
    return done
