"""The programme's background work: share completions verified by their link's clicks (hourly), and the overview
widget's figures (every ten minutes); both idempotent."""

from __future__ import annotations

from typing import Any

from core.plugins.api import JobContext, JobSpec
from plugins.energizing.ambassadors import figures
from plugins.energizing.ambassadors.missions import verify_shares


async def verify(ctx: JobContext, **_payload: Any) -> int:
    """Self-reported shares whose personal link was clicked become verified; a second run changes nothing."""
    assert ctx.session is not None
    return await verify_shares(ctx.session)


async def store_figures(ctx: JobContext, **_payload: Any) -> int:
    """Count the widget's figures once and store them; the widget reads only these."""
    assert ctx.session is not None
    return (await figures.store(ctx.session)).active


JOBS = [JobSpec(name="energizing.verify_shares", run=verify, every_seconds=3600, max_retries=1, coalesce=True),
        JobSpec(name="energizing.ambassador_figures", run=store_figures, every_seconds=600, max_retries=1,
                coalesce=True)]
