"""The programme's background work: share completions verified by their link's clicks (hourly, idempotent)."""

from __future__ import annotations

from typing import Any

from core.plugins.api import JobContext, JobSpec
from plugins.energizing.ambassadors.missions import verify_shares


async def verify(ctx: JobContext, **_payload: Any) -> int:
    """Self-reported shares whose personal link was clicked become verified; a second run changes nothing."""
    assert ctx.session is not None
    return await verify_shares(ctx.session)


JOBS = [JobSpec(name="energizing.verify_shares", run=verify, every_seconds=3600, max_retries=1, coalesce=True)]
