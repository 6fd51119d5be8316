"""Background jobs of the sources slice: polling the due feeds, reading the network through the connected
accounts, and processing an uploaded export."""

from __future__ import annotations

import logging
from typing import Any

from core.plugins.api import JobContext, JobSpec
from plugins.monitoring.sources import feeds, imports, network

log = logging.getLogger("regie.monitoring.sources")


async def poll_feeds(ctx: JobContext, source_id: str | None = None, **_: Any) -> dict[str, Any]:
    """Every minute for each tenant: poll the feeds that are due ('Poll now' passes one `source_id`)."""
    result = await feeds.poll_feeds(ctx, source_id=source_id)
    if result.polled:
        log.info("tenant %s: %d feeds polled, %d failed, %d new mentions", ctx.tenant_slug, result.polled,
                 result.failed, result.created)
    return {"polled": result.polled, "succeeded": result.succeeded, "failed": result.failed,
            "created": result.created, "errors": result.errors}


async def read_network(ctx: JobContext, **_: Any) -> dict[str, Any]:
    """Every `network.READ_SECONDS` for each tenant: mentions of and replies to the connected accounts, and the
    search profiles' terms, since each stream's cursor (idempotent: a post is one mention, however often read)."""
    result = await network.read_network(ctx)
    if result.created or result.failed:
        log.info("tenant %s: %d network streams read, %d failed, %d new mentions", ctx.tenant_slug, result.streams,
                 result.failed, result.created)
    return {"streams": result.streams, "created": result.created, "failed": result.failed,
            "skipped": result.skipped, "errors": result.errors}


async def run_import(ctx: JobContext, import_id: str, progress_id: str | None = None, **_: Any) -> Any:
    return await imports.run_import(ctx, import_id, progress_id)


JOBS = [
    JobSpec(name="monitoring.poll_feeds", run=poll_feeds, every_seconds=60, transaction=False, max_retries=0,
            time_limit_ms=15 * 60 * 1000),
    JobSpec(name="monitoring.read_network", run=read_network, every_seconds=network.READ_SECONDS, transaction=False,
            max_retries=0, time_limit_ms=5 * 60 * 1000),
    JobSpec(name="monitoring.import", run=run_import, transaction=False),
]
