"""`monitoring.check_alerts`: after every ingested batch that matched a profile and every 30 seconds, for all
active profiles (which also closes episodes that have subsided). Idempotent: a repeated run only updates.
Coalesced: the batches that arrive while a check runs are all covered by the next one, so under a stream of
batches the checks run back to back, not one per batch. `profile_ids` limits a run (tests, by hand)."""

from __future__ import annotations

from typing import Any

from core.plugins.api import JobContext, JobSpec
from plugins.monitoring.alerts.detect import check


async def check_alerts(ctx: JobContext, profile_ids: list[str] | None = None, **_: Any) -> int:
    """Returns the number of alerts opened."""
    opened = await check(ctx.session, profile_ids=profile_ids, settings=ctx.settings, pm=ctx.pm,
                         tenant_id=ctx.tenant_id, tenant_slug=ctx.tenant_slug)
    return len(opened)


JOBS = [JobSpec(name="monitoring.check_alerts", run=check_alerts, every_seconds=30, max_retries=3,
                time_limit_ms=120_000, coalesce=True)]
