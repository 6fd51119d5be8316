"""The sprawl report: how many accounts each department holds in each state, which are dormant, and which
accounts the plugins saw using the organisation's names without being registered.

The figures are a few grouped reads of the registry, whatever its size; the candidates come from the active
plugins (`regie_account_candidates`), which answer from what they stored ahead (monitoring: a daily job), so
the page never reads mentions. The names looked for are the organisation's own and the brand terms set here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import OWN_STATES, PLATFORMS, AccountOwner, AccountStatus, AccountWatch, SocialAccount
from core.audit.service import record
from core.errors import DomainError
from core.plugins.context import hook_context
from core.plugins.records import AccountCandidate
from core.tenancy.models import Tenant
from core.tenancy.scope import current_tenant_id
from core.workgroup.models import Department

STATES = tuple(AccountStatus.__members__)
MAX_TERMS = 20
TERM_LENGTH = (3, 60)
MAX_CANDIDATES = 50
HOOK = "regie_account_candidates"


@dataclass
class DepartmentRow:
    department_id: UUID | None
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Figures:
    rows: list[DepartmentRow]
    totals: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


@dataclass
class Candidates:
    items: list[tuple[str, AccountCandidate]] = field(default_factory=list)
    """(plugin, candidate), most seen first."""
    sources: list[str] = field(default_factory=list)
    """The active plugins that look for candidates (none: nothing to show, and the page says why)."""


async def figures(session: AsyncSession) -> Figures:
    """Accounts per department and state (departments without accounts too, by name; "no department" last)."""
    counted = (await session.execute(select(SocialAccount.department_id, SocialAccount.status, func.count())
                                     .group_by(SocialAccount.department_id, SocialAccount.status))).all()
    departments = (await session.execute(select(Department.id, Department.name).order_by(Department.name))).all()
    rows: dict[UUID | None, DepartmentRow] = {dep_id: DepartmentRow(dep_id, name, dict.fromkeys(STATES, 0))
                                              for dep_id, name in departments}
    totals = dict.fromkeys(STATES, 0)
    for dep_id, status, n in counted:
        row = rows.get(dep_id)
        if row is None:
            row = rows[None] = DepartmentRow(None, "", dict.fromkeys(STATES, 0))
        if status in row.counts:
            row.counts[status] += n
            totals[status] += n
    ordered = [r for key, r in rows.items() if key is not None]
    return Figures(rows=ordered + ([rows[None]] if None in rows else []), totals=totals)


def dormant_query() -> Select[Any]:
    return select(SocialAccount).where(SocialAccount.status == AccountStatus.dormant.value) \
        .order_by(SocialAccount.status_changed_at, SocialAccount.id)


def unowned_query() -> Select[Any]:
    """Accounts the organisation holds that have no named owner."""
    owned = select(AccountOwner.account_id)
    return select(SocialAccount).where(SocialAccount.status.in_(OWN_STATES), SocialAccount.id.not_in(owned)) \
        .order_by(SocialAccount.created_at, SocialAccount.id)


# --- the names looked for ---------------------------------------------------------------------------------------
def _normal(term: str) -> str:
    return re.sub(r"\s+", " ", term).strip()


async def brand_terms(session: AsyncSession) -> list[str]:
    watch = await session.scalar(select(AccountWatch))
    return list(watch.brand_terms) if watch else []


async def organisation_names(session: AsyncSession) -> list[str]:
    """The names an account of the organisation would use: the organisation's name and the brand terms set on
    the sprawl report, each once."""
    tenant_id = current_tenant_id()
    tenant = await session.get(Tenant, tenant_id) if tenant_id is not None else None
    names: list[str] = []
    for name in [tenant.name if tenant else "", *await brand_terms(session)]:
        name = _normal(name)
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def parse_terms(text: Any) -> list[str]:
    """Brand terms from a textarea (one per line or separated by commas) or a list; an empty text clears them,
    a missing one is no answer."""
    if text is None:
        raise DomainError(field="brand_terms", msgid="This field is required.")
    parts = text if isinstance(text, list | tuple) else re.split(r"[,\n]", str(text or ""))
    terms: list[str] = []
    for part in parts:
        term = _normal(str(part))
        if not term:
            continue
        if not TERM_LENGTH[0] <= len(term) <= TERM_LENGTH[1]:
            raise DomainError(field="brand_terms", msgid="A name must have {min} to {max} characters: {term}.",
                              min=TERM_LENGTH[0], max=TERM_LENGTH[1], term=term[:60])
        if term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        raise DomainError(field="brand_terms", msgid="Give at most {max} names.", max=MAX_TERMS)
    return terms


async def set_brand_terms(session: AsyncSession, principal: Any, text: Any) -> list[str]:
    terms = parse_terms(text)
    watch = await session.scalar(select(AccountWatch))
    before = list(watch.brand_terms) if watch else []
    if watch is None:
        watch = AccountWatch(brand_terms=terms)
        session.add(watch)
    else:
        watch.brand_terms = terms
    await session.flush()
    await record(session, principal, "account.names_changed", summary="Names the sprawl report looks for changed",
                 data={"before": before, "after": terms})
    return terms


# --- candidates from the plugins ---------------------------------------------------------------------------------
def _moment(when: datetime | None) -> float:
    return when.timestamp() if when is not None else 0.0


def _key(handle: str) -> str:
    return (handle or "").strip().lstrip("@").casefold()


async def registered_keys(session: AsyncSession) -> set[tuple[str, str]]:
    """(platform, handle) of every registered account, whatever its state."""
    rows = await session.execute(select(SocialAccount.platform, SocialAccount.handle))
    return {(platform, _key(handle)) for platform, handle in rows.all()}


def _registered(candidate: AccountCandidate, keys: set[tuple[str, str]]) -> bool:
    handle = _key(candidate.handle)
    if candidate.platform == "other":
        return any(h == handle for _p, h in keys)
    return (candidate.platform, handle) in keys or ("other", handle) in keys


async def candidates(session: AsyncSession, pm: Any, tenant: Tenant, lang: str, user_id: UUID | None = None
                     ) -> Candidates:
    """What the active plugins saw, minus what is registered in any state, each account once, most seen first."""
    if pm is None:
        return Candidates()
    active = await pm.for_tenant(session)
    sources = active.host.implementers(HOOK, active.names)
    if not sources:
        return Candidates()
    found = await active.collect(HOOK, AccountCandidate, ctx=hook_context(session, tenant, lang, user_id))
    keys = await registered_keys(session)
    best: dict[tuple[str, str], tuple[str, AccountCandidate]] = {}
    for plugin, candidate in found:
        if candidate.platform not in PLATFORMS:  # registering it must not fail on a network the registry lacks
            candidate = replace(candidate, platform="other")
        if not candidate.handle.strip() or _registered(candidate, keys):
            continue
        key = (candidate.platform, _key(candidate.handle))
        if key not in best or candidate.seen_count > best[key][1].seen_count:
            best[key] = (plugin, candidate)
    items = sorted(best.values(), key=lambda pc: (-pc[1].seen_count, -_moment(pc[1].last_seen),
                                                   _key(pc[1].handle)))
    return Candidates(items=items[:MAX_CANDIDATES], sources=sources)
