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
    """Embedded mode (no BROKER_URL): the web process works its own queue.

    A message is taken the moment it is queued whatever the timeout; the timeout is how often each consumer
    thread wakes when the queue is idle (and how late a delayed job may start). A tenth of a second made the
    idle threads of every queue take a noticeable share of the web process's one core."""
    worker = Worker(broker, worker_timeout=1000, worker_threads=threads)
    worker.start()
    return worker


def external_worker(broker: dramatiq.Broker, threads: int) -> Worker:
    """The Worker of `regie worker`. dramatiq takes twice as many messages per queue as there are threads; the
    extra ones wait in this process while an idle worker elsewhere could run them, and when this process dies
    they wait for the redelivery too. So it takes at most as many as it can run at once."""
    worker = Worker(broker, worker_timeout=1000, worker_threads=threads)
    worker.queue_prefetch = threads
    return worker


def build_scheduler(sessionmaker: async_sessionmaker[AsyncSession], relay_seconds: int = 5) -> AsyncIOScheduler:
    """Periodic jobs; the outbox relay catches anything an after-commit nudge missed."""
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per relay run
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(relay, IntervalTrigger(seconds=relay_seconds), args=[sessionmaker], id="core.outbox_relay",
                      max_instances=1, coalesce=True, replace_existing=True)
    return scheduler


def stop_worker(worker: Any) -> None:
    try:
        worker.stop(timeout=5000)
    except Exception:  # noqa: BLE001
        log.exception("worker did not stop cleanly")


def run_worker(settings: Any, threads: int = 4, relay_interval: int = 5,
               on_ready: Any = None, stop_event: Any = None) -> None:
    """`regie worker`: work an external broker's queues and relay the outbox until SIGTERM/SIGINT.

    The dramatiq Worker runs its own threads; the asyncio loop in this thread runs the scheduler
    (outbox relay and other periodic jobs). `stop_event` (a threading.Event) stops it without a
    signal, for tests or an embedding process.
    """
    import asyncio
    import contextlib
    import signal

    from core.db.engine import make_engine, make_sessionmaker
    from core.jobs.broker import install_broker
    from core.jobs.outbox import install_after_commit_relay, wait_for_relays
    from core.jobs.plugin_jobs import declare_plugin_jobs, schedule_plugin_jobs
    from core.plugins.manager import build_plugin_manager

    async def main() -> None:
        engine = make_engine(settings)
        sessionmaker = make_sessionmaker(engine)
        broker = install_broker(settings)
        declare_plugin_jobs(broker, settings, build_plugin_manager())
        broker.emit_after("process_boot")
        install_after_commit_relay(sessionmaker)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                loop.add_signal_handler(sig, stop.set)
        worker = external_worker(broker, threads)
        worker.start()
        scheduler = build_scheduler(sessionmaker, relay_interval)
        schedule_plugin_jobs(scheduler, sessionmaker)
        scheduler.start()
        await relay(sessionmaker)
        if on_ready:
            on_ready()
        try:
            if stop_event is not None:
                while not stop.is_set() and not stop_event.is_set():
                    await asyncio.sleep(0.1)
            else:
                await stop.wait()
        finally:
            scheduler.shutdown(wait=False)
            await wait_for_relays()
            stop_worker(worker)
            broker.close()
            await engine.dispose()

    asyncio.run(main())
