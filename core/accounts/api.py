"""API: the account registry, an account's moves through its lifecycle and owners, and the sprawl report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import service, sprawl
from core.accounts.activity import silent_since
from core.accounts.lifecycle import OWNERS_RULE, TRANSITION_RULE
from core.accounts.models import SocialAccount
from core.db.base import utcnow
from core.policy.silence import silence_rule
from core.web.forms import lang_of, principal_of, tenant_of
from core.web.pagination import PageInfo, page_number, paginate

TAGS = ["accounts"]
BASE = "/t/{slug:str}/accounts"


@dataclass
class OwnerOut:
    user_id: UUID
    name: str


@dataclass
class AccountOut:
    id: UUID
    platform: str
    handle: str
    url: str
    purpose: str
    department_id: UUID | None
    department: str
    status: str
    """pending, rejected, to_claim, claimed, active, dormant, to_close or closed."""
    status_changed_at: datetime
    origin: str
    """requested, found or seen (by a plugin, registered from the sprawl report)."""
    evidence_url: str
    last_post_at: datetime | None
    owners: list[OwnerOut]
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
    department_id: str = ""
    """Required for a new account; an existing one (`existing`) may be registered without."""
    purpose: str = ""
    url: str = ""
    meets_conditions: bool = False
    existing: bool = False
    """The account exists already: registered to be claimed, not requested."""
    origin: str = "found"
    """For an existing account: found, or seen (among the authors of mentions)."""
    evidence_url: str = ""


@dataclass
class DecisionIn:
    approve: bool
    reason: str = ""


@dataclass
class TransitionIn:
    to: str
    reason: str = ""
    department_id: str | None = None
    """Claiming: the department that takes the account over (default: one's own)."""
    owner_ids: list[str] | None = None
    """Claiming: its owners (default: oneself)."""


@dataclass
class OwnersIn:
    owner_ids: list[str]


@dataclass
class DepartmentCounts:
    department_id: UUID | None
    department: str
    counts: dict[str, int]
    total: int


@dataclass
class DormantOut:
    id: UUID
    platform: str
    handle: str
    department: str
    dormant_since: datetime
    last_post_at: datetime | None
    silent_days: int
    limit_days: int | None


@dataclass
class CandidateOut:
    platform: str
    handle: str
    name: str
    url: str
    evidence_url: str
    seen_count: int
    last_seen: datetime | None
    source: str
    """The plugin that saw it."""


@dataclass
class SprawlOut:
    by_department: list[DepartmentCounts]
    totals: dict[str, int]
    dormant: list[DormantOut]
    dormant_pagination: PageInfo
    without_owner: int
    candidates: list[CandidateOut]
    candidate_sources: list[str]
    """The active plugins that look for unregistered accounts; empty when none does."""
    names: list[str] = field(default_factory=list)
    """The names looked for: the organisation's and the brand terms."""


@dataclass
class NamesIn:
    brand_terms: list[str]


@dataclass
class NamesOut:
    brand_terms: list[str]
    names: list[str]


def _out(a: SocialAccount) -> AccountOut:
    return AccountOut(id=a.id, platform=a.platform, handle=a.handle, url=a.url, purpose=a.purpose,
                      department_id=a.department_id, department=a.department.name if a.department else "",
                      status=a.status, status_changed_at=a.status_changed_at, origin=a.origin,
                      evidence_url=a.evidence_url, last_post_at=a.last_post_at,
                      owners=[OwnerOut(o.user_id, o.user.name or o.user.email) for o in a.owners],
                      decision_reason=a.decision_reason, created_at=a.created_at)


async def _fresh(db: AsyncSession, account: SocialAccount) -> AccountOut:
    await db.refresh(account, ["department", "owners"])
    return _out(account)


@get(BASE, opt={"action": "tenant.read"}, tags=TAGS, summary="Registered accounts (filter by status, department)")
async def list_accounts(db: AsyncSession, status: str | None = None, department_id: UUID | None = None,
                        page: str | None = None) -> AccountPage:
    listing = await paginate(db, service.list_query(status, department_id), page_number(page))
    return AccountPage(items=[_out(a) for a in listing.items], pagination=PageInfo(**listing.as_json()))


@post(BASE, opt={"action": "account.request"}, tags=TAGS,
      summary="Register an account: request a new one, or register an existing one to be claimed")
async def register(request: Request[Any, Any, Any], db: AsyncSession, data: AccountIn) -> AccountOut:
    account = await service.register(db, principal_of(request), tenant_of(request), vars(data))
    return await _fresh(db, account)


@get(BASE + "/sprawl", opt={"action": "account.review"}, tags=TAGS,
     summary="The sprawl report: accounts per department and state, dormant ones, unregistered ones seen")
async def sprawl_report(request: Request[Any, Any, Any], db: AsyncSession, dormant_page: str | None = None
                        ) -> SprawlOut:
    tenant, principal = tenant_of(request), principal_of(request)
    figures = await sprawl.figures(db)
    rule = await silence_rule(db)
    dormant = await paginate(db, sprawl.dormant_query(), page_number(dormant_page))
    unowned = await paginate(db, sprawl.unowned_query(), 1, per_page=1)
    found = await sprawl.candidates(db, getattr(request.app.state, "pm", None), tenant, lang_of(request),
                                    principal.user_id)
    now = utcnow()
    return SprawlOut(
        by_department=[DepartmentCounts(r.department_id, r.name, r.counts, r.total) for r in figures.rows],
        totals=figures.totals,
        dormant=[DormantOut(id=a.id, platform=a.platform, handle=a.handle,
                            department=a.department.name if a.department else "", dormant_since=a.status_changed_at,
                            last_post_at=a.last_post_at, silent_days=(now - silent_since(a)).days,
                            limit_days=rule.days_for(a.platform)) for a in dormant.items],
        dormant_pagination=PageInfo(**dormant.as_json()), without_owner=unowned.total,
        candidates=[CandidateOut(platform=c.platform, handle=c.handle, name=c.name, url=c.url,
                                 evidence_url=c.evidence_url, seen_count=c.seen_count, last_seen=c.last_seen,
                                 source=plugin) for plugin, c in found.items],
        candidate_sources=found.sources, names=await sprawl.organisation_names(db))


@post(BASE + "/sprawl/names", opt={"action": "account.watch"}, tags=TAGS,
      summary="Set the brand terms the sprawl report looks for (besides the organisation's name)", status_code=200)
async def set_names(request: Request[Any, Any, Any], db: AsyncSession, data: NamesIn) -> NamesOut:
    terms = await sprawl.set_brand_terms(db, principal_of(request), data.brand_terms)
    return NamesOut(brand_terms=terms, names=await sprawl.organisation_names(db))


@get(BASE + "/{account_id:uuid}", opt={"action": "tenant.read"}, tags=TAGS, summary="One account")
async def one(db: AsyncSession, account_id: UUID) -> AccountOut:
    return _out(await service.get_account(db, account_id))


@post(BASE + "/{account_id:uuid}/decision", opt={"action": "account.decide"}, tags=TAGS,
      summary="Approve or reject a pending account", status_code=200)
async def decide(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID, data: DecisionIn
                 ) -> AccountOut:
    account = await service.decide(db, principal_of(request), tenant_of(request), account_id, data.approve,
                                   data.reason)
    return await _fresh(db, account)


@post(BASE + "/{account_id:uuid}/transition", opt={"action": "account.manage", "rule": TRANSITION_RULE}, tags=TAGS,
      summary="Move an account through its lifecycle (claim, put in use, mark to close, close, ...)", status_code=200)
async def transition(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID, data: TransitionIn
                     ) -> AccountOut:
    account = await service.transition(db, principal_of(request), tenant_of(request), account_id, vars(data))
    return await _fresh(db, account)


@post(BASE + "/{account_id:uuid}/owners", opt={"action": "account.manage", "rule": OWNERS_RULE}, tags=TAGS,
      summary="Name an account's owners (members of its department)", status_code=200)
async def set_owners(request: Request[Any, Any, Any], db: AsyncSession, account_id: UUID, data: OwnersIn
                     ) -> AccountOut:
    account = await service.set_owners(db, principal_of(request), tenant_of(request), account_id, data.owner_ids)
    return await _fresh(db, account)


ROUTES = [list_accounts, register, sprawl_report, set_names, one, decide, transition, set_owners]
