"""`talking.expire_approvals`: every quarter of an hour, per tenant with talking active. A scheduled or approved
post whose approval ran out (`approval_expires_at` passed) waits in review again, with a new round asked of its
chain and its author told. Idempotent: a moved post has no expiry any more, so a second run finds nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.plugins.api import JobContext, JobSpec, as_utc, utcnow
from plugins.talking.approvals import flow
from plugins.talking.models import Post

BATCH = 500


async def expire_approvals(ctx: JobContext, now: str | None = None, **_: Any) -> int:
    """Returns how many posts went back to review. `now` (ISO) moves the clock (tests, by hand)."""
    session = ctx.session
    assert session is not None  # the spec's default: one transaction around the job
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    posts = (await session.scalars(select(Post).where(
        Post.state.in_(("scheduled", "approved")), Post.approval_expires_at.is_not(None),
        Post.approval_expires_at <= moment).order_by(Post.approval_expires_at, Post.id).limit(BATCH)
        .with_for_update(skip_locked=True))).all()
    for post in posts:
        await flow.expire(session, ctx.settings, post)
    return len(posts)


JOBS = [JobSpec("talking.expire_approvals", expire_approvals, every_seconds=900)]
