"""Background jobs of the buzz slice: the `DayStat` rollup of dirty days (every minute), and after it the overview
widget's Conversation Index when its window moved on or one of its days changed; the page's boards that read a
recomputed day are marked for the board job."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.plugins.api import JobContext, JobSpec, job_transaction
from plugins.monitoring.buzz.rollup import roll_up_dirty
from plugins.monitoring.conversation_index import boards, figure


async def rollup_days(ctx: JobContext, **_payload: Any) -> dict[str, Any]:
    """Recompute the queued days, one transaction each (a big import may queue a year), then the widget's index."""
    done = await roll_up_dirty(lambda: job_transaction(ctx))
    async with job_transaction(ctx) as session:
        refreshed = await figure.refresh(session, datetime.now(UTC).date(), done)
        await boards.mark_changed(session, done)
    return {"days": [d.isoformat() for d in done], "index": refreshed}


JOBS = [JobSpec(name="monitoring.rollup_days", run=rollup_days, every_seconds=60, transaction=False)]
