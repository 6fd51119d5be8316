"""Dormancy: an active account silent for longer than the published policy allows becomes dormant.

"Radio silence" on an account damages trust, so the owners and the regie holder hear of it at once. The daily
job (`core.accounts.dormancy`) compares each active account's silence (`activity.silent_since`) with the
policy's longest silence for its platform (`core.policy.silence`); without such a rule no account becomes
dormant. A dormant account whose last post falls within the allowed silence again posted again: it is active
again. Every change is a lifecycle move, audited as Regie's own; a second run on the same day changes nothing
and tells nobody again (the state is the memory).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.activity import last_post_at, reactivate, silent_since
from core.accounts.lifecycle import apply_move
from core.accounts.models import AccountStatus, SocialAccount
from core.audit.service import SYSTEM
from core.auth.models import User
from core.db.base import utcnow
from core.i18n import Msg, Plural
from core.notifications.service import department_and_regie, notify_people
from core.policy.silence import silence_rule
from core.settings import Settings
from core.tenancy.models import Tenant

KIND = "account.dormant"


@dataclass
class DormancyRun:
    dormant: list[UUID] = field(default_factory=list)
    reactivated: list[UUID] = field(default_factory=list)


def silence_days(account: SocialAccount, now: datetime) -> int:
    return max(0, (now - silent_since(account)).days)


async def check_dormancy(session: AsyncSession, settings: Settings, tenant: Tenant,
                         now: datetime | None = None) -> DormancyRun:
    now = now or utcnow()
    run = DormancyRun()
    rule = await silence_rule(session)
    if not rule.is_set:
        return run
    accounts = (await session.scalars(select(SocialAccount).where(SocialAccount.status.in_(
        (AccountStatus.active.value, AccountStatus.dormant.value))).order_by(SocialAccount.created_at))).all()
    for account in accounts:
        limit = rule.days_for(account.platform)
        if limit is None:
            continue
        allowed = timedelta(days=limit)
        posted = last_post_at(account)
        if account.status == AccountStatus.dormant.value:
            if posted is not None and now - posted <= allowed:
                await reactivate(session, account)
                run.reactivated.append(account.id)
        elif now - silent_since(account) > allowed:
            days = silence_days(account, now)
            await apply_move(session, SYSTEM, tenant, account, AccountStatus.dormant.value,
                             reason=f"silent for {days} days; the policy allows {limit}",
                             data={"silent_days": days, "limit_days": limit,
                                   "last_post_at": posted.isoformat() if posted else None})
            await _tell(session, settings, tenant, account, days, limit)
            run.dormant.append(account.id)
    return run


async def recipients(session: AsyncSession, account: SocialAccount) -> list[User]:
    """The named owners and the regie holder; without owners, the owning department and the regie holder."""
    if not account.owners:
        return await department_and_regie(session, account.department_id)
    people = {o.user.id: o.user for o in account.owners if o.user.is_active}
    for user in await department_and_regie(session, None):
        people.setdefault(user.id, user)
    return sorted(people.values(), key=lambda u: u.email)


async def _tell(session: AsyncSession, settings: Settings, tenant: Tenant, account: SocialAccount, days: int,
                limit: int) -> None:
    title = Msg("The account {handle} ({platform}) is dormant", handle=account.handle, platform=account.platform)
    body = Plural("Nothing was posted on it for {n} day; the policy allows at most {limit}. Post on it again, or "
                  "ask for it to be closed.",
                  "Nothing was posted on it for {n} days; the policy allows at most {limit}. Post on it again, or "
                  "ask for it to be closed.", days, limit=limit)
    await notify_people(session, settings, await recipients(session, account), KIND, title, body,
                        href=f"/t/{tenant.slug}/accounts/{account.id}")


async def run_for_tenant(session: AsyncSession, settings: Settings, tenant_id: Any) -> DormancyRun:
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        return DormancyRun()
    return await check_dormancy(session, settings, tenant)
