"""Ambassadors sign in to the portal by an e-mail link: no password, single use, only its digest stored.

The link's page asks for a click before it signs in, so a mail scanner does not use it up. Every request counts,
known address or not (`SigninAttempt`, in the database, so the limits hold across web processes), and the answer
is the same for every address — including the 429 of the per-address limit — so the form tells no one who is on
the roster. The session keeps an ambassador under a key of the tenant's own: a portal session of one tenant is
nothing in another's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, Refused, clean_email, gettext_for, utcnow
from plugins.energizing.ambassadors import tokens
from plugins.energizing.ambassadors.models import SigninAttempt
from plugins.energizing.ambassadors.service import mail
from plugins.energizing.models import Ambassador

PER_EMAIL = (3, timedelta(minutes=15))
"""At most this many requests per e-mail address (on the roster or not) in this window."""
PER_ADDRESS = (10, timedelta(hours=1))
"""At most this many requests from one client address in this window, whatever address they named."""
KEEP_ATTEMPTS = timedelta(days=1)
"""Retention removes sign-in attempts older than this (longer than either window)."""


class RateLimited(DomainError):
    """Too many requests in a short time: 429, with the reason on the field."""

    status_code = 429


def session_key(tenant_id: UUID) -> str:
    return f"energizing_ambassador:{tenant_id}"


async def _recent(session: AsyncSession, *where: Any) -> int:
    return await session.scalar(select(func.count()).select_from(SigninAttempt).where(*where)) or 0


async def request_link(session: AsyncSession, email: Any, *, client_ip: str, link_base: str, tenant_name: str,
                       lang: str) -> None:
    """Mail a sign-in link to an active ambassador. Anyone else gets the same answer and no mail; every request
    counts towards the limits of its address and its client address alike, so neither limit tells who is on the
    roster."""
    address = clean_email(email)
    now = utcnow()
    email_digest = tokens.digest(address.lower())
    ip = (client_ip or "")[:45]
    if await _recent(session, SigninAttempt.email_digest == email_digest,
                     SigninAttempt.created_at >= now - PER_EMAIL[1]) >= PER_EMAIL[0]:
        raise RateLimited(field="email", msgid="Too many sign-in links for this address. Try again in {minutes} "
                          "minutes.", minutes=int(PER_EMAIL[1].total_seconds() // 60))
    if ip and await _recent(session, SigninAttempt.client_ip == ip,
                            SigninAttempt.created_at >= now - PER_ADDRESS[1]) >= PER_ADDRESS[0]:
        raise RateLimited(field="email", msgid="Too many sign-in links from your network. Try again later.")
    session.add(SigninAttempt(email_digest=email_digest, client_ip=ip))
    await session.flush()
    ambassador = await session.scalar(select(Ambassador).where(Ambassador.email == address))
    if ambassador is None or ambassador.state != "active":
        return
    token = tokens.issue(session, ambassador.id, "signin", client_ip)
    _ = gettext_for(lang)
    link = f"{link_base}signin/{token}"
    text = _("Use this link within {minutes} minutes to sign in to the ambassador portal of {tenant}:\n\n{link}\n\n"
             "Did you not ask for it? Then you can ignore this mail.",
             minutes=int(tokens.LIFETIMES["signin"].total_seconds() // 60), tenant=tenant_name, link=link)
    mail(session, ambassador, _("Sign in to the ambassador portal of {tenant}", tenant=tenant_name), text,
         lang=lang, link_base=link_base)
    await session.flush()


async def use_link(session: AsyncSession, token: str) -> Ambassador:
    """Sign in: the link is used up in one conditional update, so two clicks cannot both succeed."""
    row = await tokens.open_token(session, token, "signin")
    ambassador = await session.get(Ambassador, row.ambassador_id) if row is not None else None
    if row is None or ambassador is None or ambassador.state != "active" or not await tokens.use_up(session, row):
        raise Refused(field="token", msgid="This sign-in link is no longer valid. Ask for a new one.")
    ambassador.last_active_at = utcnow()
    await session.flush()
    return ambassador


def start_session(request: Any, tenant_id: UUID, ambassador: Ambassador) -> None:
    """Keep what the session holds (a staff sign-in stays), under a new session id, plus this ambassador."""
    kept = dict(request.session or {})
    request.clear_session()
    request.set_session({**kept, session_key(tenant_id): str(ambassador.id)})


def end_session(request: Any, tenant_id: UUID) -> None:
    kept = {k: v for k, v in dict(request.session or {}).items() if k != session_key(tenant_id)}
    request.clear_session()
    if kept:
        request.set_session(kept)


async def current_ambassador(session: AsyncSession, request: Any, tenant_id: UUID) -> Ambassador | None:
    """The signed-in ambassador of this tenant, or None (someone who opted out is signed out in effect)."""
    raw = (request.session or {}).get(session_key(tenant_id)) if isinstance(request.session, dict) else None
    if not raw:
        return None
    try:
        ambassador = await session.get(Ambassador, UUID(str(raw)))
    except ValueError:
        return None
    if ambassador is None or ambassador.state != "active" or ambassador.tenant_id != tenant_id:
        return None
    return ambassador
