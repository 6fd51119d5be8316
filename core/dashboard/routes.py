"""The organisation dashboard and each department's view of it (read-only: every reader of the tenant sees
every department's dashboard; acting happens on the pages it links to)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, get
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.dashboard import service
from core.dashboard.period import PERIOD_LABELS, PERIODS, default_period, parse_period
from core.db.lookup import get_or_404
from core.errors import DomainError
from core.i18n import gettext_for
from core.measurement.targets import formatter
from core.tenancy.models import Tenant
from core.validation import clean_uuid
from core.web.forms import lang_of, principal_of, tenant_of
from core.web.pagination import page_number
from core.web.render import form_errors, page
from core.workgroup.models import Department


async def _render(request: Request[Any, Any, Any], db: AsyncSession, department: Department | None,
                  errors: dict[str, Any] | None = None) -> Template:
    """The page; a bad period shows its field errors (422) over the default period's figures."""
    lang = lang_of(request)
    tenant = await db.get(Tenant, tenant_of(request).id)
    today = datetime.now(UTC).date()
    status, shown_errors = 200, dict(errors or {})
    try:
        period = parse_period(request.query_params, today)
    except DomainError as exc:
        period, status = default_period(today), exc.status_code
        shown_errors.update(exc.errors)
    if shown_errors:
        status = 422
    base = f"/t/{tenant.slug}/dashboard/"
    path = f"{base}departments/{department.id}" if department else base
    board = await service.build(db, request.app.state.pm, tenant, principal_of(request), lang, period,
                                department=department, page=page_number(request.query_params.get("page")),
                                base_path=path, today=today)
    form = {k: str(v) for k, v in request.query_params.items() if k in ("period", "from", "to", "department")}
    form.setdefault("period", period.key)
    if department:
        form["department"] = str(department.id)
    _ = gettext_for(lang)
    return page(request, "dashboard/index.html", status_code=status, board=board, current_tenant=tenant,
                base=base, errors=form_errors(shown_errors, lang), form=form, fmt=formatter(lang), today=today,
                period_options=[(k, _(PERIOD_LABELS[k])) for k in PERIODS], period_query=urlencode(period.params),
                dep_options=[(str(d.id), d.name) for d in board.departments],
                department_names={d.id: d.name for d in board.departments})


@get("/t/{slug:str}/dashboard/", opt={"action": "measurement.read"})
async def organisation(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    """The whole organisation; `?department=` (the filter form) moves to that department's view."""
    chosen = request.query_params.get("department")
    if chosen:
        try:
            dep_id = clean_uuid(chosen, "department")
            department = await db.get(Department, dep_id)
            if department is None:
                raise DomainError(field="department", msgid="Choose a valid option.")
        except DomainError as exc:
            return await _render(request, db, None, errors=exc.errors)
        params = {k: v for k, v in request.query_params.items() if k in ("period", "from", "to")}
        query = f"?{urlencode(params)}" if params else ""
        return Redirect(f"/t/{slug}/dashboard/departments/{department.id}{query}", status_code=303)
    return await _render(request, db, None)


@get("/t/{slug:str}/dashboard/departments/{department_id:uuid}", opt={"action": "measurement.read"})
async def department_view(request: Request[Any, Any, Any], db: AsyncSession, department_id: UUID) -> Template:
    """One department's KPIs, targets and plugin widgets."""
    return await _render(request, db, await get_or_404(db, Department, department_id))


ROUTES: list[Any] = [organisation, department_view]
