"""Known data for the buzz and baseline tests: mentions stored and counted as ingestion does (`stats.count`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.monitoring import stats
from plugins.monitoring.models import Mention, MentionProfile, SearchProfile, Source
from tests.support import TenantWorld

WEEK = date(2026, 3, 2)
"""A Monday; the known week runs 2 – 8 March 2026."""


def at(day: int, hour: int = 12) -> datetime:
    """A moment in the known week: day 0 is Monday 2 March."""
    return datetime(WEEK.year, WEEK.month, WEEK.day, hour, tzinfo=UTC) + timedelta(days=day)


@dataclass
class M:
    """A mention to store."""

    published_at: datetime
    body: str = ""
    title: str = ""
    sentiment: str = "neutral"
    source_type: str = "news"
    language: str = "nl"
    place: str = "nu.nl"
    author: str = "anna"
    name: str = ""
    reach: int = 100
    profiles: tuple[str, ...] = ()
    reposts: int = 0
    url: str = ""


KNOWN = [
    M(at(0, 9), "De nieuwe trein is geweldig #treinen", sentiment="positive", author="anna", name="Anna", reach=1000,
      place="nu.nl", profiles=("Trein",)),
    M(at(0, 15), "Waarom is de trein weer te laat?", sentiment="negative", source_type="microblog", author="bob",
      name="Bob B", reach=50, place="x.com", profiles=("Trein",), reposts=4),
    M(at(1, 10), "Vertraging vertraging, de trein staat stil #treinen", sentiment="negative",
      source_type="microblog", author="bob", name="Bob B", reach=60, place="x.com", profiles=("Trein",)),
    M(at(2, 11), "The station staff were very helpful today", sentiment="positive", source_type="blog",
      language="en", author="carol", name="Carol", reach=5000, place="medium.com", profiles=("Station",)),
    M(at(3, 8), "Hoe kan ik mijn abonnement opzeggen? Vertraging elke dag", sentiment="negative",
      source_type="forum", author="dirk", reach=10, place="forum.nl", profiles=("Trein", "Station")),
    M(at(4, 20), "Station renovatie gaat door volgens planning", sentiment="neutral", source_type="news",
      author="erik", reach=2000, place="nos.nl", profiles=("Station",)),
    M(at(6, 23), "Please fix the ticket machines, they never work", sentiment="negative", source_type="review",
      language="en", author="fay", reach=5, place="trustpilot.com", profiles=()),
]
"""Seven mentions in the week: 4 negative, 2 positive, 1 neutral; 6 places; reach 8,125."""


@dataclass
class Seeded:
    source: Source
    profiles: dict[str, SearchProfile] = field(default_factory=dict)
    mentions: list[Mention] = field(default_factory=list)


async def make_profiles(session: AsyncSession, names: tuple[str, ...] = ("Station", "Trein")) -> dict[str, Any]:
    found = {}
    for name in names:
        p = SearchProfile(name=name, query=name.lower())
        session.add(p)
        found[name] = p
    await session.flush()
    return found


async def store(session: AsyncSession, source: Source, profiles: dict[str, SearchProfile], items: list[M],
                start: int = 0) -> list[Mention]:
    """Store mentions, their profile matches and their counts, as the ingestion pipeline does."""
    rows = []
    for i, m in enumerate(items, start=start):
        text = m.title + m.body
        row = Mention(source_id=source.id, source_type=m.source_type, external_id=f"x{i}", url=m.url,
                      place=m.place, author_handle=m.author, author_name=m.name, author_reach=m.reach,
                      published_at=m.published_at, title=m.title, body=m.body, language=m.language,
                      sentiment=m.sentiment, content_hash=sha256(f"{i}{text}".encode()).hexdigest(),
                      reposts=m.reposts)
        session.add(row)
        rows.append(row)
    await session.flush()
    for row, m in zip(rows, items, strict=True):
        for name in m.profiles:
            session.add(MentionProfile(mention_id=row.id, profile_id=profiles[name].id,
                                       published_at=m.published_at))
    await session.flush()
    await stats.count(session, [stats.Counted(published_at=m.published_at,
                                               profile_ids=tuple(profiles[n].id for n in m.profiles),
                                               source_type=m.source_type, language=m.language,
                                               sentiment=m.sentiment, reach=m.reach) for m in items])
    return rows


async def seed(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, items: list[M] | None = None,
               profiles: tuple[str, ...] = ("Station", "Trein")) -> Seeded:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            source = Source(name="Feed", kind="api", source_type="news")
            session.add(source)
            await session.flush()
            found = await make_profiles(session, profiles) if profiles else {}
            mentions = await store(session, source, found, KNOWN if items is None else items)
    return Seeded(source=source, profiles=found, mentions=mentions)


async def add_more(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, seeded: Seeded,
                   items: list[M], start: int = 1000) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await store(session, seeded.source, seeded.profiles, items, start=start)


def profile_id(seeded: Seeded, name: str) -> UUID:
    return seeded.profiles[name].id

