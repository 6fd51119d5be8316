"""The mediator's console: every tenant at a glance; create a tenant and invite its first admin."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.i18n import gettext_for
from core.mediator import service
from core.tenancy.models import OrgModel
from core.web.forms import Form, lang_of, principal_of
from core.web.pagination import page_number
from core.web.render import form_errors, page


async def _render(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                  **extra: Any) -> Template:
    _ = gettext_for(lang_of(request))
    query = str(request.query_params.get("q") or "").strip()[:100]
    listing, rows = await service.console(db, request.app.state.pm, lang_of(request),
                                          page_number(request.query_params.get("page")), query=query)
    return page(request, "mediator/console.html", status_code=status_code, listing=listing, rows=rows, q=query,
                org_models=[(m.value, _(m.value)) for m in OrgModel], **extra)


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


ROUTES = [console, create_tenant]
