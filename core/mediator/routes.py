"""The mediator's console: every tenant at a glance; create a tenant and invite its first admin."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.evidence.service import latest_methodology
from core.i18n import gettext_for
from core.measurement.figures import DEFAULT_DAYS, last_days
from core.measurement.targets import formatter
from core.mediator import service
from core.mediator.benchmark import peer_benchmark
from core.mediator.insights import MIN_PEERS
from core.tenancy.models import OrgModel, Phase, Tenant
from core.web.charts import Series, chart
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number
from core.web.render import form_errors, page


async def _render(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                  **extra: Any) -> Template:
    _ = gettext_for(lang_of(request))
    query = str(request.query_params.get("q") or "").strip()[:100]
    phase = str(request.query_params.get("phase") or "")
    sort = str(request.query_params.get("sort") or "name")
    listing, rows = await service.console(db, lang_of(request), page_number(request.query_params.get("page")),
                                          query=query, phase=phase, sort=sort)
    return page(request, "mediator/console.html", status_code=status_code, listing=listing, rows=rows, q=query,
                as_of=service.as_of(rows),
                org_models=[(m.value, _(m.value)) for m in OrgModel], phases=[p.value for p in Phase],
                phase=(listing.params or {}).get("phase", ""), sort=(listing.params or {}).get("sort", "name"),
                fmt=formatter(lang_of(request)), **extra)


@get("/mediator/", opt={"action": "mediator.console"})
async def console(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _render(request, db, created=request.query_params.get("created"))


@post("/mediator/tenants", opt={"action": "tenant.create"})
async def create_tenant(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    try:
        tenant = await service.create_tenant(db, principal_of(request), data.get("name", ""), data.get("slug", ""),
                                             data.get("org_model", ""), data.get("admin_email", ""),
                                             request.app.state.settings.base_url)
    except DomainError as exc:
        return await _render(request, db, status_code=exc.status_code, errors=form_errors(exc.errors, lang_of(request)),
                             form=dict(data))
    return Redirect(f"/mediator/?created={tenant.slug}", status_code=303)


@get("/mediator/comparison/", opt={"action": "mediator.console"})
async def comparison(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    """Per phase, the spread of each KPI across the tenants in it (no tenant is named)."""
    first, last = last_days(DEFAULT_DAYS)
    lang = lang_of(request)
    # a plugin's KPI by its title; a KPI typed in by hand has only its key in common across organisations
    titles = {key: d.title.get(lang) or d.title.get("en", key) for key, (_p, d) in request.app.state.pm.kpis().items()}
    found = await service.phase_comparison(db)
    return page(request, "mediator/comparison.html", comparison=found.phases, fmt=formatter(lang), first=first,
                last=last, min_peers=MIN_PEERS, titles=titles, as_of=found.figures.as_of,
                pending=found.figures.pending)


@get("/t/{slug:str}/benchmark/", opt={"action": "measurement.read"})
async def benchmark(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    """Organisations in the same phase: anonymised, only with enough of them (see core.mediator.benchmark)."""
    tenant = await db.get(Tenant, tenant_of(request).id)
    _ = gettext_for(lang_of(request))
    benchmark = await peer_benchmark(db, tenant)
    rows = benchmark.rows
    shown = [r for r in rows if r.peers is not None]
    graph = chart("bar", [r.name for r in shown],
                  [Series(_("Lower quartile"), [r.peers.q1 for r in shown]),
                   Series(_("Median"), [r.peers.median for r in shown]),
                   Series(_("Upper quartile"), [r.peers.q3 for r in shown]),
                   Series(_("Your organisation"), [r.own for r in shown])],
                  title=_("Your KPIs against organisations in the same phase")) if shown else None
    version = await latest_methodology(db)
    return page(request, "mediator/benchmark.html", current_tenant=tenant, rows=rows, graph=graph,
                first=benchmark.first, last=benchmark.last, as_of=benchmark.as_of, own_pending=benchmark.own_pending,
                min_peers=MIN_PEERS, fmt=formatter(lang_of(request)),
                methodology_number=version.number if version else None)


ROUTES = [console, create_tenant, comparison, benchmark]
