"""Plugin jobs: a plugin declares `JobSpec`s (hook `regie_jobs`), the core runs them in a tenant's scope.

A plugin never sees a broker or a tenant id: it writes `async def run(ctx: JobContext, **payload)`,
enqueues with `enqueue_job(session, name, **payload)` (transactional outbox, the current tenant is
added), and the core turns each spec into a dramatiq actor. Periodic specs (`every_seconds`) are sent
by the scheduler once per tenant that has the plugin active. Every job must be idempotent.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import dramatiq
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.jobs.outbox import enqueue, register_relay_target, wait_for_relays
from core.plugins.info import JobContext, JobSpec
from core.settings import Settings
from core.tenancy.scope import cross_tenant, current_tenant_id, tenant_scope

log = logging.getLogger("regie.jobs")
SPECS: dict[str, tuple[str, JobSpec]] = {}
"""job name → (plugin name, spec), filled when the app or worker declares plugin jobs."""
_thread = threading.local()


def collect_specs(pm: Any) -> dict[str, tuple[str, JobSpec]]:
    from core.plugins.manager import plugin_infos, plugin_module

    found: dict[str, tuple[str, JobSpec]] = {}
    for info in plugin_infos(pm):
        module = plugin_module(pm, info.name)
        hook = getattr(module, "regie_jobs", None)
        for spec in (hook() if hook else None) or []:
            if not spec.name.startswith(info.name + "."):
                raise ValueError(f"job {spec.name!r} of plugin {info.name} must be named '{info.name}.…'")
            found[spec.name] = (info.name, spec)
    return found


def declare_plugin_jobs(broker: dramatiq.Broker, settings: Settings, pm: Any) -> None:
    """An actor per plugin job; the actor runs the job on its worker thread's own event loop and engine."""
    from core.jobs.actors import ACTORS

    SPECS.clear()
    SPECS.update(collect_specs(pm))
    for name, (_plugin, spec) in SPECS.items():
        def perform(tenant_id: str, _spec: JobSpec = spec, **payload: Any) -> None:
            loop, sessionmaker = _thread_runtime(settings)
            loop.run_until_complete(_on_worker_thread(sessionmaker, settings, pm, _spec, UUID(tenant_id), payload))

        ACTORS[name] = dramatiq.actor(perform, actor_name=name, broker=broker, queue_name=spec.queue,
                                      max_retries=spec.max_retries, time_limit=spec.time_limit_ms)


def _thread_runtime(settings: Settings) -> tuple[asyncio.AbstractEventLoop, async_sessionmaker[AsyncSession]]:
    """A worker thread keeps one event loop and one engine: connections never cross loops."""
    if getattr(_thread, "loop", None) is None:
        from core.db.engine import make_engine, make_sessionmaker

        _thread.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(_thread.loop)
        _thread.sessionmaker = make_sessionmaker(make_engine(settings))
    return _thread.loop, _thread.sessionmaker


async def _on_worker_thread(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, pm: Any,
                            spec: JobSpec, tenant_id: UUID, payload: dict[str, Any]) -> Any:
    """A worker thread's loop relays the outbox rows its jobs commit through its own engine."""
    register_relay_target(sessionmaker)
    return await run_job(sessionmaker, settings, pm, spec, tenant_id, payload)


async def run_job(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, pm: Any, spec: JobSpec,
                  tenant_id: UUID, payload: dict[str, Any]) -> Any:
    """Run one job for one tenant: its transaction commits when it returns, rolls back when it raises."""
    from core.tenancy.models import Tenant

    with tenant_scope(tenant_id):
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


def enqueue_job(session: AsyncSession, name: str, **payload: Any) -> Any:
    """Queue a plugin job for the current tenant; it is sent when the transaction commits."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise RuntimeError("enqueue_job needs a tenant scope")
    return enqueue(session, name, tenant_id=str(tenant_id), **payload)


async def fan_out(sessionmaker: async_sessionmaker[AsyncSession], plugin: str, name: str) -> int:
    """Send a periodic job once for every tenant where its plugin is active."""
    from core.activation.models import ActivationStatus, PluginActivation
    from core.jobs.actors import actor

    with cross_tenant():
        async with sessionmaker() as session:
            tenant_ids = (await session.scalars(select(PluginActivation.tenant_id).where(
                PluginActivation.plugin == plugin,
                PluginActivation.status == ActivationStatus.active.value))).all()
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
