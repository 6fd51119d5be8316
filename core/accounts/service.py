"""The account registry: every social account of the organisation, new or found, with its owners.

A new account is requested and approved according to the org model:
decentralized, holistic: approved at once (audited as auto-approved by the org model).
centralized, hub_and_spoke: pending until the regie holder decides.
multiple_hub_and_spoke: pending until the regie holder or a member of a hub department decides.
A published policy's account conditions must be confirmed for a new account. An account that already exists
(found, or seen by a plugin among the authors of mentions) is registered "to claim" until a department takes
it over. Accounts are closed, never deleted. The lifecycle itself is `core.accounts.lifecycle`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.lifecycle import (
    AUTO_APPROVE,
    REASON_MAX,
    apply_move,
    ensure_may,
    in_department,
    is_owner,
    move_to,
)
from core.accounts.models import OWN_STATES, PLATFORMS, AccountOrigin, AccountOwner, AccountStatus, SocialAccount
from core.audit.service import record
from core.auth.models import Membership, User
from core.auth.permissions import can
from core.db.lookup import get_or_404
from core.errors import DomainError, PermissionDenied, Refused
from core.i18n import N_, Msg
from core.policy.service import published_policy
from core.validation import FieldErrors, clean_choice, clean_text, clean_uuid
from core.workgroup.models import Department, WorkgroupSeat

__all__ = ["AUTO_APPROVE", "PLATFORMS"]

PLATFORM_LABELS = {"x": "X", "linkedin": "LinkedIn", "facebook": "Facebook", "instagram": "Instagram",
                   "youtube": "YouTube", "tiktok": "TikTok", "mastodon": "Mastodon", "bluesky": "Bluesky",
                   "other": N_("other")}
MAX_OWNERS = 20


async def account_conditions(session: AsyncSession) -> str:
    """The conditions for new accounts in the published policy ('' when none)."""
    policy = await published_policy(session)
    return str((policy.way_of_work or {}).get("account_conditions") or "").strip() if policy else ""


def list_query(status: str | None = None, department_id: UUID | None = None) -> Select[Any]:
    query = select(SocialAccount).order_by(SocialAccount.created_at.desc(), SocialAccount.id)
    if status in AccountStatus.__members__:
        query = query.where(SocialAccount.status == status)
    if department_id is not None:
        query = query.where(SocialAccount.department_id == department_id)
    return query


async def get_account(session: AsyncSession, account_id: Any) -> SocialAccount:
    return await get_or_404(session, SocialAccount, account_id)


def _clean_url(errors: FieldErrors, value: Any, field: str, max_length: int) -> str:
    url = errors.clean(clean_text, value, field, required=False, max_length=max_length) or ""
    if url and not url.startswith(("https://", "http://")):
        errors.add(field, msgid="Use a web address starting with https://.")
    return url


async def _department(session: AsyncSession, errors: FieldErrors, value: Any, required: bool) -> UUID | None:
    department_id = errors.clean(clean_uuid, value, "department_id", required=required)
    if department_id is not None and await session.get(Department, department_id) is None:
        errors.add("department_id", msgid="This department does not exist.")
        return None
    return department_id


async def register(session: AsyncSession, principal: Any, tenant: Any, data: dict[str, Any]) -> SocialAccount:
    """Register an account. data: platform, handle, url, purpose, department_id, meets_conditions (bool) for a
    new account; `existing` (bool) for one that already exists, with `origin` ("found" or "seen") and
    `evidence_url` (where it was seen): those are to be claimed, and may lack a department."""
    existing = bool(data.get("existing"))
    origin = AccountOrigin.requested.value
    errors = FieldErrors()
    if existing:
        origin = errors.clean(clean_choice, data.get("origin") or AccountOrigin.found.value, "origin",
                              (AccountOrigin.found.value, AccountOrigin.seen.value)) or origin
    values: dict[str, Any] = {
        "platform": errors.clean(clean_choice, data.get("platform"), "platform", PLATFORMS),
        "handle": errors.clean(clean_text, data.get("handle"), "handle", max_length=120),
        "url": _clean_url(errors, data.get("url"), "url", 500),
        "evidence_url": _clean_url(errors, data.get("evidence_url"), "evidence_url", 2000) if existing else "",
        "purpose": errors.clean(clean_text, data.get("purpose"), "purpose", required=not existing, max_length=5000),
        "department_id": await _department(session, errors, data.get("department_id"), required=not existing),
    }
    if not existing and await account_conditions(session) and not data.get("meets_conditions"):
        errors.add("meets_conditions", msgid="Confirm that the account meets the policy's conditions.")
    if values["platform"] is not None and values.get("handle"):
        duplicate = await session.scalar(select(SocialAccount.id).where(
            SocialAccount.platform == values["platform"],
            func.lower(SocialAccount.handle) == values["handle"].lower()))
        if duplicate is not None:
            errors.add("handle", msgid="This account is already registered.")
    errors.raise_if_any()

    requester = getattr(principal, "user_id", None)
    account = SocialAccount(platform=values["platform"], handle=values["handle"], url=values["url"],
                            purpose=values["purpose"] or "", department_id=values["department_id"],
                            requested_by_id=requester, origin=origin, evidence_url=values["evidence_url"])
    label = f"{values['platform']}:{values['handle']}"
    org_model = tenant.org_model
    if existing:
        account.status = AccountStatus.to_claim.value
    elif org_model in AUTO_APPROVE:
        account.status = AccountStatus.active.value
        account.decision_reason = f"auto-approved by org model {org_model}"
    if not existing and requester is not None and in_department(principal, values["department_id"]):
        account.owners.append(AccountOwner(user_id=requester))
    session.add(account)
    await session.flush()
    if existing:
        await record(session, principal, "account.found", subject=account,
                     summary=Msg("Account {account} registered to be claimed ({origin})", account=label,
                                 origin=origin), data={"origin": origin})
    elif org_model in AUTO_APPROVE:
        await record(session, principal, "account.auto_approved", subject=account,
                     summary=Msg("Account {account} approved at once by the organisation model ({model})",
                                 account=label, model=org_model),
                     reason=account.decision_reason, data={"org_model": org_model})
    else:
        await record(session, principal, "account.requested", subject=account,
                     summary=Msg("Account {account} requested", account=label), data={"org_model": org_model})
    return account


async def decide(session: AsyncSession, principal: Any, tenant: Any, account_id: Any, approve: bool,
                 reason: str = "") -> SocialAccount:
    """Approve (→ active) or reject a pending account. Who may is the matrix's `account.decide`: the regie holder
    or a member of a hub department (in the hub models the hub approves new accounts; docs/accounts.md)."""
    account = await get_account(session, account_id)
    if account.status != AccountStatus.pending.value:
        raise Refused(msgid="Only a pending account can be decided on.")
    to = AccountStatus.active.value if approve else AccountStatus.rejected.value
    await apply_move(session, principal, tenant, account, to, reason)
    return account


async def eligible_owners(session: AsyncSession, department_id: UUID | None) -> list[User]:
    """Who may own an account of this department: its active (non-viewer) members, by membership or seat."""
    if department_id is None:
        return []
    seated = select(WorkgroupSeat.membership_id).where(WorkgroupSeat.department_id == department_id)
    rows = await session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.is_active.is_(True), User.is_active.is_(True), Membership.role != "viewer",
               or_(Membership.department_id == department_id, Membership.id.in_(seated)))
        .order_by(User.name, User.email))
    return list(rows.unique().all())


async def _clean_owners(session: AsyncSession, department_id: UUID | None, raw: Any) -> list[UUID]:
    """Owner ids from a form or the API: each a member of the department, at least one."""
    values = raw if isinstance(raw, list | tuple) else ([raw] if raw else [])
    if len(values) > MAX_OWNERS:
        raise DomainError(field="owner_ids", msgid="Name at most {max} owners.", max=MAX_OWNERS)
    ids: list[UUID] = []
    for value in values:
        owner = clean_uuid(value, "owner_ids")
        if owner is not None and owner not in ids:
            ids.append(owner)
    if not ids:
        raise DomainError(field="owner_ids", msgid="Name at least one owner.")
    allowed = {u.id for u in await eligible_owners(session, department_id)}
    if any(i not in allowed for i in ids):
        raise DomainError(field="owner_ids", msgid="An owner must be a member of the account's department.")
    return ids


def _replace_owners(account: SocialAccount, owner_ids: list[UUID]) -> None:
    keep = [o for o in account.owners if o.user_id in owner_ids]
    known = {o.user_id for o in keep}
    account.owners[:] = keep + [AccountOwner(user_id=i) for i in owner_ids if i not in known]


async def set_owners(session: AsyncSession, principal: Any, tenant: Any, account_id: Any, owner_ids: Any
                     ) -> SocialAccount:
    """Name the owners of an account its department holds; the department's members or a decider do."""
    account = await get_account(session, account_id)
    if account.status not in OWN_STATES:
        raise Refused(msgid="Only an account the organisation holds has owners; claim it first.")
    if not (can(principal.roles, "account.decide") or in_department(principal, account.department_id)
            or is_owner(principal, account)):
        raise PermissionDenied("account.owners")
    ids = await _clean_owners(session, account.department_id, owner_ids)
    before = sorted(str(o.user_id) for o in account.owners)
    _replace_owners(account, ids)
    await session.flush()
    await record(session, principal, "account.owners_changed", subject=account,
                 summary=f"Owners of account {account.platform}:{account.handle} named",
                 data={"before": before, "after": sorted(str(i) for i in ids)})
    return account


