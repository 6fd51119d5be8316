"""The mediator's console: every tenant at a glance, and creating a tenant with its first admin.

Auditing cross-tenant reads (decision): the console list itself shows only each tenant's name, model,
phase, gate count, last activity and open overrides and records NO per-tenant entry — recording one per
tenant per view would flood the audit logs and would also bump each tenant's "last activity", making that
column meaningless. Instead, when a mediator who is not a member opens a tenant's own pages
(`/t/<slug>/...`, which they may read), `core.mediator.reads` (called by the request middleware, so
every tenant page is covered) records one "mediator.read" entry in that tenant's log, at most once per
tenant per sign-in session every 30 minutes. Gate status on the console is computed
per tenant inside `tenant_scope(tenant.id)` (stricter than a blanket `cross_tenant()`), so the tenancy
guard still filters every query to one tenant at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.service import invite
from core.errors import DomainError
from core.roadmap.gates import GateReport, evaluate
from core.roadmap.models import PhaseTransition
from core.roadmap.service import open_overrides
from core.tenancy import service as tenancy
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.validation import FieldErrors, clean_email
from core.web.pagination import Page, paginate


@dataclass
class ConsoleRow:
    tenant: Tenant
    report: GateReport
    overrides: list[PhaseTransition]


async def console(session: AsyncSession, pm: Any, lang: str, number: int, base_path: str = "/mediator/",
                  query: str = "") -> tuple[Page, list[ConsoleRow]]:
    stmt = select(Tenant).order_by(Tenant.name)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(func.lower(Tenant.name).like(like) | Tenant.slug.like(like))
    page = await paginate(session, stmt, number, base_path=base_path, params={"q": query})
    rows = []
    for tenant in page.items:
        with tenant_scope(tenant.id):
            report = await evaluate(session, tenant, pm, lang)
            overrides = await open_overrides(session, tenant, report)
        rows.append(ConsoleRow(tenant=tenant, report=report, overrides=overrides))
    return page, rows


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
    return tenant
