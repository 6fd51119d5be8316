"""Pages: the account registry (list with status filter), registering, deciding, retiring."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import service
from core.accounts.models import AccountStatus
from core.errors import DomainError
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page
from core.workgroup.models import Department

BASE = "/t/{slug:str}/accounts"


async def _departments(db: AsyncSession) -> list[Department]:
    return list((await db.scalars(select(Department).order_by(Department.name))).all())


async def _list_page(request: Request[Any, Any, Any], db: AsyncSession, status: str | None, number: int,
                     form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                     status_code: int = 200) -> Template:
    tenant = tenant_of(request)
    status = status if status in AccountStatus.__members__ else ""
    listing = await paginate(db, service.list_query(status), number, base_path=f"/t/{tenant.slug}/accounts/",
                             params={"status": status})
    return page(request, "accounts/list.html", status_code=status_code, page_=listing, status=status,
                statuses=list(AccountStatus.__members__), platforms=service.PLATFORMS,
                platform_labels=service.PLATFORM_LABELS, departments=await _departments(db),
                conditions=await service.account_conditions(db), form=form or {}, errors=errors or {},
                auto=tenant.org_model in service.AUTO_APPROVE)


@get(BASE, opt={"action": "tenant.read"})
async def accounts(request: Request[Any, Any, Any], db: AsyncSession, status: str | None = None,
                   page: str | None = None) -> Template:
    return await _list_page(request, db, status, page_number(page))


@post(BASE, opt={"action": "account.request"})
async def register(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    payload = {k: data.get(k) for k in ("platform", "handle", "url", "purpose", "department_id")}
    payload["meets_conditions"] = data.get("meets_conditions") in ("on", "1", "true", "yes")
    try:
        await service.register(db, principal_of(request), tenant_of(request), payload)
    except DomainError as exc:
        form = {k: v for k, v in data.items() if k != "_csrf_token"}
        return await _list_page(request, db, None, 1, form, form_errors(exc.errors, lang_of(request)), 422)
    return Redirect(f"/t/{slug}/accounts/", status_code=303)


@post(BASE + "/{account_id:uuid}/decision", opt={"action": "account.decide"})
async def decide(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID,
                 data: Form) -> Any:
    approve = data.get("approve") in ("1", "true", "on", "yes")
    try:
        await service.decide(db, principal_of(request), tenant_of(request), account_id, approve,
                             str(data.get("reason", "")))
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        errors = {"__all__": errors.get("reason") or errors.get("__all__") or next(iter(errors.values()))}
        return await _list_page(request, db, None, 1, None, errors, exc.status_code)
    return Redirect(f"/t/{slug}/accounts/", status_code=303)


@post(BASE + "/{account_id:uuid}/retire", opt={"action": "account.decide"})
async def retire(request: Request[Any, Any, Any], db: AsyncSession, slug: str, account_id: UUID,
                 data: Form) -> Any:
    try:
        await service.retire(db, principal_of(request), tenant_of(request), account_id, str(data.get("reason", "")))
    except DomainError as exc:
        errors = form_errors(exc.errors, lang_of(request))
        return await _list_page(request, db, None, 1, None, {"__all__": next(iter(errors.values()))},
                                exc.status_code)
    return Redirect(f"/t/{slug}/accounts/", status_code=303)


ROUTES = [accounts, register, decide, retire]
