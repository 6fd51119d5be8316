"""Demo measurement for Vitaal: the methodology the demo wrote five weeks ago, targets for the quarter, manual
leads from the CRM, the webcare training suggestion and the daily snapshots of the plugins' demo data, so the
dashboard, the digest preview and a quarterly report have something true to show from the first `make serve`.
Idempotent: a tenant that has targets is left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import User
from core.measurement.models import ManualMeasurement, MethodologyVersion, Target
from core.measurement.snapshots import snapshot_tenant, store_manual
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.workgroup.models import Department

WRITTEN_DAYS_AGO = 35
KPIS = (
    # key, name, definition, source, kind, unit, owner department
    ("monitoring.volume", "Vermeldingen", "Vermeldingen van Vitaal per dag (herposts niet dubbel).", "monitoring",
     "plugin", "count", "Communicatie & Marketing"),
    ("monitoring.negative_share", "Aandeel negatief", "Percentage negatieve vermeldingen: moet dalen.",
     "monitoring", "plugin", "percent", "Communicatie & Marketing"),
    ("monitoring.reach", "Bereik", "Opgeteld bereik van de auteurs.", "monitoring", "plugin", "count",
     "Communicatie & Marketing"),
    ("webcare.cases", "Webcare-cases", "Geopende cases per dag.", "webcare", "plugin", "count", "Klantenservice"),
    ("webcare.within_sla", "Binnen SLA", "Afgeronde cases binnen de SLA.", "webcare", "plugin", "percent",
     "Klantenservice"),
    ("leads", "Leads", "Nieuwe zakelijke leads uit social media, uit het CRM.", "CRM", "manual", "count",
     "Zakelijke Markt"),
)
LEADS = (3, 0, 5, 2, 4, 1, 6, 2, 3, 5)
"""Leads per working day of the last two weeks, as Zakelijke Markt entered them."""


def _quarter(today: date) -> tuple[date, date]:
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last = date(first.year + (first.month + 2) // 12, (first.month + 2) % 12 + 1, 1) - timedelta(days=1)
    return first, last


def methodology_kpis(departments: dict[str, Any]) -> list[dict[str, Any]]:
    """Version 1 of Vitaal's methodology (`departments`: name → Department)."""
    return [{"key": key, "name": name, "definition": text, "source": source, "kind": kind, "unit": unit,
             "owner_department_id": str(departments[owner].id) if owner in departments else None}
            for key, name, text, source, kind, unit, owner in KPIS]


async def seed_measurement(sessionmaker: async_sessionmaker[AsyncSession], pm: Any, slug: str = "vitaal") -> None:
    """Targets, leads and snapshots for a tenant whose methodology the demo wrote; skipped once it has targets."""
    async with sessionmaker() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        return
    with tenant_scope(tenant.id):
        async with sessionmaker() as session, session.begin():
            if await session.scalar(select(MethodologyVersion.id).limit(1)) is None or \
                    await session.scalar(select(Target.id).limit(1)) is not None:
                return
            await _targets_and_leads(session)
            await _training_suggestions(session)
        async with sessionmaker() as session, session.begin():
            await snapshot_tenant(session, pm, tenant)


async def _targets_and_leads(session: AsyncSession) -> None:
    departments = {d.name: d for d in (await session.scalars(select(Department))).all()}
    regie = await session.scalar(select(User).where(User.email == "l.visser@vitaal.example"))
    sales = await session.scalar(select(User).where(User.email == "r.dekker@vitaal.example"))
    now = datetime.now(UTC)
    start, end = _quarter(now.date())
    for kpi, department, value, rationale in (
            ("monitoring.volume", None, 1500, "Het overstapseizoen geeft meer gesprekken; we willen ze horen."),
            ("monitoring.negative_share", None, 20, "Minder negatieve gesprekken door snelle webcare."),
            ("webcare.within_sla", "Klantenservice", 90, "Negen op de tien klanten binnen de SLA geholpen."),
            ("leads", "Zakelijke Markt", 40, "Twee leads per werkdag uit LinkedIn-gesprekken.")):
        dep = departments.get(department) if department else None
        session.add(Target(kpi=kpi, department_id=dep.id if dep else None, period_start=start, period_end=end,
                           value=value, rationale=rationale, set_by_id=regie.id if regie else None))
    day = now.date() - timedelta(days=1)
    for value in LEADS:
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        session.add(ManualMeasurement(kpi="leads", day=day, value=value, note="CRM-export",
                                      methodology_number=1, entered_by_id=sales.id if sales else None))
        await store_manual(session, "leads", day, float(value), 1)
        day -= timedelta(days=1)
    await session.flush()


async def _training_suggestions(session: AsyncSession) -> None:
    """What the webcare activation would have suggested had the demo activated it through the regie holder."""
    from core.trainings.service import suggest_topic

    service = await session.scalar(select(Department).where(Department.name == "Klantenservice"))
    await suggest_topic(session, "webcare", "plugin.activated:webcare", service.id if service else None)
