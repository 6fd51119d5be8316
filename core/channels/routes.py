"""The connection page of a registered account: its state and last failure, connect, disconnect."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import SocialAccount
from core.channels import service
from core.channels.atproto import DEFAULT_SERVICE
from core.channels.registry import CONNECTORS
from core.db.lookup import get_or_404
from core.errors import DomainError
from core.i18n import N_
from core.web.forms import Form, lang_of, principal_of
from core.web.render import form_errors, page

BASE = "/t/{slug:str}/accounts/{account_id:uuid}/connection"
CONNECT = {"action": "account.connect", "rule": service.CONNECT_RULE}
CONNECTOR_LABELS = {"atproto": N_("AT Protocol (Bluesky)"), "posted_elsewhere": N_("Posted elsewhere (by hand)"),
                    "webhook": N_("Signed webhook")}
STATUS_LABELS = (N_("connected"), N_("failing"), N_("disconnected"))
SECRET_FIELDS = ("secret", "_csrf_token")
"""Never sent back into a form."""


async def _page(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID, status_code: int = 200,
                **extra: Any) -> Template:
    account = await get_or_404(db, SocialAccount, account_id)
    row = await service.connection_row(db, account.id)
    form = {"connector": row.connector if row else "atproto",
            "service_url": row.service_url if row and row.connector == "atproto" else "",
            "identifier": (row.remote_handle if row and row.connector == "atproto" else account.handle)}
    context: dict[str, Any] = {
        "account": account, "state": service.state_of(row) if row else None, "form": form, "errors": {},
        "connectors": [(name, CONNECTOR_LABELS[name]) for name in CONNECTORS], "connector_labels": CONNECTOR_LABELS,
        "default_service": DEFAULT_SERVICE, "may_connect": service.may_connect(principal_of(request), account),
        "new_secret": "",
    }
    context.update(extra)
    return page(request, "channels/connection.html", status_code=status_code, **context)


@get(BASE, opt={"action": "tenant.read"})
async def connection_page(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID) -> Template:
    return await _page(request, db, account_id)


@post(BASE, opt=CONNECT)
async def connect(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID,
                  data: Form) -> Any:
    settings = request.app.state.settings
    try:
        _row, secret = await service.connect(db, principal_of(request), settings, account_id, dict(data))
    except DomainError as exc:
        form = {k: v for k, v in data.items() if k not in SECRET_FIELDS}
        return await _page(request, db, account_id, status_code=exc.status_code, form=form,
                           errors=form_errors(exc.errors, lang_of(request)))
    if secret:  # the webhook's signing secret: shown this once
        return await _page(request, db, account_id, new_secret=secret)
    return Redirect(f"/t/{slug}/accounts/{account_id}/connection", status_code=303)


@post(BASE + "/disconnect", opt=CONNECT)
async def disconnect(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID) -> Any:
    try:
        await service.disconnect(db, principal_of(request), account_id)
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        return await _page(request, db, account_id, status_code=exc.status_code, errors=errors)
    return Redirect(f"/t/{slug}/accounts/{account_id}/connection", status_code=303)


ROUTES = [connection_page, connect, disconnect]