async def transition(session: AsyncSession, principal: Any, tenant: Any, account_id: Any, data: dict[str, Any]
                     ) -> SocialAccount:
    """One move through the lifecycle: data `to`, `reason`; claiming also takes `department_id` (the claimer's
    own department when left out) and `owner_ids` (the claimer when left out and a member of it)."""
    account = await get_account(session, account_id)
    to = clean_choice(data.get("to"), "to", list(AccountStatus.__members__))
    move = move_to(account.status, to)
    if move is not None and move.to == AccountStatus.claimed.value:
        errors = FieldErrors()
        given = data.get("department_id") or getattr(getattr(principal, "membership", None), "department_id", None)
        department_id = await _department(session, errors, given, required=True)
        if department_id is not None:
            ensure_may(principal, tenant, account, move, department_id)
        owners = data.get("owner_ids")
        if not owners and in_department(principal, department_id):
            owners = [principal.user_id]
        owner_ids = await errors.aclean(_clean_owners, session, department_id, owners) if department_id else None
        reason = errors.clean(clean_text, data.get("reason"), "reason", required=False, max_length=REASON_MAX)
        errors.raise_if_any()
        await apply_move(session, principal, tenant, account, to, reason or "",
                         data={"department_id": str(department_id), "owners": [str(i) for i in owner_ids or []]},
                         department_id=department_id)
        account.department_id = department_id
        _replace_owners(account, owner_ids or [])
        await session.flush()
        return account
    await apply_move(session, principal, tenant, account, to, str(data.get("reason") or ""))
    return account
