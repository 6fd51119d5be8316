"""Accounts seen in monitoring that use the organisation's names without being registered (the sprawl report).

Once a day `refresh` reads the mentions of the last `WINDOW_DAYS` days through the published-time index, keeps
the authors whose handle or display name contains one of the organisation's names (`organisation_names`: its
name and the brand terms set on the report; "Acme Care" also matches "acmecare" and "acme_care"), leaves out
the handles the registry knows (`registered_handles(every_state=True)`) and stores the `KEEP` most seen as
`SeenAccount` rows, replacing yesterday's. `candidates` answers the hook from those rows. An author's platform
comes from the address of their latest mention (one author handle is one account: the same handle on two
networks counts once, under the network of its latest mention).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    AccountCandidate,
    bulk_insert,
    normal_handle,
    organisation_names,
    registered_handles,
    utcnow,
)
from plugins.monitoring.models import Mention, SeenAccount

WINDOW_DAYS = 90
KEEP = 200
SHOWN = 100
HOSTS = {"twitter.com": "x", "x.com": "x", "linkedin.com": "linkedin", "facebook.com": "facebook",
         "fb.com": "facebook", "instagram.com": "instagram", "youtube.com": "youtube", "youtu.be": "youtube",
         "tiktok.com": "tiktok", "bsky.app": "bluesky"}
PROFILES = {"x": "https://x.com/{h}", "instagram": "https://www.instagram.com/{h}/",
            "tiktok": "https://www.tiktok.com/@{h}", "youtube": "https://www.youtube.com/@{h}",
            "bluesky": "https://bsky.app/profile/{h}"}
"""Where a handle's own page is, per platform, when its address follows from the handle alone."""


def platform_of(url: str) -> str:
    """The registry's platform of a post's address: the network's host, a Mastodon-style `/@user` path, else
    "other"."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.").removeprefix("mobile.")
    for known, platform in HOSTS.items():
        if host == known or host.endswith("." + known):
            return platform
    return "mastodon" if host and parts.path.startswith("/@") else "other"


def profile_url(platform: str, handle: str) -> str:
    pattern = PROFILES.get(platform)
    return pattern.format(h=quote(normal_handle(handle), safe="._-")) if pattern else ""


def _escape(text: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", text)


def patterns(names: list[str]) -> list[str]:
    """LIKE patterns for the names, lower-cased: the name as written, its words joined by any one character
    ("acme_care", "acme.care") and its words run together ("acmecare")."""
    found: list[str] = []
    for name in names:
        words = [_escape(w) for w in re.split(r"\s+", name.casefold().strip()) if w]
        if not words:
            continue
        for joined in (" ".join(words), "_".join(words), "".join(words)):
            pattern = f"%{joined}%"
            if pattern not in found:
                found.append(pattern)
    return found


def _matches(column: Any, likes: list[str]) -> list[ColumnElement[bool]]:
    return [func.lower(column).like(p, escape="\\") for p in likes]


async def refresh(session: AsyncSession, now: datetime | None = None) -> int:
    """Replace the stored seen accounts with those of the window; returns how many are stored."""
    now = now or utcnow()
    await session.execute(delete(SeenAccount).execution_options(synchronize_session=False))
    likes = patterns(await organisation_names(session))
    if not likes:
        return 0
    since = now - timedelta(days=WINDOW_DAYS)
    seen = (await session.execute(
        select(Mention.author_handle, func.count(), func.max(Mention.published_at), func.max(Mention.author_name))
        .where(Mention.published_at >= since, Mention.duplicate_of_id.is_(None), Mention.author_handle != "",
               or_(*_matches(Mention.author_handle, likes), *_matches(Mention.author_name, likes)))
        .group_by(Mention.author_handle).order_by(func.count().desc(), Mention.author_handle).limit(KEEP * 2))).all()
    known = await registered_handles(session, every_state=True)
    kept = [row for row in seen if normal_handle(row[0]) not in known][:KEEP]
    if not kept:
        return 0
    latest = await _latest_urls(session, [row[0] for row in kept], since)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for handle, count, last_seen, name in kept:
        evidence = latest.get(handle, "")
        platform = platform_of(evidence)
        key = (platform, normal_handle(handle))
        if key in rows:  # "@Acme" and "acme": one account
            rows[key]["seen_count"] += int(count)
            rows[key]["last_seen"] = max(rows[key]["last_seen"], last_seen)
            continue
        rows[key] = {"platform": platform, "handle": handle.strip()[:200], "handle_key": key[1][:200],
                     "name": (name or "")[:200], "url": profile_url(platform, handle)[:500],
                     "evidence_url": evidence[:2000], "seen_count": int(count), "last_seen": last_seen,
                     "computed_at": now}
    await bulk_insert(session, SeenAccount, list(rows.values()))
    return len(rows)


async def _latest_urls(session: AsyncSession, handles: list[str], since: datetime) -> dict[str, str]:
    """Each author's latest mention address in the window (one statement)."""
    ranked = select(Mention.author_handle, Mention.url, func.row_number().over(
        partition_by=Mention.author_handle, order_by=(Mention.published_at.desc(), Mention.id)).label("n")) \
        .where(Mention.author_handle.in_(handles), Mention.published_at >= since,
               Mention.duplicate_of_id.is_(None)).subquery()
    rows = await session.execute(select(ranked.c.author_handle, ranked.c.url).where(ranked.c.n == 1))
    return {handle: url or "" for handle, url in rows.all()}


async def candidates(session: AsyncSession) -> list[AccountCandidate]:
    """The stored seen accounts, most seen first, without those registered since the job ran."""
    known = await registered_handles(session, every_state=True)
    rows = (await session.scalars(select(SeenAccount).order_by(SeenAccount.seen_count.desc(),
                                                               SeenAccount.last_seen.desc()).limit(SHOWN))).all()
    return [AccountCandidate(platform=r.platform, handle=r.handle, name=r.name, url=r.url,
                             evidence_url=r.evidence_url, seen_count=r.seen_count, last_seen=r.last_seen)
            for r in rows if r.handle_key not in known]
