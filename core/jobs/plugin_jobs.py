"""Plugin jobs: a plugin declares `JobSpec`s (hook `regie_jobs`), the core runs them in a tenant's scope.

A plugin never sees a broker or a tenant id: it writes `async def run(ctx: JobContext, **payload)`,
enqueues with `enqueue_job(session, name, **payload)` (transactional outbox, the current tenant is
added), and the core turns each spec into a dramatiq actor. Periodic specs (`every_seconds`) are sent
by the scheduler once per tenant that has the plugin active. Every job must be idempotent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import dramatiq
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.jobs.outbox import DUE_OPTION, enqueue, register_relay_target, wait_for_relays
from core.plugins.host import PluginHost, activations_scope, tenants_with_active
from core.plugins.info import JobContext, JobSpec
from core.settings import Settings
from core.tenancy.scope import cross_tenant, current_tenant_id, tenant_scope

log = logging.getLogger("regie.jobs")
SPECS: dict[str, tuple[str, JobSpec]] = {}
"""job name → (plugin name, spec), filled when the app or worker declares plugin jobs."""
_thread = threading.local()


CORE = "core"
"""The owner name of the core's own tenant jobs (`core_job_specs`); a periodic one runs for every tenant."""


def core_job_specs() -> list[JobSpec]:
    """The core's tenant jobs, written like a plugin's (`JobSpec`, `run(ctx, **payload)`), named `core.*`."""
    from core.accounts.jobs import JOBS as account_jobs
    from core.channels.jobs import JOBS as channel_jobs
    from core.digest.jobs import JOBS as digest_jobs
    from core.measurement.jobs import JOBS as measurement_jobs
    from core.mediator.jobs import JOBS as mediator_jobs
    from core.privacy.jobs import JOBS as privacy_jobs
    from core.reports.jobs import JOBS as report_jobs

    return [*measurement_jobs, *digest_jobs, *report_jobs, *privacy_jobs, *mediator_jobs, *account_jobs,
            *channel_jobs]


def collect_specs(pm: PluginHost) -> dict[str, tuple[str, JobSpec]]:
    found: dict[str, tuple[str, JobSpec]] = {spec.name: (CORE, spec) for spec in core_job_specs()}
    for plugin, spec in pm.jobs():
        if not spec.name.startswith(plugin + "."):
            raise ValueError(f"job {spec.name!r} of plugin {plugin} must be named '{plugin}.…'")
        found[spec.name] = (plugin, spec)
    return found


def declare_plugin_jobs(broker: dramatiq.Broker, settings: Settings, pm: PluginHost) -> None:
    """An actor per plugin job; the actor runs the job on its worker thread's own event loop and engine."""
    from core.jobs.actors import ACTORS

    SPECS.clear()
    SPECS.update(collect_specs(pm))
    for name, (_plugin, spec) in SPECS.items():
        def perform(tenant_id: str, _spec: JobSpec = spec, **payload: Any) -> None:
            key = COALESCED.key(_spec.name, tenant_id, payload)
            if _spec.coalesce and COALESCED.covers(key, _sent_at()):
                return
            started = time.time()
            loop, sessionmaker = _thread_runtime(settings)
            loop.run_until_complete(_on_worker_thread(sessionmaker, settings, pm, _spec, UUID(tenant_id), payload))
            if _spec.coalesce:
                COALESCED.ran(key, started)

        ACTORS[name] = dramatiq.actor(perform, actor_name=name, broker=broker, queue_name=spec.queue,
                                      max_retries=spec.max_retries, time_limit=spec.time_limit_ms)


class Coalescer:
    """When the latest successful run of each (job, tenant, payload) started, as far as this process knows.

    A message sent before such a start is covered: the run's transaction began after the message's trigger had
    committed (the outbox sends only after commit). Knowledge is per process, so with several worker processes
    a message is at worst run again, never lost. `SKEW` allows for clocks of different hosts.
    """

    SKEW = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: dict[tuple[str, str, str], float] = {}

    @staticmethod
    def key(name: str, tenant_id: str, payload: dict[str, Any]) -> tuple[str, str, str]:
        return name, tenant_id, json.dumps(payload, sort_keys=True, default=str)

    def covers(self, key: tuple[str, str, str], sent_at: float | None) -> bool:
        with self._lock:
            return sent_at is not None and self._started.get(key, 0.0) > sent_at + self.SKEW

    def ran(self, key: tuple[str, str, str], started: float) -> None:
        with self._lock:
            self._started[key] = max(started, self._started.get(key, 0.0))


