"""Figures computed ahead, every minute per tenant with webcare active, so a page view reads stored rows instead
of aggregating the cases: `webcare.widget_figures`, the overview widget's (`widget_figure.refresh`), and
`webcare.kpi_figures`, the KPI page's (`kpi_figure.refresh`: the day rows of what changed, the preset periods).
Idempotent (rows are overwritten); coalesced: a message that waited behind a finished run is dropped. Two jobs,
not one: a failing or slow run of one holds the other's figures back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.plugins.api import JobContext, JobSpec, as_utc, utcnow
from plugins.webcare.measure import kpi_figure, widget_figure


async def widget_figures(ctx: JobContext, now: str | None = None, **_: Any) -> str:
    """Returns the moment the figures are as of (ISO). `now` (ISO) moves the clock (tests, by hand)."""
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    await widget_figure.refresh(ctx.session, moment)
    return moment.isoformat()


async def kpi_figures(ctx: JobContext, now: str | None = None, **_: Any) -> str:
    """Returns the moment the figures are as of (ISO). `now` (ISO) moves the clock (tests, by hand)."""
    moment = as_utc(datetime.fromisoformat(now)) if now else utcnow()
    await kpi_figure.refresh(ctx.session, moment)
    return moment.isoformat()


JOBS = [JobSpec(name="webcare.widget_figures", run=widget_figures, every_seconds=60, max_retries=3,
                time_limit_ms=120_000, coalesce=True),
        JobSpec(name=kpi_figure.JOB, run=kpi_figures, every_seconds=60, max_retries=3, time_limit_ms=300_000,
                coalesce=True)]
