"""The mediator's console: every tenant at a glance (phase, gate, overrides, KPIs against targets, alerts;
filtered by phase, sorted), the comparison of KPIs per phase, and creating a tenant with its first admin.

Auditing cross-tenant reads (decision): the console list itself shows only each tenant's name, model,
phase, gate count, last activity and open overrides and records NO per-tenant entry — recording one per
tenant per view would flood the audit logs and would also bump each tenant's "last activity", making that
column meaningless. Instead, when a mediator who is not a member opens a tenant's own pages
(`/t/<slug>/...`, which they may read), `core.mediator.reads` (called by the request middleware, so
every tenant page is covered) records a "mediator.read" entry with the path in that tenant's log for every
page read (the same path again within a minute from the same session once). What the console shows per
tenant is worked out per tenant inside `tenant_scope(tenant.id)` (stricter than a blanket `cross_tenant()`)
by a job, and read from its summary (`core.mediator.summary`): one query for the page, however many tenants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.service import invite
from core.errors import DomainError
from core.mediator.insights import Distribution, distribution
from core.mediator.jobs import summarise_soon
from core.mediator.reads import PhaseFigures, values_by_phase
from core.mediator.summary import Summary, oldest, summaries
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
    summary: Summary | None
    """None while the tenant's summary is being computed (a new tenant, or one whose phase just changed)."""


async def console(session: AsyncSession, lang: str, number: int, base_path: str = "/mediator/",
                  query: str = "", phase: str = "", sort: str = "name") -> tuple[Page, list[ConsoleRow]]:
    """A page of tenants (searched by name or slug, filtered by phase, sorted by name, phase or last activity)
    with, per tenant, its summary: gate, open overrides, KPIs against targets and unread alerts."""
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
    found = await summaries(session, page.items, lang)
    return page, [ConsoleRow(tenant=tenant, summary=found.get(tenant.id)) for tenant in page.items]


def as_of(rows: list[ConsoleRow]) -> datetime | None:
    """The console's "as of": its oldest summary."""
    return oldest(row.summary.computed_at for row in rows if row.summary)


@dataclass
class Comparison:
    phases: dict[str, dict[str, Distribution]]
    """Per phase (in roadmap order), per KPI: the distribution of the tenants' figures."""
    figures: PhaseFigures


async def phase_comparison(session: AsyncSession) -> Comparison:
    """Per phase (in roadmap order), per KPI: the distribution of the tenants' figures over the last 30 days."""
    found = await values_by_phase(session)
    result: dict[str, dict[str, Distribution]] = {}
    for phase in Phase:
        per_kpi = {kpi: d for kpi, values in sorted(found.values.get(phase.value, {}).items())
                   if (d := distribution(values)) is not None}
        if per_kpi:
            result[phase.value] = per_kpi
    return Comparison(phases=result, figures=found)


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
    summarise_soon(session, tenant.id)
    return tenant