COALESCED = Coalescer()


def _sent_at() -> float | None:
    """When the message being worked was sent (seconds since the epoch), from dramatiq's CurrentMessage; for a
    delayed message, when it was due (it stands for whatever committed until then)."""
    from dramatiq.middleware import CurrentMessage

    message = CurrentMessage.get_current_message()
    if message is None:
        return None
    return max(message.message_timestamp, message.options.get(DUE_OPTION) or 0) / 1000


def _thread_runtime(settings: Settings) -> tuple[asyncio.AbstractEventLoop, async_sessionmaker[AsyncSession]]:
    """A worker thread keeps one event loop and one engine: connections never cross loops."""
    if getattr(_thread, "loop", None) is None:
        from core.db.engine import make_engine, make_sessionmaker

        _thread.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_thread.loop)
        _thread.sessionmaker = make_sessionmaker(make_engine(settings))
    return _thread.loop, _thread.sessionmaker


async def _on_worker_thread(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, pm: PluginHost,
                            spec: JobSpec, tenant_id: UUID, payload: dict[str, Any]) -> Any:
    """A worker thread's loop relays the outbox rows its jobs commit through its own engine."""
    register_relay_target(sessionmaker)
    return await run_job(sessionmaker, settings, pm, spec, tenant_id, payload)


async def run_job(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, pm: PluginHost, spec: JobSpec,
                  tenant_id: UUID, payload: dict[str, Any]) -> Any:
    """Run one job for one tenant: its transaction commits when it returns, rolls back when it raises."""
    from core.tenancy.models import Tenant

    with tenant_scope(tenant_id), activations_scope():  # one answer to "which plugins are active" per job
        async with sessionmaker() as probe:
            tenant = await probe.get(Tenant, tenant_id)
        if tenant is None:
            log.warning("job %s for a tenant that no longer exists: skipped", spec.name)
            return None
        ctx = JobContext(tenant_id=tenant.id, tenant_slug=tenant.slug, settings=settings, pm=pm,
                         sessionmaker=sessionmaker)
        try:
            if spec.transaction:
                async with sessionmaker() as session, session.begin():
                    ctx.session = session
                    return await spec.run(ctx, **payload)
            return await spec.run(ctx, **payload)
        finally:
            await wait_for_relays()


async def run_named_job(app: Any, name: str, tenant_id: UUID, **payload: Any) -> Any:
    """Run a job now on the caller's loop (tests, CLI)."""
    _plugin, spec = SPECS[name]
    state = app.state
    return await run_job(state.sessionmaker, state.settings, state.pm, spec, tenant_id, payload)


def enqueue_job(session: AsyncSession, name: str, *, after_seconds: float | None = None, **payload: Any) -> Any:
    """Queue a plugin job for the current tenant; it is sent when the transaction commits, and runs
    `after_seconds` later when given."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("enqueue_job needs a tenant scope")
    delay_ms = int(after_seconds * 1000) if after_seconds and after_seconds > 0 else None
    return enqueue(session, name, delay_ms=delay_ms, tenant_id=str(tenant_id), **payload)


async def fan_out(sessionmaker: async_sessionmaker[AsyncSession], plugin: str, name: str) -> int:
    """Send a periodic job once for every tenant where its plugin is active (a core job: every tenant)."""
    from core.jobs.actors import actor
    from core.tenancy.models import Tenant

    with cross_tenant():
        async with sessionmaker() as session:
            tenant_ids = (await session.scalars(select(Tenant.id))).all() if plugin == CORE \
                else await tenants_with_active(session, plugin)
    for tenant_id in tenant_ids:
        actor(name).send(tenant_id=str(tenant_id))
    return len(tenant_ids)


def schedule_plugin_jobs(scheduler: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    for name, (plugin, spec) in SPECS.items():
        if spec.every_seconds:
            scheduler.add_job(fan_out, IntervalTrigger(seconds=spec.every_seconds), args=[sessionmaker, plugin, name],
                              id=f"fan_out.{name}", max_instances=1, coalesce=True, replace_existing=True)


@asynccontextmanager
async def job_transaction(ctx: JobContext) -> AsyncIterator[AsyncSession]:
    """A short transaction of a job's own (chunked work, progress updates), in the job's tenant."""
    with tenant_scope(ctx.tenant_id):
        async with ctx.sessionmaker() as session, session.begin():
            yield session
