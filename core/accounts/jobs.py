"""The account registry's job (see `core.jobs.plugin_jobs.core_job_specs`)."""

from __future__ import annotations

from typing import Any

from core.plugins.info import JobContext, JobSpec

DORMANCY_JOB = "core.accounts.dormancy"


async def dormancy(ctx: JobContext, **_payload: Any) -> dict[str, int]:
    """Daily for every tenant: active accounts silent for too long become dormant, those that posted again
    active again. Idempotent: the accounts' states are what a second run finds done."""
    from core.accounts.dormancy import run_for_tenant

    run = await run_for_tenant(ctx.session, ctx.settings, ctx.tenant_id)
    return {"dormant": len(run.dormant), "reactivated": len(run.reactivated)}


JOBS: list[JobSpec] = [JobSpec(name=DORMANCY_JOB, run=dormancy, every_seconds=24 * 3600)]
