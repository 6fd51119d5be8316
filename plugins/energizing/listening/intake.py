"""From monitoring's `mention.received` batches to promoter candidates, in a handful of statements per batch.

Only positive mentions with an author count. Per batch: one read of the thresholds, one upsert of the authors, one
read of their ids and states, one insert of the evidence (a mention already seen is skipped, so a batch delivered
twice changes nothing more), one recount from the evidence and one update that opens the candidates now over the
thresholds. A mention published before the window is left out: it can never count.

An author is known by the kind of source they write in (the mention's `source_type`) and their handle: a handle is
only unique on its own platform, and the event names no platform, so the kind of source is the best the payload
allows. A mention's address is kept only when it is an http(s) address: anything else would become a link on the
candidate's page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainEvent, as_utc, bulk_insert, normal_handle, utcnow
from plugins.energizing.listening.models import Candidate, Evidence, ListeningSettings

COLLECTING = ("watching", "open")
"""States in which evidence is still added; a decided candidate collects nothing more."""


async def thresholds(session: AsyncSession) -> ListeningSettings:
    """The tenant's thresholds (the defaults, unsaved, when none were set)."""
    found = await session.scalar(select(ListeningSettings))
    return found or ListeningSettings(min_positive=3, window_days=90, min_reach=500)


def _moment(value: Any) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except ValueError:
        return None


def _mention_id(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def web_address(value: Any) -> str:
    """The address when it is an http(s) address with a host, else "" (never a javascript: or data: link)."""
    text = str(value or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(text) > 2000:
        return ""
    return text


def source_of(payload: dict[str, Any]) -> str:
    """The kind of source an author writes in, as part of their key."""
    return str(payload.get("source_type") or "").strip().casefold()[:40]


Author = tuple[str, str]
"""(source, handle_key): the key of a candidate."""


def _positive_by_author(events: list[DomainEvent], since: datetime,
                        now: datetime) -> dict[Author, list[dict[str, Any]]]:
    found: dict[Author, list[dict[str, Any]]] = {}
    for event in events:
        payload = event.payload
        if event.name != "mention.received" or payload.get("sentiment") != "positive":
            continue
        key = normal_handle(payload.get("author_handle"))[:120]
        published = _moment(payload.get("published_at")) or now
        if key and published >= since:
            found.setdefault((source_of(payload), key), []).append({**payload, "_at": min(published, now)})
    return found


async def take_in(session: AsyncSession, events: list[DomainEvent], now: datetime | None = None) -> int:
    """Add a batch's positive mentions to their authors; returns how many were new evidence."""
    now = now or utcnow()
    config = await thresholds(session)
    by_author = _positive_by_author(events, now - timedelta(days=config.window_days), now)
    if not by_author:
        return 0
    authors = []
    for (source, key), mentions in by_author.items():
        latest = max(mentions, key=lambda m: m["_at"])
        authors.append({"source": source, "handle_key": key,
                        "handle": str(latest.get("author_handle") or key).strip()[:120],
                        "name": str(latest.get("author_name") or "")[:200],
                        "reach": max(int(m.get("author_reach") or 0) for m in mentions), "positive_count": 0,
                        "state": "watching", "first_seen_at": min(m["_at"] for m in mentions),
                        "last_seen_at": latest["_at"]})
    await bulk_insert(session, Candidate, authors, conflict=("tenant_id", "source", "handle_key"),
                      overwrite=("reach",))
    known = {(source, key): (cid, state) for cid, source, key, state in (await session.execute(
        select(Candidate.id, Candidate.source, Candidate.handle_key, Candidate.state)
        .where(Candidate.handle_key.in_({key for _source, key in by_author})))).all()}
    evidence: dict[Any, dict[str, Any]] = {}
    for author, mentions in by_author.items():
        candidate_id, state = known[author]
        if state not in COLLECTING:
            continue
        for m in mentions:
            mention_id = _mention_id(m.get("mention_id"))
            evidence[mention_id or len(evidence)] = {
                "candidate_id": candidate_id, "mention_id": mention_id, "url": web_address(m.get("url")),
                "title": str(m.get("title") or m.get("text") or "")[:300], "score": float(m.get("score") or 0.0),
                "published_at": m["_at"]}
    await bulk_insert(session, Evidence, list(evidence.values()), conflict=("tenant_id", "mention_id"))
    await recount(session, config, now, [known[author][0] for author in by_author
                                         if known[author][1] in COLLECTING])
    return len(evidence)


async def recount(session: AsyncSession, config: ListeningSettings, now: datetime,
                  candidate_ids: list[UUID] | None = None) -> None:
    """Count each candidate's positive mentions within the window again, and open those now over the thresholds.

    `candidate_ids` None: every candidate still collecting, after the thresholds changed; then an open candidate
    no longer over them goes back to watching (the queue shows only who is over the thresholds set)."""
    since = now - timedelta(days=config.window_days)
    where = [Candidate.state.in_(COLLECTING)]
    if candidate_ids is not None:
        if not candidate_ids:
            return
        where.append(Candidate.id.in_(candidate_ids))
    counted = (select(func.count(Evidence.id)).where(Evidence.candidate_id == Candidate.id,
                                                     Evidence.published_at >= since).scalar_subquery())
    first = select(func.min(Evidence.published_at)).where(Evidence.candidate_id == Candidate.id).scalar_subquery()
    last = select(func.max(Evidence.published_at)).where(Evidence.candidate_id == Candidate.id).scalar_subquery()
    await session.execute(update(Candidate).where(*where).values(
        positive_count=counted, first_seen_at=func.coalesce(first, Candidate.first_seen_at),
        last_seen_at=func.coalesce(last, Candidate.last_seen_at)).execution_options(synchronize_session=False))
    await session.execute(update(Candidate).where(
        *where, Candidate.state == "watching", Candidate.positive_count >= config.min_positive,
        Candidate.reach >= config.min_reach).values(state="open", opened_at=func.coalesce(Candidate.opened_at, now))
        .execution_options(synchronize_session=False))
    if candidate_ids is None:
        await session.execute(update(Candidate).where(
            Candidate.state == "open", (Candidate.positive_count < config.min_positive)
            | (Candidate.reach < config.min_reach)).values(state="watching")
            .execution_options(synchronize_session=False))
