"""The weekly digest's pages: a person's own setting with a preview, and the unsubscribe link from the mail.

The unsubscribe link works without signing in. Opening it (GET) only shows a confirm button, so a mail
scanner that prefetches links unsubscribes nobody; the button POSTs the form with the CSRF token the page
set, like every other public form (the webcare community's sign-in link works the same way). A wrong token
gets the friendly not-found page. The link carries the tenant slug, so the token is looked up in the
tenant's scope like any other row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.digest import service
from core.digest.content import build_digest
from core.digest.render import render_preview
from core.digest.schedule import due_week
from core.errors import DomainError, NotFound
from core.tenancy.models import Tenant
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.render import form_errors, page

PUBLIC = {"action": "public"}


async def _settings(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                    **extra: Any) -> Template:
    principal = principal_of(request)
    tenant = await db.get(Tenant, tenant_of(request).id)
    lang = lang_of(request)
    digest = await build_digest(db, request.app.state.pm, tenant, due_week(datetime.now(UTC)), lang)
    row = await service.subscription_of(db, principal.user.id)
    default_on = principal.user.id in await service.workgroup_user_ids(db)
    return page(request, "digest/settings.html", status_code=status_code, digest=digest,
                preview=render_preview(digest, request.app.state.settings.base_url),
                subscribed=row.subscribed if row is not None else default_on, default_on=default_on,
                explicit=row is not None, **extra)


@get("/t/{slug:str}/digest/", opt={"action": "digest.subscribe"})
async def settings_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _settings(request, db)


@post("/t/{slug:str}/digest/", opt={"action": "digest.subscribe"})
async def set_subscription(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.set_subscribed(db, principal_of(request), data.get("subscribed"))
    except DomainError as exc:
        return await _settings(request, db, status_code=exc.status_code,
                               errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/digest/", status_code=303)


@get("/t/{slug:str}/digest/unsubscribe/{token:str}", opt=PUBLIC)
async def unsubscribe_confirm(request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Template:
    row = await service.by_token(db, token)
    return page(request, "digest/unsubscribe.html", status_code=200 if row else 404, valid=row is not None,
                token=token, done=False)


@post("/t/{slug:str}/digest/unsubscribe/{token:str}", opt=PUBLIC)
async def unsubscribe(request: Request[Any, Any, Any], db: AsyncSession, token: str, data: Form) -> Template:
    """Ignores the form's fields: the token is the whole input (a wrong one is the 404 page)."""
    try:
        await service.unsubscribe(db, token)
    except NotFound:
        return page(request, "digest/unsubscribe.html", status_code=404, valid=False, token=token, done=False)
    return page(request, "digest/unsubscribe.html", valid=True, token=token, done=True)


ROUTES = [settings_page, set_subscription, unsubscribe_confirm, unsubscribe]
