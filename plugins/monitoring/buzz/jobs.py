"""Background jobs of the buzz slice: the `DayStat` rollup of dirty days (every minute)."""

from __future__ import annotations

from typing import Any

from core.plugins.api import JobContext, JobSpec, job_transaction
from plugins.monitoring.buzz.rollup import roll_up_dirty


async def rollup_days(ctx: JobContext, **_payload: Any) -> dict[str, Any]:
    """Recompute the queued days, one transaction each (a big import may queue a year)."""
    done = await roll_up_dirty(lambda: job_transaction(ctx))
    return {"days": [d.isoformat() for d in done]}


JOBS = [JobSpec(name="monitoring.rollup_days", run=rollup_days, every_seconds=60, transaction=False)]
