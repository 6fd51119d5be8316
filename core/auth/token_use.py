"""When an API token may act, and how its use is recorded: every use in the audit log, `last_used_at` throttled."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.auth import security
from core.auth.models import ApiToken

USE_INTERVAL = timedelta(minutes=1)
"""`last_used_at` moves at most this often per token (the token row is not rewritten on every request)."""


def refusal(token: ApiToken, now: datetime) -> str | None:
    """Why a known token may not act (`revoked`, `expired`), or None."""
    if token.revoked_at is not None:
        return "revoked"
    expires = token.expires_at
    if expires is None or expires <= now:
        return "expired"
    return None


async def refuse(session: AsyncSession, token: ApiToken, reason: str, method: str, path: str) -> None:
    """A revoked or expired token was presented: audited (the request itself answers 401)."""
    await record(session, f"API token {token.prefix}…", "token.refused", subject=token, touch=False,
                 summary=f"{token.name} ({token.prefix}…): {reason}",
                 data={"reason": reason, "method": method, "path": path, "membership_id": str(token.membership_id)})


async def note_use(session: AsyncSession, token: ApiToken, principal: Any, now: datetime,
                   method: str, path: str) -> None:
    """Every use leaves a `token.used` audit row (method and path): who called what with which token is
    always answerable. Only `last_used_at` is throttled to once a minute."""
    last = token.last_used_at
    if last is None or now - last >= USE_INTERVAL:
        token.last_used_at = now
    await record(session, principal, "token.used", subject=token, touch=False,
                 summary=f"{token.name} ({token.prefix}…): {method} {path}",
                 data={"method": method, "path": path, "prefix": token.prefix})


def now() -> datetime:
    return security.clock()
