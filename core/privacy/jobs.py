"""The privacy jobs: the daily retention run (every tenant) and the tenant export archive (on request)."""

from __future__ import annotations

from typing import Any

from core.plugins.info import JobContext, JobSpec
from core.tenancy.models import Tenant

RETENTION_JOB = "core.privacy.retention"
EXPORT_JOB = "core.privacy.export"


async def retention(ctx: JobContext) -> dict[str, Any]:
    """One run per tenant and day; idempotent, so a repeated message only adds a record with zero counts."""
    from core.privacy.service import run_retention

    tenant = await ctx.session.get(Tenant, ctx.tenant_id)
    row = await run_retention(ctx.session, ctx.pm, tenant)
    return row.counts


async def export(ctx: JobContext, progress_id: str) -> str:
    from core.privacy.archive import run_export_job

    return await run_export_job(ctx, progress_id)


JOBS: list[JobSpec] = [
    JobSpec(name=RETENTION_JOB, run=retention, every_seconds=24 * 3600, time_limit_ms=60 * 60 * 1000),
    JobSpec(name=EXPORT_JOB, run=export, transaction=False, max_retries=1, time_limit_ms=60 * 60 * 1000),
]
