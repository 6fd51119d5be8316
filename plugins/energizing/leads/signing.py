"""The tenant's webhook secret: made and rotated on request by those who configure the plugin and shown to them
(a new one replaces the old at once). Stored sealed: a database dump does not reveal it."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Msg, SealError, record_audit, seal, unseal, utcnow
from plugins.energizing.leads.models import LeadsSettings

PURPOSE = "energizing.leads.webhook"


async def current(session: AsyncSession, secret_key: str) -> str | None:
    """The secret, or None when none was made yet (or it was sealed with another app secret)."""
    row = await session.scalar(select(LeadsSettings))
    if row is None or not row.webhook_secret_sealed:
        return None
    try:
        return unseal(secret_key, PURPOSE, row.webhook_secret_sealed)
    except SealError:
        return None


async def rotate(session: AsyncSession, principal: Any, secret_key: str) -> str:
    """A new secret (the first, or in place of the old one)."""
    row = await session.scalar(select(LeadsSettings))
    if row is None:
        row = LeadsSettings()
        session.add(row)
    secret = secrets.token_urlsafe(32)
    row.webhook_secret_sealed = seal(secret_key, PURPOSE, secret)
    row.rotated_at = utcnow()
    await record_audit(session, principal, "energizing.webhook_secret_rotated",
                       summary=Msg("CRM webhook secret rotated"))
    await session.flush()
    return secret
