"""`monitoring.index_boards`: every minute, per tenant with monitoring active, the Conversation Index page's
boards when one is due (`boards.refresh`); most runs find nothing to do and read four small rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.plugins.api import JobContext, JobSpec, as_utc, utcnow
from plugins.monitoring.conversation_index import boards


async def index_boards(ctx: JobContext, now: str | None = None, **_: Any) -> bool:
    """True when the boards were computed. `now` (ISO) moves the clock (tests, by hand)."""
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    return await boards.refresh(ctx.session, moment.date(), moment)


JOBS = [JobSpec(name="monitoring.index_boards", run=index_boards, every_seconds=60, max_retries=3,
                time_limit_ms=20 * 60 * 1000, coalesce=True)]
