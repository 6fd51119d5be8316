"""Finding mentions: the filtered, searchable list and one mention with everything known about it.

The list reads raw mentions (the dashboard reads the pre-aggregated counts). Folded duplicates are left
out unless asked for: a re-post is shown inside its original. Full-text search runs on PostgreSQL's
text search (`SEARCH_DOCUMENT`, which a GIN expression index should cover) and on SQLite as a LIKE per word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import FieldErrors, clean_choice, clean_text, clean_uuid, get_or_404
from plugins.monitoring.dates import clean_day
from plugins.monitoring.models import (
    SENTIMENTS,
    SOURCE_TYPES,
    Mention,
    MentionProfile,
    SearchProfile,
    SentimentCorrection,
    Source,
)

SENTIMENT_BY = ("model", "person")
LANGUAGE = re.compile(r"^[a-z]{2,3}$|^und$")
SEARCH_DOCUMENT = "to_tsvector('simple', title || ' ' || lead || ' ' || body)"
"""The exact expression searched on PostgreSQL; a GIN index on it (in a migration) makes search fast."""
FILTER_KEYS = ("from", "to", "period", "profile", "source_type", "sentiment", "language", "sentiment_by", "q",
               "source", "duplicates")
"""The list's query parameters; `from`, `to`, `period`, `profile`, `source_type`, `sentiment` and `language`
mean what they mean on the buzz dashboard, so its links open the list on the same mentions."""
PERIODS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
"""The dashboard's preset periods; the list turns one into whole UTC days (from, to)."""
PARTS = ("title", "lead", "body")


@dataclass(frozen=True)
class MentionFilters:
    """What the list is narrowed to; every field optional."""

    date_from: date | None = None
    date_to: date | None = None
    profile: UUID | None = None
    source_type: str | None = None
    sentiment: str | None = None
    language: str | None = None
    sentiment_by: str | None = None
    q: str | None = None
    source: UUID | None = None
    duplicates: bool = False
    """Also show mentions folded into another (re-posts, exact duplicates)."""

    def params(self) -> dict[str, str]:
        """The filters as query parameters (for pagination links and the bulk form's way back)."""
        values = {k: getattr(self, k) for k in FILTER_KEYS if hasattr(self, k)}
        values.update({"from": self.date_from, "to": self.date_to, "duplicates": "1" if self.duplicates else None})
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def parse_filters(params: Mapping[str, Any], now: datetime | None = None) -> MentionFilters:
    """Query parameters (web form or API) → filters; every bad value is reported under its own name.

    `from` / `to` are UTC days (both included, within the range of `plugins.monitoring.dates`); without them a
    dashboard `period` preset gives the days it touches, ending today."""
    errors = FieldErrors()

    def given(key: str) -> str | None:
        value = params.get(key)
        text = str(value).replace("\x00", "").strip() if value is not None else ""
        return text or None

    start = errors.clean(clean_day, given("from"), "from", required=False)
    end = errors.clean(clean_day, given("to"), "to", required=False)
    if start and end and end < start:
        errors.add("to", msgid="The end of the period lies before its start.")
    period = errors.clean(clean_choice, given("period"), "period", [*PERIODS, "custom"]) if given("period") else None
    if period in PERIODS and not (start or end):
        now = now or datetime.now(UTC)
        start, end = (now - PERIODS[period]).date(), now.date()
    choices = {"source_type": SOURCE_TYPES, "sentiment": SENTIMENTS, "sentiment_by": SENTIMENT_BY}
    chosen = {k: errors.clean(clean_choice, given(k), k, list(v)) if given(k) else None for k, v in choices.items()}
    language = given("language")
    if language and not LANGUAGE.match(language.lower()):
        errors.add("language", msgid="Use a language code like nl or en.")
    q = errors.clean(clean_text, given("q"), "q", required=False, max_length=300)
    profile = errors.clean(clean_uuid, given("profile"), "profile", required=False)
    source = errors.clean(clean_uuid, given("source"), "source", required=False)
    errors.raise_if_any()
    return MentionFilters(date_from=start, date_to=end, profile=profile, source=source, q=q or None,
                          language=language.lower() if language else None,
                          duplicates=given("duplicates") in ("1", "true", "on", "yes"), **chosen)


