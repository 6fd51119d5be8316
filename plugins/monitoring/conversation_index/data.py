"""What the Conversation Index reads: four queries for a period, whatever its length or number of profiles.

The period's mentions (every mention once, with the little text the signals need), the period's profile
matches, and the same two for the `LOOKBACK` before it (authors seen, status baseline). Profile rows are the
tenant rows copied per match, so a mention's signals are read once. Folded duplicates and re-posts are left
out (the original carries their count in `reposts`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType

from core.plugins.api import normal_handle, registered_handles
from plugins.monitoring.conversation_index import signals
from plugins.monitoring.conversation_index.components import BASELINE, RETURNING, Row
from plugins.monitoring.models import ALL_PROFILES, Mention, MentionProfile

LOOKBACK = max(BASELINE, RETURNING)


def _raw(column: Any) -> Any:
    """An id column as the driver gives it: building a UUID per row and match cost more than the whole query."""
    return type_coerce(column, NullType())


def _uuid(value: Any, cache: dict[Any, UUID]) -> UUID:
    found = cache.get(value)
    if found is None:
        found = cache[value] = value if isinstance(value, UUID) else (
            UUID(bytes=value) if isinstance(value, bytes) else UUID(str(value)))
    return found


def _copy(row: Row, key: UUID) -> Row:
    return Row(key, row.published_at, row.sentiment, row.reach, row.author, row.reposts, row.reply, row.intent,
               row.addresses_us, row.own_author)


@dataclass
class Window:
    """A period's rows and what came before it, for the tenant (`ALL_PROFILES`) and per profile."""

    rows: list[Row] = field(default_factory=list)
    profile_rows: list[Row] = field(default_factory=list)
    before: list[tuple[UUID, datetime]] = field(default_factory=list)
    """(scope, time) of the mentions in the `BASELINE` before the period."""
    seen: dict[UUID, dict[str, datetime]] = field(default_factory=dict)
    """Per scope, each author's last mention in the `RETURNING` before the period."""


async def _links(session: AsyncSession, start: datetime, end: datetime) -> dict[Any, list[UUID]]:
    """Raw mention id → the profiles it matched."""
    found: dict[Any, list[UUID]] = defaultdict(list)
    profiles: dict[Any, UUID] = {}
    for mention_id, profile_id in await session.execute(
            select(_raw(MentionProfile.mention_id), _raw(MentionProfile.profile_id))
            .where(MentionProfile.published_at >= start, MentionProfile.published_at < end)):
        found[mention_id].append(_uuid(profile_id, profiles))
    return found


async def _period_rows(session: AsyncSession, start: datetime, end: datetime) -> dict[Any, Row]:
    handles = frozenset(await registered_handles(session))
    query = select(_raw(Mention.id), Mention.published_at, Mention.sentiment, Mention.author_reach,
                   Mention.author_handle, Mention.reposts, Mention.language, Mention.title, Mention.lead,
                   func.substr(Mention.body, 1, signals.TEXT_CHARS)).where(
        Mention.duplicate_of_id.is_(None), Mention.published_at >= start, Mention.published_at < end)
    found = {}
    for mid, at, sentiment, reach, author, reposts, language, title, lead, body in await session.execute(query):
        intent, reply, ours = signals.read(language or "und", title or "", lead or "", body or "", handles)
        handle = normal_handle(author)
        found[mid] = Row(key=ALL_PROFILES, published_at=at, sentiment=sentiment, reach=int(reach or 0),
                         author=handle, reposts=int(reposts or 0), reply=reply, intent=intent, addresses_us=ours,
                         own_author=bool(handle) and handle in handles)
    return found


async def window(session: AsyncSession, start: datetime, end: datetime, per_profile: bool = True) -> Window:
    """The period [start, end) and its `LOOKBACK`; `per_profile=False` skips the profile matches (the KPI)."""
    out = Window()
    rows = await _period_rows(session, start, end)
    out.rows = list(rows.values())
    links = await _links(session, start, end) if per_profile else {}
    out.profile_rows = [_copy(rows[m], p) for m, profiles in links.items() if m in rows for p in profiles]
    earlier = start - LOOKBACK
    prior = await session.execute(select(_raw(Mention.id), Mention.author_handle, Mention.published_at).where(
        Mention.duplicate_of_id.is_(None), Mention.published_at >= earlier, Mention.published_at < start))
    prior_links = await _links(session, earlier, start) if per_profile else {}
    for mid, author, at in prior:
        handle = normal_handle(author)
        for key in (ALL_PROFILES, *prior_links.get(mid, ())):
            if at >= start - BASELINE:
                out.before.append((key, at))
            if handle and at >= start - RETURNING:
                authors = out.seen.setdefault(key, {})
                if handle not in authors or authors[handle] < at:
                    authors[handle] = at
    return out
