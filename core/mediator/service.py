"""The mediator's console: every tenant at a glance (phase, gate, overrides, KPIs against targets, alerts;
filtered by phase, sorted), the comparison of KPIs per phase, and creating a tenant with its first admin.

Auditing cross-tenant reads (decision): the console list itself shows only each tenant's name, model,
phase, gate count, last activity and open overrides and records NO per-tenant entry — recording one per
tenant per view would flood the audit logs and would also bump each tenant's "last activity", making that
column meaningless. Instead, when a mediator who is not a member opens a tenant's own pages
(`/t/<slug>/...`, which they may read), `core.mediator.reads` (called by the request middleware, so
every tenant page is covered) records a "mediator.read" entry with the path in that tenant's log for every
page read (the same path again within a minute from the same session once). Gate status on the console is computed
per tenant inside `tenant_scope(tenant.id)` (stricter than a blanket `cross_tenant()`), so the tenancy
guard still filters every query to one tenant at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.service import invite
from core.errors import DomainError
from core.mediator.insights import Alerts, Distribution, KpiRow, alerts, distribution, kpi_rows
from core.mediator.reads import values_by_phase
from core.roadmap.gates import GateReport, evaluate
from core.roadmap.models import PhaseTransition
from core.roadmap.service import open_overrides
from core.tenancy import service as tenancy
from core.tenancy.models import Phase, Tenant
from core.tenancy.scope import tenant_scope
from core.trainings.service import suggest_for_org_model
from core.validation import FieldErrors, clean_email
from core.web.pagination import Page, paginate

SORTS = ("name", "phase", "activity")
PHASE_ORDER = case({p.value: p.rank for p in Phase}, value=Tenant.phase, else_=99)


@dataclass
class ConsoleRow:
    tenant: Tenant
    report: GateReport
    overrides: list[PhaseTransition]
    kpis: list[KpiRow] = field(default_factory=list)
    alerts: Alerts | None = None


async def console(session: AsyncSession, pm: Any, lang: str, number: int, base_path: str = "/mediator/",
                  query: str = "", phase: str = "", sort: str = "name") -> tuple[Page, list[ConsoleRow]]:
    """A page of tenants (searched by name or slug, filtered by phase, sorted by name, phase or last activity)
    with, per tenant, its gate, open overrides, KPIs against targets and unread alerts."""
    stmt = select(Tenant)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(func.lower(Tenant.name).like(like) | Tenant.slug.like(like))
    if phase in {p.value for p in Phase}:
        stmt = stmt.where(Tenant.phase == phase)
    else:
        phase = ""
    sort = sort if sort in SORTS else "name"
    order = {"name": (Tenant.name,), "phase": (PHASE_ORDER, Tenant.name),
             "activity": (Tenant.last_activity_at.desc().nulls_last(), Tenant.name)}[sort]
    page = await paginate(session, stmt.order_by(*order, Tenant.id), number, base_path=base_path,
                          params={"q": query, "phase": phase, "sort": sort})
    rows = []
    for tenant in page.items:
        with tenant_scope(tenant.id):
            report = await evaluate(session, tenant, pm, lang)
            overrides = await open_overrides(session, tenant, report)
            kpis = await kpi_rows(session, pm, lang)
            waiting = await alerts(session)
        rows.append(ConsoleRow(tenant=tenant, report=report, overrides=overrides, kpis=kpis, alerts=waiting))
    return page, rows


async def phase_comparison(session: AsyncSession) -> dict[str, dict[str, Distribution]]:
    """Per phase (in roadmap order), per KPI: the distribution of the tenants' newest values."""
    found = await values_by_phase(session)
    result: dict[str, dict[str, Distribution]] = {}
    for phase in Phase:
        per_kpi = {kpi: d for kpi, values in sorted(found.get(phase.value, {}).items())
                   if (d := distribution(values)) is not None}
        if per_kpi:
            result[phase.value] = per_kpi
    return result


async def create_tenant(session: AsyncSession, principal: Any, name: str, slug: str, org_model: str,
                        admin_email: str, base_url: str) -> Tenant:
    """A new tenant and, in the same transaction, the invitation of its first admin (mailed via the outbox)."""
    errors = FieldErrors()
    address = errors.clean(clean_email, admin_email, "admin_email")
    tenant = await tenancy.create_tenant(session, principal, name, slug, org_model, errors=errors,
                                         data={"admin_email": address})
    with tenant_scope(tenant.id):
        try:
            await invite(session, principal, tenant, address, "admin", None, base_url)
        except DomainError as exc:
            raise DomainError({("admin_email" if k == "email" else k): v for k, v in exc.errors.items()}) from None
        await suggest_for_org_model(session, tenant)
    return tenant
