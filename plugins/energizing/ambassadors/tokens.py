"""Mailed links: a random token goes out, only its digest is stored; a link is used up by one conditional update,
so two clicks (or two tabs) can never both succeed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import utcnow
from plugins.energizing.ambassadors.models import AmbassadorToken

LIFETIMES = {"consent": timedelta(days=14), "optout": timedelta(days=400), "signin": timedelta(minutes=30)}
"""A consent link keeps two weeks; an opt-out link in a mail keeps more than a year (people find old mails);
a sign-in link half an hour."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: AsyncSession, ambassador_id: UUID, purpose: str, client_ip: str = "") -> str:
    """A new link of `purpose` for this ambassador: the token to mail (stored only as its digest)."""
    token = secrets.token_urlsafe(32)
    session.add(AmbassadorToken(ambassador_id=ambassador_id, purpose=purpose, token_digest=digest(token),
                                client_ip=client_ip[:45], expires_at=utcnow() + LIFETIMES[purpose]))
    return token


async def open_token(session: AsyncSession, token: str, purpose: str) -> AmbassadorToken | None:
    """The unused, unexpired link of `purpose` for this token in the tenant in scope, or None."""
    if not token or len(token) > 100:
        return None
    row = await session.scalar(select(AmbassadorToken).where(AmbassadorToken.token_digest == digest(token),
                                                             AmbassadorToken.purpose == purpose))
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row


async def use_up(session: AsyncSession, row: AmbassadorToken) -> bool:
    """Mark the link used; False when another request used it first."""
    result = await session.execute(update(AmbassadorToken).where(AmbassadorToken.id == row.id,
                                                                 AmbassadorToken.used_at.is_(None))
                                   .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1
