"""`webcare.widget_figures`: every minute, per tenant with webcare active, the overview widget's figures
(`widget_figure.refresh`), so a page view reads one stored row instead of aggregating the cases. Idempotent (the
tenant's row is overwritten); coalesced: a message that waited behind a finished run is dropped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.plugins.api import JobContext, JobSpec, as_utc, utcnow
from plugins.webcare.measure import widget_figure


async def widget_figures(ctx: JobContext, now: str | None = None, **_: Any) -> str:
    """Returns the moment the figures are as of (ISO). `now` (ISO) moves the clock (tests, by hand)."""
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    await widget_figure.refresh(ctx.session, moment)
    return moment.isoformat()


JOBS = [JobSpec(name="webcare.widget_figures", run=widget_figures, every_seconds=60, max_retries=3,
                time_limit_ms=120_000, coalesce=True)]
