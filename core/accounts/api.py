"""API: the account registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import service
from core.accounts.models import SocialAccount
from core.web.forms import principal_of, tenant_of
from core.web.pagination import PageInfo, page_number, paginate

TAGS = ["accounts"]
BASE = "/t/{slug:str}/accounts"


@dataclass
class AccountOut:
    id: UUID
    platform: str
    handle: str
    url: str
    purpose: str
    department_id: UUID
    department: str
    status: str
    decision_reason: str
    created_at: datetime


@dataclass
class AccountPage:
    items: list[AccountOut]
    pagination: PageInfo


@dataclass
class AccountIn:
    platform: str
    handle: str
    department_id: str
    purpose: str = ""
    url: str = ""
    meets_conditions: bool = False


@dataclass
class DecisionIn:
    approve: bool
    reason: str = ""


@dataclass
class RetireIn:
    reason: str = ""


def _out(a: SocialAccount) -> AccountOut:
    return AccountOut(id=a.id, platform=a.platform, handle=a.handle, url=a.url, purpose=a.purpose,
                      department_id=a.department_id, department=a.department.name if a.department else "",
                      status=a.status, decision_reason=a.decision_reason, created_at=a.created_at)


async def _fresh(db: AsyncSession, account: SocialAccount) -> AccountOut:
    await db.refresh(account, ["department"])
    return _out(account)


@get(BASE, opt={"action": "tenant.read"}, tags=TAGS, summary="Registered accounts (filter by status)")
async def list_accounts(db: AsyncSession, status: str | None = None, page: str | None = None) -> AccountPage:
    listing = await paginate(db, service.list_query(status), page_number(page))
    return AccountPage(items=[_out(a) for a in listing.items], pagination=PageInfo(**listing.as_json()))


@post(BASE, opt={"action": "account.request"}, tags=TAGS, summary="Register an account")
async def register(request: Request[Any, Any, Any], db: AsyncSession, data: AccountIn) -> AccountOut:
    account = await service.register(db, principal_of(request), tenant_of(request), vars(data))
    return await _fresh(db, account)


@post(BASE + "/{account_id:uuid}/decision", opt={"action": "account.decide"}, tags=TAGS,
      summary="Approve or reject a pending account", status_code=200)
async def decide(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID, data: DecisionIn
                 ) -> AccountOut:
    account = await service.decide(db, principal_of(request), tenant_of(request), account_id, data.approve,
                                   data.reason)
    return await _fresh(db, account)


@post(BASE + "/{account_id:uuid}/retire", opt={"action": "account.decide"}, tags=TAGS,
      summary="Retire an account (never deleted)", status_code=200)
async def retire(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID,
                 data: RetireIn | None = None) -> AccountOut:
    account = await service.retire(db, principal_of(request), tenant_of(request), account_id,
                                   (data or RetireIn()).reason)
    return await _fresh(db, account)


ROUTES = [list_accounts, register, decide, retire]
