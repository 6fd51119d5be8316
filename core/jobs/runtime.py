"""Running jobs: the in-process worker (embedded mode) and the scheduler for periodic jobs."""

from __future__ import annotations

import logging
from typing import Any

import dramatiq
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from dramatiq import Worker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.jobs.outbox import relay

log = logging.getLogger("regie.jobs")


def start_in_process_worker(broker: dramatiq.Broker, threads: int = 2) -> Worker:
    """Embedded mode (no BROKER_URL): the web process works its own queue."""
    worker = Worker(broker, worker_timeout=100, worker_threads=threads)
    worker.start()
    return worker


def build_scheduler(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIOScheduler:
    """Periodic jobs; the outbox relay catches anything an after-commit nudge missed."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(relay, IntervalTrigger(seconds=5), args=[sessionmaker], id="core.outbox_relay",
                      max_instances=1, coalesce=True, replace_existing=True)
    return scheduler


def stop_worker(worker: Any) -> None:
    try:
        worker.stop(timeout=5000)
    except Exception:  # noqa: BLE001
        log.exception("worker did not stop cleanly")
