"""When an account last posted, and what that means for its lifecycle.

`SocialAccount.last_post_at` is the one place Regie keeps it. Two kinds of code write it, both through
`record_post`: a channel connection when it reads the account's profile from the network (its latest post) and
whatever publishes through Regie (a plugin, through `core.plugins.api.record_account_post`) right after a post
went out. The dormancy job (`core.accounts.dormancy`) and the sprawl report read it through `last_post_at`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.lifecycle import apply_move
from core.accounts.models import AccountStatus, SocialAccount
from core.audit.service import SYSTEM
from core.db.base import as_utc
from core.db.lookup import get_or_404
from core.tenancy.models import Tenant


def last_post_at(account: SocialAccount) -> datetime | None:
    """When the account last posted, as far as Regie knows (None: never seen posting)."""
    return account.last_post_at


def silent_since(account: SocialAccount) -> datetime:
    """From when an active account's silence counts: its last post, or when it became active if that is later
    (an account put in use gets the whole allowed silence before it can be dormant)."""
    posted = last_post_at(account)
    return max(posted, account.status_changed_at) if posted is not None else account.status_changed_at


async def record_post(session: AsyncSession, account_id: Any, posted_at: datetime) -> SocialAccount:
    """The account posted at `posted_at`: keep the latest moment. A dormant account of which a newer post
    becomes known posted again: it is active again (audited as Regie's own change). A moment no later than the
    one known changes nothing."""
    account = await get_or_404(session, SocialAccount, account_id)
    posted_at = as_utc(posted_at)
    if account.last_post_at is not None and posted_at <= account.last_post_at:
        return account
    account.last_post_at = posted_at
    if account.status == AccountStatus.dormant.value:
        await reactivate(session, account)
    return account


async def reactivate(session: AsyncSession, account: SocialAccount) -> None:
    tenant = await session.get(Tenant, account.tenant_id)
    await apply_move(session, SYSTEM, tenant, account, AccountStatus.active.value,
                     data={"last_post_at": account.last_post_at.isoformat() if account.last_post_at else None})
