"""The core's measurement jobs (see `core.jobs.plugin_jobs.core_job_specs`)."""

from __future__ import annotations

from typing import Any

from core.plugins.info import JobContext, JobSpec


async def snapshot(ctx: JobContext, **_payload: Any) -> int:
    """Hourly for every tenant: store yesterday's (and any missed day's) KPI values. Hourly rather than daily so
    that a worker that was down at midnight catches up within the hour; a run with nothing missing only reads."""
    from core.measurement.snapshots import snapshot_tenant
    from core.tenancy.models import Tenant

    tenant = await ctx.session.get(Tenant, ctx.tenant_id)
    return await snapshot_tenant(ctx.session, ctx.pm, tenant)


JOBS: list[JobSpec] = [JobSpec(name="core.measurement.snapshot", run=snapshot, every_seconds=3600)]
