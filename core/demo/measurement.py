"""Demo measurement for Vitaal: the methodology the demo wrote five weeks ago, targets for the quarter (and for the
pilot's first four weeks, a period that has ended, where a plugin's demo gives one), manual
leads from the CRM, the trainings its plugins' activation suggested and the daily snapshots of the plugins'
demo data, so the dashboard, the digest preview and a quarterly report have something true to show from the
first `make serve`. Idempotent: a tenant that has targets is left alone.

The core knows its own KPI (leads, entered by hand); each active plugin's demo says which of its KPIs the
organisation chose and with what target (`regie_demo` returns `DemoKpi`s), so no plugin is named here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import User
from core.demo.kpis import DemoItem, DemoKpi
from core.measurement.models import ManualMeasurement, MethodologyVersion, Target
from core.measurement.snapshots import plugin_kpis, snapshot_tenant, store_manual
from core.plugins.host import activations
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.trainings.events import suggest_for_activation
from core.workgroup.models import Department

WRITTEN_DAYS_AGO = 35
KPIS = (
    # key, name, definition, source, kind, unit, owner department
    ("leads", "Leads", "Nieuwe zakelijke leads uit social media, uit het CRM.", "CRM", "manual", "count",
     "Zakelijke Markt"),
)
"""The core's own KPIs of the demo methodology; the plugins' come from their `regie_demo` (`DemoKpi`)."""
LEADS = (3, 0, 5, 2, 4, 1, 6, 2, 3, 5)
"""Leads per working day of the last two weeks, as Zakelijke Markt entered them."""


def _quarter(today: date) -> tuple[date, date]:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1) - timedelta(days=1)
    return first, last


def ended_period(today: date) -> tuple[date, date]:
    """The pilot's first four whole weeks (Monday to Sunday) before the current week: a target period that has
    ended, measured by the daily snapshots since the methodology was written (`WRITTEN_DAYS_AGO`)."""
    end = today - timedelta(days=today.weekday() + 1)
    return end - timedelta(days=27), end


def methodology_kpis(departments: dict[str, Any]) -> list[dict[str, Any]]:
    """The core's part of version 1 of Vitaal's methodology (`departments`: name → Department)."""
    return [{"key": key, "name": name, "definition": text, "source": source, "kind": kind, "unit": unit,
             "owner_department_id": str(departments[owner].id) if owner in departments else None}
            for key, name, text, source, kind, unit, owner in KPIS]


def demo_items(results: list[Any]) -> tuple[DemoItem, ...]:
    """The `DemoItem`s among the answers of `regie_demo`."""
    return tuple(item for result in results if isinstance(result, list | tuple) for item in result
                 if isinstance(item, DemoItem))


def demo_kpis(results: list[Any]) -> list[DemoKpi]:
    """The `DemoKpi`s among the answers of `regie_demo` (a plugin may also answer None)."""
    return [kpi for result in results if isinstance(result, list | tuple) for kpi in result
            if isinstance(kpi, DemoKpi)]


async def seed_measurement(sessionmaker: async_sessionmaker[AsyncSession], pm: Any, slug: str = "vitaal",
                           chosen: list[DemoKpi] | None = None) -> None:
    """The plugins' `chosen` KPIs in the methodology the demo wrote, targets, leads, suggested trainings and
    snapshots; skipped once the tenant has targets."""
    async with sessionmaker() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return
    with tenant_scope(tenant.id):
        async with sessionmaker() as session, session.begin():
            if await session.scalar(select(MethodologyVersion.id).limit(1)) is None or \
                    await session.scalar(select(Target.id).limit(1)) is not None:
                return
            owners = await _plugin_departments(session)
            await _add_plugin_kpis(session, pm, owners, chosen or [])
            await _targets_and_leads(session, chosen or [])
            await _training_suggestions(session, pm, owners)
        async with sessionmaker() as session, session.begin():
            await snapshot_tenant(session, pm, tenant)


async def _plugin_departments(session: AsyncSession) -> dict[str, Any]:
    """Active plugin → the department it is activated for (the plugin host's answer)."""
    return dict((await activations(session)).departments)


async def _add_plugin_kpis(session: AsyncSession, pm: Any, owners: dict[str, Any], chosen: list[DemoKpi]) -> None:
    """Methodology version 1 gets the active plugins' chosen KPIs in front of the core's (by plugin name)."""
    methodology = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number).limit(1))
    declared = plugin_kpis(pm)
    have = {k.get("key") for k in methodology.kpis or []} if methodology is not None else set()
    added = []
    for kpi in chosen:
        plugin, definition = declared.get(kpi.key, ("", None))
        if definition is None or plugin not in owners or kpi.key in have:
            continue
        added.append({"key": kpi.key, "name": kpi.name, "definition": kpi.definition, "source": plugin,
                      "kind": "plugin", "unit": definition.unit,
                      "owner_department_id": str(owners[plugin]) if owners[plugin] else None})
    if methodology is not None and added:
        added.sort(key=lambda k: k["source"])
        methodology.kpis = [*added, *(methodology.kpis or [])]
        await session.flush()


