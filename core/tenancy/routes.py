"""The tenant overview: where a member lands after signing in.

A dashboard: the phase bar, the current gate (n of m items hold, the failing ones with a link to add
evidence), decisions waiting for this person (plugin requests for the regie holder, a presentation
awaiting management's approval for an admin, starting points to acknowledge for a workgroup member, a
holding gate for whoever may advance) and the latest audit entries for those who may read the log.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.activation.service import awaiting_decision
from core.audit.models import AuditEntry
from core.auth.permissions import can
from core.dashboard.service import plugin_widgets
from core.i18n import Msg
from core.measurement.models import ManagementPresentation
from core.roadmap.gates import evaluate
from core.roadmap.routes import phase_steps
from core.startingpoints import service as starting_points
from core.tenancy.models import Tenant
from core.web.forms import lang_of, principal_of, tenant_of
from core.web.render import page

RECENT = 8


async def pending_decisions(db: AsyncSession, principal: Any, tenant: Tenant, report: Any, pm: Any,
                            lang: str) -> list[dict[str, Any]]:
    base = f"/t/{tenant.slug}/"
    items: list[dict[str, Any]] = []
    if can(principal.roles, "plugin.decide"):
        for row in await awaiting_decision(db, principal):  # the regie holder's own request: a second person
            items.append({"text": Msg("{department} requests {plugin}: awaiting your decision",
                                      department=row.department.name, plugin=pm.label(row.plugin, lang)),
                          "href": f"{base}plugins/#plugin-{row.plugin}"})
    if can(principal.roles, "presentation.approve"):
        for p in (await db.scalars(select(ManagementPresentation).where(
                ManagementPresentation.produced_at.is_not(None), ManagementPresentation.approved_at.is_(None)))):
            items.append({"text": Msg("The management presentation {title} awaits your approval", title=p.title),
                          "href": f"{base}evidence/presentations"})
    seats = set(principal.seat_department_ids or ())
    version = await starting_points.latest_approved(db) if seats else None
    if version is not None:
        status = await starting_points.status_of(db, version)
        if seats & {d.id for d in status.missing}:
            items.append({"text": Msg("Starting points version {n} awaits your department's acknowledgement",
                                      n=version.number), "href": f"{base}starting-points/"})
    if not report.is_final and report.ok and can(principal.roles, "phase.advance"):
        items.append({"text": Msg("The gate holds: you can move to the {phase} phase", phase=Msg(report.next_phase)
                                  .render(lang)), "href": f"{base}roadmap/"})
    return items


@get("/t/{slug:str}/", opt={"action": "tenant.read"})
async def overview(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    lang = lang_of(request)
    principal = principal_of(request)
    tenant = await db.get(Tenant, tenant_of(request).id)
    pm = request.app.state.pm
    report = await evaluate(db, tenant, pm, lang)
    recent = []
    if can(principal.roles, "audit.read"):
        recent = list(await db.scalars(select(AuditEntry).order_by(AuditEntry.created_at.desc()).limit(RECENT)))
    active = sorted((await pm.for_tenant(db)).names)
    widgets = await plugin_widgets(db, tenant, pm, lang, principal)
    return page(request, "tenant/overview.html", report=report, steps=phase_steps(tenant.phase), widgets=widgets,
                pending=await pending_decisions(db, principal, tenant, report, pm, lang), recent=recent,
                active_plugins=[pm.label(p, lang) for p in active], current_tenant=tenant)


ROUTES = [overview]
