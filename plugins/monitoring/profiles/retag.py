"""Re-tagging past mentions after a profile changed: the profile's tags and counters brought in line.

The job walks every mention that is not a folded duplicate in chunks (keyset pagination on
`(published_at, id)`, so a million mentions cost a thousand short transactions, never one long one),
evaluates the profile's current query and filters, adds the missing `MentionProfile` rows, removes the
ones that no longer match, and moves the profile's own hourly counters by the same amounts. The
`ALL_PROFILES` counters do not change: a mention is counted there once, whatever profiles it matches.

Each chunk locks the profile row first: a newer version (the profile was edited again) or a deleted
profile stops the walk, and two runs for one profile never interleave. Inserts skip rows that ingestion
added meanwhile and deletes count only what they removed, so the counters stay exact and a second run
changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import JobContext, job_transaction, record_audit, update_progress
from plugins.monitoring import stats
from plugins.monitoring.models import Mention, MentionProfile, SearchProfile
from plugins.monitoring.query import Document, ProfileMatcher, ProfileSpec, QuerySyntaxError

log = logging.getLogger("regie.monitoring")
CHUNK = 1000
PROGRESS_EVERY = 0.5
"""Seconds between progress updates (the bar polls every second; a write per chunk would cost more)."""
COLUMNS = (Mention.id, Mention.published_at, Mention.title, Mention.lead, Mention.body, Mention.author_handle,
           Mention.language, Mention.source_type, Mention.sentiment, Mention.author_reach)


async def count_for_profile(session: AsyncSession, profile_id: UUID, rows: Sequence[Any], sign: int) -> None:
    """Move only this profile's hourly counters; `ALL_PROFILES` stays as it is."""
    await stats.count(session, [stats.Counted(r.published_at, (profile_id,), r.source_type, r.language, r.sentiment,
                                              int(r.author_reach or 0)) for r in rows], sign, all_profiles=False)


async def _locked_version(session: AsyncSession, profile_id: UUID) -> int | None:
    """The profile's version, its row locked until the chunk commits (None: the profile is gone)."""
    return await session.scalar(select(SearchProfile.version).where(SearchProfile.id == profile_id)
                                .with_for_update())


async def _chunk(session: AsyncSession, after: tuple[datetime, UUID] | None) -> list[Row[Any]]:
    query = select(*COLUMNS).where(Mention.duplicate_of_id.is_(None))
    if after is not None:
        # typed per column (a row-value literal loses the GUID type on SQLite); the `>=` lets the index on
        # (tenant_id, published_at) start the range scan at the last mention seen instead of the first
        moment, last_id = after
        query = query.where(Mention.published_at >= moment,
                            or_(Mention.published_at > moment, Mention.id > last_id))
    return list((await session.execute(query.order_by(Mention.published_at, Mention.id).limit(CHUNK))).all())


async def reconcile(session: AsyncSession, profile_id: UUID, matcher: ProfileMatcher,
                    rows: Sequence[Row[Any]]) -> tuple[int, int]:
    """Tags of one chunk in line with the matcher; returns (added, removed)."""
    ids = {r.id for r in rows}
    # the chunk's time range on the (tenant, profile, published_at) index, rather than a thousand id probes
    in_range = await session.scalars(select(MentionProfile.mention_id).where(
        MentionProfile.profile_id == profile_id,
        MentionProfile.published_at.between(rows[0].published_at, rows[-1].published_at)))
    tagged = {mention_id for mention_id in in_range if mention_id in ids}
    matched = {r.id for r in rows
               if matcher.match(Document.of(r.title, r.lead, r.body, r.author_handle), r.language, r.source_type)}
    added: set[UUID] = set()
    removed: set[UUID] = set()
    missing = [{"mention_id": r.id, "profile_id": profile_id, "published_at": r.published_at}
               for r in rows if r.id in matched and r.id not in tagged]
    if missing:
        stmt = (stats.upsert(session, MentionProfile)
                .on_conflict_do_nothing(index_elements=["mention_id", "profile_id"])
                .returning(MentionProfile.mention_id))
        added = set((await session.scalars(stmt, missing)).all())
    stale = tagged - matched
    if stale:
        stmt = (delete(MentionProfile).where(MentionProfile.profile_id == profile_id,
                                             MentionProfile.mention_id.in_(stale))
                .returning(MentionProfile.mention_id).execution_options(synchronize_session=False))
        removed = set((await session.scalars(stmt)).all())
    await count_for_profile(session, profile_id, [r for r in rows if r.id in added], +1)
    await count_for_profile(session, profile_id, [r for r in rows if r.id in removed], -1)
    return len(added), len(removed)


