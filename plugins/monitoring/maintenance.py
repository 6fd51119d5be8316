"""Fresh planner statistics after a burst of mentions (PostgreSQL): the app does not rely on autovacuum.

A large import, or ingestion that stores thousands of mentions in a short time, changes the mention tables more
than their statistics know; the alert check's count was seen to take a nested-loop plan and run for minutes until
`ANALYZE`. So: an import that stored at least `BURST_ROWS` mentions analyzes the tables when it finishes, and
ingestion (API pushes, feeds) counts the mentions it stores and, once `BURST_ROWS` have been stored since the
last request, queues one `monitoring.analyze` job, `ANALYZE_DELAY` seconds later so it sees the rest of the
burst. Counting is per process and costs nothing per batch; the job is idempotent (see `analyze_tables`).
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import JobContext, JobSpec, analyze_tables, enqueue_job, job_transaction

TABLES = ("monitoring_mention", "monitoring_mention_profile", "monitoring_hour_stat")
"""What ingestion writes in bulk (the day queue, `monitoring_dirty_day`, stays small)."""
BURST_ROWS = 5_000
"""Mentions stored since the last analyze that make the next one."""
ANALYZE_DELAY = 30.0
"""Seconds between the moment a burst crosses `BURST_ROWS` and its ANALYZE."""

_lock = threading.Lock()
_stored = 0
"""Mentions this process stored by ingestion since it last queued an analyze (jobs run on several threads)."""


def note_stored(session: AsyncSession, rows: int) -> bool:
    """Count mentions stored by ingestion; queue one analyze (after the transaction commits) when they reach
    `BURST_ROWS`. Returns whether it queued one. Nothing to do on SQLite."""
    global _stored
    if rows <= 0 or session.bind.dialect.name != "postgresql":
        return False
    with _lock:
        _stored += rows
        if _stored < BURST_ROWS:
            return False
        _stored = 0
    enqueue_job(session, "monitoring.analyze", after_seconds=ANALYZE_DELAY)
    return True


def reset() -> None:
    """Forget the count (tests)."""
    global _stored
    with _lock:
        _stored = 0


async def analyze_now(ctx: JobContext) -> list[str]:
    """ANALYZE the mention tables in a short transaction of the job's own."""
    async with job_transaction(ctx) as session:
        return await analyze_tables(session, TABLES)


async def analyze(ctx: JobContext, **_: Any) -> list[str]:
    return await analyze_now(ctx)


JOBS = [JobSpec(name="monitoring.analyze", run=analyze, transaction=False, max_retries=1, time_limit_ms=600_000,
                coalesce=True)]
"""Registered by the mentions slice (`mentions/jobs.py`)."""
