"""The job that keeps each tenant's summary for the mediator's pages fresh (see `core.mediator.summary`)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.info import JobContext, JobSpec

JOB = "core.mediator.summary"
REFRESH_SECONDS = 300
"""How often every tenant's summary is worked out again (the pages say as of when)."""


async def summarise(ctx: JobContext, **_payload: Any) -> bool:
    """Every few minutes for every tenant, and right after its phase changed or it was created: work the
    tenant's summary out again in its own scope. False when the tenant is gone."""
    from core.mediator.summary import refresh
    from core.tenancy.models import Tenant

    session = ctx.session
    assert session is not None  # the spec runs in one transaction
    tenant = await session.get(Tenant, ctx.tenant_id)
    if tenant is None:
        return False
    await refresh(session, ctx.pm, tenant)
    return True


def summarise_soon(session: AsyncSession, tenant_id: UUID) -> None:
    """Queue a refresh of the tenant's summary, sent when the transaction commits (several in a row cost one run:
    the job coalesces)."""
    from core.jobs.outbox import enqueue

    enqueue(session, JOB, tenant_id=str(tenant_id))


JOBS: list[JobSpec] = [JobSpec(name=JOB, run=summarise, every_seconds=REFRESH_SECONDS, coalesce=True, max_retries=3,
                               time_limit_ms=5 * 60 * 1000)]
