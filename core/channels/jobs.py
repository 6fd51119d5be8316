"""The channel connections' job (see `core.jobs.plugin_jobs.core_job_specs`)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from core.plugins.info import JobContext, JobSpec

PROFILES_JOB = "core.channels.profiles"
log = logging.getLogger(__name__)


async def profiles(ctx: JobContext, **_payload: Any) -> dict[str, int]:
    """Daily for every tenant: read the profile of every connected account whose connector can, so the registry
    knows when each last posted (the dormancy job reads it there) and the page shows whether the connection
    still works. One short transaction per account: a slow network holds no other account's row. Idempotent."""
    from core.channels.connector import Capability, ChannelError
    from core.channels.models import ChannelConnection, ConnectionStatus
    from core.channels.registry import channel_connector
    from core.channels.service import read_profile
    from core.jobs.plugin_jobs import job_transaction

    async with job_transaction(ctx) as session:
        rows = (await session.execute(select(ChannelConnection.social_account_id, ChannelConnection.connector)
                                      .where(ChannelConnection.status != ConnectionStatus.disconnected.value)
                                      .order_by(ChannelConnection.social_account_id))).all()
    counts = {"read": 0, "failed": 0}
    for account_id, name in rows:
        if Capability.profile not in channel_connector(name, ctx.settings).capabilities:
            continue
        try:
            async with job_transaction(ctx) as session:
                try:
                    await read_profile(session, ctx.settings, account_id)
                    counts["read"] += 1
                except ChannelError:  # the connection now says failing, with the reason: keep that
                    counts["failed"] += 1
        except Exception:  # noqa: BLE001 - one account's trouble never stops the others
            log.exception("reading the profile of account %s failed", account_id)
            counts["failed"] += 1
    return counts


JOBS: list[JobSpec] = [JobSpec(name=PROFILES_JOB, run=profiles, every_seconds=24 * 3600, transaction=False,
                               time_limit_ms=60 * 60 * 1000)]
