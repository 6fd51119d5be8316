"""The account registry: every social account of the organisation, approved according to the org model.

decentralized, holistic: approved at once (audited as auto-approved by the org model).
centralized, hub_and_spoke: pending until the regie holder decides.
multiple_hub_and_spoke: pending until the regie holder or a member of a hub department decides.
Accounts are retired, never deleted. A published policy's account conditions must be confirmed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import AccountStatus, SocialAccount
from core.audit.service import record
from core.db.lookup import get_or_404
from core.errors import Refused
from core.i18n import N_
from core.policy.service import published_policy
from core.tenancy.models import OrgModel
from core.validation import FieldErrors, clean_choice, clean_text, clean_uuid
from core.workgroup.models import Department

PLATFORMS = ("x", "linkedin", "facebook", "instagram", "youtube", "tiktok", "mastodon", "other")
PLATFORM_LABELS = {"x": "X", "linkedin": "LinkedIn", "facebook": "Facebook", "instagram": "Instagram",
                   "youtube": "YouTube", "tiktok": "TikTok", "mastodon": "Mastodon", "other": N_("other")}
AUTO_APPROVE = {OrgModel.decentralized.value, OrgModel.holistic.value}
STATUS_LABELS = (N_("pending"), N_("approved"), N_("rejected"), N_("retired"))


async def account_conditions(session: AsyncSession) -> str:
    """The conditions for new accounts in the published policy ('' when none)."""
    policy = await published_policy(session)
    return str((policy.way_of_work or {}).get("account_conditions") or "").strip() if policy else ""


def list_query(status: str | None = None) -> Select[Any]:
    query = select(SocialAccount).order_by(SocialAccount.created_at.desc())
    if status in AccountStatus.__members__:
        query = query.where(SocialAccount.status == status)
    return query


async def get_account(session: AsyncSession, account_id: Any) -> SocialAccount:
    return await get_or_404(session, SocialAccount, account_id)


async def register(session: AsyncSession, principal: Any, tenant: Any, data: dict[str, Any]) -> SocialAccount:
    """Register an account. data: platform, handle, url, purpose, department_id, meets_conditions (bool)."""
    errors = FieldErrors()
    values: dict[str, Any] = {
        "platform": errors.clean(clean_choice, data.get("platform"), "platform", PLATFORMS),
        "handle": errors.clean(clean_text, data.get("handle"), "handle", max_length=120),
        "url": errors.clean(clean_text, data.get("url"), "url", required=False, max_length=500),
        "purpose": errors.clean(clean_text, data.get("purpose"), "purpose", max_length=5000),
        "department_id": errors.clean(clean_uuid, data.get("department_id"), "department_id"),
    }
    url = values.get("url") or ""
    if url and not (url.startswith("https://") or url.startswith("http://")):
        errors.add("url", msgid="Use a web address starting with https://.")
    if values.get("department_id") and await session.get(Department, values["department_id"]) is None:
        errors.add("department_id", msgid="This department does not exist.")
    if await account_conditions(session) and not data.get("meets_conditions"):
        errors.add("meets_conditions", msgid="Confirm that the account meets the policy's conditions.")
    if values["platform"] is not None and values.get("handle"):
        existing = await session.scalar(select(SocialAccount).where(
            SocialAccount.platform == values["platform"],
            func.lower(SocialAccount.handle) == values["handle"].lower()))
        if existing is not None:
            errors.add("handle", msgid="This account is already registered.")
    errors.raise_if_any()

    account = SocialAccount(platform=values["platform"], handle=values["handle"], url=url,
                            purpose=values["purpose"], department_id=values["department_id"],
                            requested_by_id=getattr(principal, "user_id", None))
    org_model = tenant.org_model
    label = f"{values['platform']}:{values['handle']}"
    if org_model in AUTO_APPROVE:
        account.status = AccountStatus.approved.value
        account.decision_reason = f"auto-approved by org model {org_model}"
    session.add(account)
    await session.flush()
    if org_model in AUTO_APPROVE:
        await record(session, principal, "account.auto_approved", subject=account,
                     summary=f"Account {label} auto-approved by org model {org_model}",
                     reason=account.decision_reason, data={"org_model": org_model})
    else:
        await record(session, principal, "account.requested", subject=account,
                     summary=f"Account {label} requested", data={"org_model": org_model})
    return account


async def decide(session: AsyncSession, principal: Any, tenant: Any, account_id: Any, approve: bool,
                 reason: str = "") -> SocialAccount:
    """Approve or reject a pending account. Who may is the matrix's `account.decide`: the regie holder or a
    member of a hub department (in the hub models the hub approves new accounts; docs/architecture.md)."""
    account = await get_account(session, account_id)
    if account.status != AccountStatus.pending.value:
        raise Refused(msgid="Only a pending account can be decided on.")
    reason = clean_text(reason, "reason", required=not approve, max_length=2000)
    account.status = (AccountStatus.approved if approve else AccountStatus.rejected).value
    account.decided_by_id = principal.user_id
    account.decision_reason = reason
    action = "account.approved" if approve else "account.rejected"
    await record(session, principal, action, subject=account,
                 summary=f"Account {account.platform}:{account.handle} {'approved' if approve else 'rejected'}",
                 reason=reason, data={"org_model": tenant.org_model})
    return account


async def retire(session: AsyncSession, principal: Any, tenant: Any, account_id: Any, reason: str = ""
                 ) -> SocialAccount:
    """Retire an account: kept in the registry with its history, never deleted."""
    account = await get_account(session, account_id)
    if account.status == AccountStatus.retired.value:
        raise Refused(msgid="This account is already retired.")
    reason = clean_text(reason, "reason", required=False, max_length=2000)
    before = account.status
    account.status = AccountStatus.retired.value
    await record(session, principal, "account.retired", subject=account,
                 summary=f"Account {account.platform}:{account.handle} retired", reason=reason,
                 data={"previous_status": before})
    return account