async def run(ctx: JobContext, profile_id: str, progress_id: str, version: int) -> dict[str, Any]:
    """The job `monitoring.retag_profile`: idempotent, stops early when superseded by a newer version."""
    pid = UUID(str(profile_id))
    spec = None
    async with job_transaction(ctx) as session:
        profile = await session.get(SearchProfile, pid)
        if profile is not None and profile.version <= int(version):
            spec = ProfileSpec(profile.id, profile.query, frozenset(profile.languages or ()),
                               frozenset(profile.source_types or ()))
            total = await session.scalar(select(func.count()).select_from(Mention)
                                         .where(Mention.duplicate_of_id.is_(None))) or 0
    if spec is None:  # deleted, or edited again meanwhile: the newer version's job does the work
        await update_progress(ctx.sessionmaker, progress_id, status="done", result={"superseded": True})
        return {"superseded": True}
    try:
        matcher = ProfileMatcher([spec])
    except QuerySyntaxError as exc:
        await update_progress(ctx.sessionmaker, progress_id, status="failed", error=str(exc))
        return {"failed": str(exc)}
    await update_progress(ctx.sessionmaker, progress_id, status="running", total=total, done=0)
    try:
        outcome = await _walk(ctx, pid, int(version), matcher, progress_id, total)
    except Exception as exc:
        await update_progress(ctx.sessionmaker, progress_id, status="failed", error=str(exc))
        raise
    result = dict(outcome)
    if not outcome["superseded"]:
        result["href"] = f"/t/{ctx.tenant_slug}/p/monitoring/profiles/{pid}/"
        async with job_transaction(ctx) as session:
            profile = await session.get(SearchProfile, pid)
            if profile is not None:
                await record_audit(session, "system", "monitoring.profile.retagged", subject=profile,
                                   summary=profile.name, data={"version": int(version), **outcome}, touch=False)
    await update_progress(ctx.sessionmaker, progress_id, status="done", done=outcome["scanned"],
                          total=max(total, outcome["scanned"]), result=result)
    return outcome


async def _walk(ctx: JobContext, profile_id: UUID, version: int, matcher: ProfileMatcher, progress_id: str,
                total: int) -> dict[str, Any]:
    after: tuple[datetime, UUID] | None = None
    scanned = added = removed = 0
    superseded = False
    reported = time.monotonic()
    while True:
        async with job_transaction(ctx) as session:
            current = await _locked_version(session, profile_id)
            if current is None or current > version:
                superseded = True
                break
            rows = await _chunk(session, after)
            if rows:
                plus, minus = await reconcile(session, profile_id, matcher, rows)
                added, removed = added + plus, removed + minus
        if not rows:
            break
        scanned += len(rows)
        if after == (rows[-1].published_at, rows[-1].id):
            raise RuntimeError("re-tag walk did not advance")  # never loop forever on a keyset bug
        after = (rows[-1].published_at, rows[-1].id)
        if time.monotonic() - reported >= PROGRESS_EVERY:
            await update_progress(ctx.sessionmaker, progress_id, done=scanned, total=max(total, scanned))
            reported = time.monotonic()
        if len(rows) < CHUNK:
            break
    if superseded:
        log.info("re-tag of profile %s (version %s) superseded after %s mentions", profile_id, version, scanned)
    return {"scanned": scanned, "added": added, "removed": removed, "superseded": superseded}