def _day_start(day: date) -> datetime:
    """Days are UTC days, like the dashboard's day counts, so a list and its count agree."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def search_groups(q: str) -> list[list[tuple[str, bool]]]:
    """Web-search syntax without PostgreSQL: `klant "slechte service" -spam or storing` →
    [[(klant, True), (slechte service, True), (spam, False)], [(storing, True)]] (groups are OR-ed)."""
    groups: list[list[tuple[str, bool]]] = [[]]
    for match in re.finditer(r'(-?)"([^"]*)"?|(-?)(\S+)', q):
        quoted = match.group(2) is not None
        negated, text = (match.group(1), match.group(2)) if quoted else (match.group(3), match.group(4))
        text = text.strip('"').strip()
        if not quoted and not negated and text.lower() == "or":
            groups.append([])
        elif text:
            groups[-1].append((text, not negated))
    return [g for g in groups if g]


def search_document() -> ColumnElement[Any]:
    """`SEARCH_DOCUMENT` as SQLAlchemy builds it (constants inline, so it equals the index expression)."""
    space = literal_column("' '")
    return func.to_tsvector(literal_column("'simple'"), Mention.title + space + Mention.lead + space + Mention.body)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_search(q: str, dialect: str) -> ColumnElement[bool]:
    """PostgreSQL: web-search syntax over `SEARCH_DOCUMENT`; elsewhere every word (or quoted phrase) must occur
    in the title, lead or body (`-word` must not)."""
    if dialect == "postgresql":
        return search_document().op("@@")(func.websearch_to_tsquery(literal_column("'simple'"), q))
    alternatives = []
    for group in search_groups(q):
        clauses = []
        for text, wanted in group:
            anywhere = or_(*(getattr(Mention, p).ilike(_like(text), escape="\\") for p in PARTS))
            clauses.append(anywhere if wanted else not_(anywhere))
        alternatives.append(and_(*clauses))
    return or_(*alternatives) if alternatives else true()


def mentions_query(filters: MentionFilters, dialect: str) -> Select[Any]:
    """The mentions matching `filters`, newest first."""
    query = select(Mention)
    if not filters.duplicates:
        query = query.where(Mention.duplicate_of_id.is_(None))
    if filters.date_from:
        query = query.where(Mention.published_at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(Mention.published_at < _day_start(filters.date_to + timedelta(days=1)))
    if filters.profile:
        query = query.where(Mention.id.in_(select(MentionProfile.mention_id)
                                           .where(MentionProfile.profile_id == filters.profile)))
    for name in ("source_type", "sentiment", "language", "sentiment_by"):
        if (value := getattr(filters, name)) is not None:
            query = query.where(getattr(Mention, name) == value)
    if filters.source:
        query = query.where(Mention.source_id == filters.source)
    if filters.q and search_groups(filters.q):  # a search without words ('"', 'or') narrows nothing
        query = query.where(text_search(filters.q, dialect))
    return query.order_by(Mention.published_at.desc(), Mention.id.desc())


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name


async def profiles_of(session: AsyncSession, mention_ids: list[UUID]) -> dict[UUID, list[SearchProfile]]:
    """The profiles each mention matched (one query for a whole page)."""
    found: dict[UUID, list[SearchProfile]] = defaultdict(list)
    if mention_ids:
        rows = await session.execute(
            select(MentionProfile.mention_id, SearchProfile)
            .join(SearchProfile, SearchProfile.id == MentionProfile.profile_id)
            .where(MentionProfile.mention_id.in_(mention_ids)).order_by(SearchProfile.name))
        for mention_id, profile in rows.all():
            found[mention_id].append(profile)
    return found


async def filter_choices(session: AsyncSession) -> dict[str, list[tuple[str, str]]]:
    """Options for the filter form's profile and source selects."""
    profiles = (await session.execute(select(SearchProfile.id, SearchProfile.name).order_by(SearchProfile.name))).all()
    sources = (await session.execute(select(Source.id, Source.name).order_by(Source.name))).all()
    return {"profiles": [(str(i), n) for i, n in profiles], "sources": [(str(i), n) for i, n in sources]}


def part_texts(mention: Mention) -> dict[str, str]:
    """The parts that have text, in reading order."""
    return {p: getattr(mention, p) for p in PARTS if (getattr(mention, p) or "").strip()}


@dataclass
class MentionDetail:
    mention: Mention
    source: Source | None
    profiles: list[SearchProfile]
    parts: dict[str, dict[str, Any]]
    """part → {"text", "label", "score", "by"} for the parts with text."""
    original: Mention | None = None
    """The mention this one is folded into (when it is a duplicate or re-post)."""
    reposts: list[Mention] = field(default_factory=list)
    corrections: list[SentimentCorrection] = field(default_factory=list)
    parent: Mention | None = None
    """The stored mention this post answers on its network (its thread parent), when the tenant has it."""


REPOSTS_SHOWN = 50


async def mention_detail(session: AsyncSession, mention_id: Any) -> MentionDetail:
    """One mention with its parts, profiles, folded re-posts and correction history (newest first)."""
    mention = await get_or_404(session, Mention, mention_id)
    parts = {}
    for part, text in part_texts(mention).items():
        scored = (mention.sentiment_parts or {}).get(part) or {}
        parts[part] = {"text": text, "label": scored.get("label"), "score": scored.get("score"),
                       "by": scored.get("by", "model")}
    reposts = await session.scalars(select(Mention).where(Mention.duplicate_of_id == mention.id)
                                    .order_by(Mention.published_at).limit(REPOSTS_SHOWN))
    corrections = await session.scalars(select(SentimentCorrection)
                                        .where(SentimentCorrection.mention_id == mention.id)
                                        .order_by(SentimentCorrection.created_at.desc()))
    original = await session.get(Mention, mention.duplicate_of_id) if mention.duplicate_of_id else None
    parent = await session.scalar(select(Mention).where(Mention.uri == mention.parent_uri)) \
        if mention.parent_uri else None
    return MentionDetail(mention=mention, source=await session.get(Source, mention.source_id),
                         profiles=(await profiles_of(session, [mention.id]))[mention.id], parts=parts,
                         original=original, reposts=list(reposts.all()), corrections=list(corrections.all()),
                         parent=parent)