async def _targets_and_leads(session: AsyncSession, chosen: list[DemoKpi]) -> None:
    departments = {d.name: d for d in (await session.scalars(select(Department))).all()}
    regie = await session.scalar(select(User).where(User.email == "l.visser@vitaal.example"))
    sales = await session.scalar(select(User).where(User.email == "r.dekker@vitaal.example"))
    now = datetime.now(UTC)
    start, end = _quarter(now.date())
    methodology = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number).limit(1))
    measured = {k.get("key") for k in methodology.kpis or []} if methodology is not None else set()
    _add_targets(session, departments, regie, start, end, [
        *((k.key, k.department, k.target, k.rationale) for k in chosen if k.target is not None and k.key in measured),
        ("leads", "Zakelijke Markt", 40, "Twee leads per werkdag uit LinkedIn-gesprekken.")])
    first, last = ended_period(now.date())
    _add_targets(session, departments, regie, first, last, [
        (k.key, k.department, k.ended_target, k.ended_rationale) for k in chosen
        if k.ended_target is not None and k.key in measured])
    day = now.date() - timedelta(days=1)
    for value in LEADS:
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        session.add(ManualMeasurement(kpi="leads", day=day, value=value, note="CRM-export",
                                      methodology_number=1, entered_by_id=sales.id if sales else None))
        await store_manual(session, "leads", day, float(value), 1)
        day -= timedelta(days=1)
    await session.flush()


def _add_targets(session: AsyncSession, departments: dict[str, Department], regie: User | None, start: date,
                 end: date, targets: list[tuple[str, str | None, float, str]]) -> None:
    """(KPI, department name or None, value, rationale) as targets over `start`..`end`, set by the regie holder."""
    for kpi, department, value, rationale in targets:
        dep = departments.get(department) if department else None
        session.add(Target(kpi=kpi, department_id=dep.id if dep else None, period_start=start, period_end=end,
                           value=value, rationale=rationale, set_by_id=regie.id if regie else None))


async def seed_later_plugin(sessionmaker: async_sessionmaker[AsyncSession], pm: Any, slug: str, plugin: str,
                            chosen: list[DemoKpi]) -> None:
    """A plugin the demo activated after the first measurement (co-creation, once its prerequisite was met): its
    chosen KPIs join the methodology, with the quarter's targets, the trainings its activation suggests and
    their snapshots. Idempotent: KPIs already in the methodology are left alone."""
    async with sessionmaker() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return
    with tenant_scope(tenant.id):
        async with sessionmaker() as session, session.begin():
            methodology = await session.scalar(select(MethodologyVersion).order_by(MethodologyVersion.number)
                                               .limit(1))
            if methodology is None:
                return
            have = {k.get("key") for k in methodology.kpis or []}
            new = [k for k in chosen if k.key not in have]
            if not new:
                return
            owners = await _plugin_departments(session)
            await _add_plugin_kpis(session, pm, {plugin: owners[plugin]} if plugin in owners else {}, new)
            measured = {k.get("key") for k in methodology.kpis or []}
            departments = {d.name: d for d in (await session.scalars(select(Department))).all()}
            regie = await session.scalar(select(User).where(User.email == "l.visser@vitaal.example"))
            start, end = _quarter(datetime.now(UTC).date())
            _add_targets(session, departments, regie, start, end, [
                (k.key, k.department, k.target, k.rationale) for k in new
                if k.target is not None and k.key in measured])
            await _training_suggestions(session, pm, {plugin: owners[plugin]} if plugin in owners else {})
            await session.flush()
        async with sessionmaker() as session, session.begin():
            await snapshot_tenant(session, pm, tenant)


async def _training_suggestions(session: AsyncSession, pm: Any, owners: dict[str, Any]) -> None:
    """What the plugins' activation would have suggested had the demo activated them through the regie holder."""
    for plugin, department_id in sorted(owners.items()):
        await suggest_for_activation(session, pm, plugin, department_id)
