"""Retention and erasure of what monitoring holds of people: mentions, the corrections' copies of their text,
the daily "top authors" rankings and the accounts seen using the organisation's names.

Pseudonymising a mention blanks the author (handle, name), its texts (title, lead, body) and its URL, and
replaces the external id by a digest (the platform's post id would lead back to the person); it keeps the
time, source, place, language, sentiment, reach and hashes, so counts, buzz and KPIs stay as measured.
The external id's "erased:" prefix marks a done row: a second run finds nothing (idempotent). Deleting
removes the mentions themselves (their profile links and corrections with them); the hour and day
aggregates stay. Either way the day rankings of authors and the accounts last seen before the cutoff go, and
the corrections' copies of the text are blanked (the classifier keeps what it learned; it can no longer be
rebuilt from them).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update

from core.plugins.api import normal_handle
from plugins.monitoring.models import DayStat, Mention, MentionProfile, SeenAccount, SentimentCorrection

ERASED = "erased:"
CHUNK = 500


def _same_handle(column: Any, handle: str) -> ColumnElement[bool]:
    return func.lower(func.ltrim(func.trim(column), "@")) == normal_handle(handle)


async def _pseudonymise(session: Any, where: list[ColumnElement[bool]]) -> int:
    """Blank the matching mentions in chunks (each gets its own digest as external id)."""
    changed = 0
    while True:
        rows = (await session.scalars(select(Mention).where(*where, ~Mention.external_id.startswith(ERASED))
                                      .limit(CHUNK))).all()
        if not rows:
            return changed
        for m in rows:
            digest = hashlib.sha256(f"{m.source_id}:{m.external_id}".encode()).hexdigest()[:40]
            m.external_id = ERASED + digest
            m.author_handle = m.author_name = m.title = m.lead = m.body = m.url = ""
            m.uri, m.parent_uri, m.root_uri = None, "", ""  # a network address names its author
        ids = [m.id for m in rows]
        await session.execute(update(SentimentCorrection).where(SentimentCorrection.mention_id.in_(ids))
                              .values(text="").execution_options(synchronize_session=False))
        await session.flush()
        changed += len(rows)


async def _delete(session: Any, where: list[ColumnElement[bool]]) -> int:
    ids = list((await session.scalars(select(Mention.id).where(*where))).all())
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        for stmt in (update(Mention).where(Mention.duplicate_of_id.in_(part)).values(duplicate_of_id=None),
                     delete(MentionProfile).where(MentionProfile.mention_id.in_(part)),
                     delete(SentimentCorrection).where(SentimentCorrection.mention_id.in_(part)),
                     delete(Mention).where(Mention.id.in_(part))):
            await session.execute(stmt.execution_options(synchronize_session=False))
    return len(ids)


async def retention(ctx: Any, cutoff: datetime, mode: str) -> dict[str, int]:
    session = ctx.session
    older = [Mention.published_at < cutoff]
    counts: dict[str, int] = {}
    if mode == "delete":
        counts["mentions_deleted"] = await _delete(session, older)
    else:
        counts["mentions_pseudonymised"] = await _pseudonymise(session, older)
    result = await session.execute(delete(DayStat).where(DayStat.kind.startswith("author"),
                                                         DayStat.day < cutoff.date())
                                   .execution_options(synchronize_session=False))
    counts["author_rankings_deleted"] = result.rowcount or 0
    result = await session.execute(delete(SeenAccount).where(SeenAccount.last_seen < cutoff)
                                   .execution_options(synchronize_session=False))
    counts["seen_accounts_deleted"] = result.rowcount or 0
    return counts


async def erase_subject(ctx: Any, subject: Any) -> dict[str, int] | None:
    """An author's mentions are pseudonymised (the counts stay, the person goes) and their ranking rows
    deleted. A member's erasure leaves monitoring alone: corrections keep their label, the core renames the
    person."""
    if subject.kind != "author" or subject.platform == "email" or not normal_handle(subject.handle):
        return None
    session = ctx.session
    where = [_same_handle(Mention.author_handle, subject.handle)]
    if subject.platform:
        where.append(func.lower(Mention.place) == subject.platform.casefold())
    counts = {"mentions_pseudonymised": await _pseudonymise(session, where)}
    result = await session.execute(delete(DayStat).where(DayStat.kind.startswith("author"),
                                                         _same_handle(DayStat.key, subject.handle))
                                   .execution_options(synchronize_session=False))
    counts["author_rankings_deleted"] = result.rowcount or 0
    result = await session.execute(delete(SeenAccount).where(SeenAccount.handle_key == normal_handle(subject.handle))
                                   .execution_options(synchronize_session=False))
    counts["seen_accounts_deleted"] = result.rowcount or 0
    return counts
