"""The daily job that stores the accounts seen using the organisation's names (see `service.refresh`)."""

from __future__ import annotations

from typing import Any

from core.plugins.api import JobContext, JobSpec
from plugins.monitoring.accounts.service import refresh


async def seen_accounts(ctx: JobContext, **_payload: Any) -> int:
    """Idempotent: every run replaces the stored rows with those of its window."""
    return await refresh(ctx.session)


JOBS = [JobSpec(name="monitoring.seen_accounts", run=seen_accounts, every_seconds=24 * 3600)]
