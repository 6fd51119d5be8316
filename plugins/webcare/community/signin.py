"""Customers sign in to the public Q&A by an e-mail link: no password, single use, only its digest stored.

The link's page asks for a click before it signs in, so a mail scanner that follows links does not use it
up. Requests are limited per address and per client address, counted in the database, so the limits hold
across web processes. The one session cookie serves every tenant: a customer is kept under a key of this
tenant's own, so signing in to one tenant's community never signs anyone in to another's.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, FieldErrors, Refused, clean_email, clean_text, gettext_for, send_mail, utcnow
from plugins.webcare.models import Customer, CustomerLogin

LINK_MINUTES = 30
PER_EMAIL = (3, timedelta(minutes=15))
"""At most this many links per e-mail address in this window."""
PER_ADDRESS = (10, timedelta(hours=1))
"""At most this many links asked from one client address in this window."""


class RateLimited(DomainError):
    """Too many requests in a short time: 429, with the reason on the field."""

    status_code = 429


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_key(tenant_id: UUID) -> str:
    return f"webcare_customer:{tenant_id}"


async def request_link(session: AsyncSession, values: dict[str, Any], *, client_ip: str, link_base: str,
                       tenant_name: str, lang: str) -> Customer | None:
    """Mail a sign-in link. Unknown addresses get a customer record (verified when the link is used); a
    blocked customer gets no mail, but the same answer, so the form tells no one who is blocked."""
    errors = FieldErrors()
    email = errors.clean(clean_email, values.get("email"))
    name = errors.clean(clean_text, values.get("display_name"), "display_name", required=False, max_length=80)
    errors.raise_if_any()
    now = utcnow()
    recent_for_email = await session.scalar(
        select(func.count()).select_from(CustomerLogin).join(Customer, Customer.id == CustomerLogin.customer_id)
        .where(Customer.email == email, CustomerLogin.created_at >= now - PER_EMAIL[1])) or 0
    if recent_for_email >= PER_EMAIL[0]:
        raise RateLimited(field="email", msgid="Too many sign-in links for this address. Try again in {minutes} "
                          "minutes.", minutes=int(PER_EMAIL[1].total_seconds() // 60))
    recent_for_ip = await session.scalar(select(func.count()).select_from(CustomerLogin).where(
        CustomerLogin.client_ip == client_ip, CustomerLogin.created_at >= now - PER_ADDRESS[1])) or 0
    if client_ip and recent_for_ip >= PER_ADDRESS[0]:
        raise RateLimited(field="email", msgid="Too many sign-in links from your network. Try again later.")
    customer = await session.scalar(select(Customer).where(Customer.email == email))
    if customer is None:
        customer = Customer(email=email, display_name=name or email.split("@", 1)[0][:80])
        session.add(customer)
        await session.flush()
    token = secrets.token_urlsafe(32)
    session.add(CustomerLogin(customer_id=customer.id, token_digest=digest(token), client_ip=client_ip[:45],
                              expires_at=now + timedelta(minutes=LINK_MINUTES)))
    await session.flush()
    if customer.is_blocked:
        return None
    _ = gettext_for(lang)
    link = link_base + token
    text = _("Use this link within {minutes} minutes to sign in to the community of {tenant}:\n\n{link}\n\n"
             "Did you not ask for it? Then you can ignore this mail.",
             minutes=LINK_MINUTES, tenant=tenant_name, link=link)
    send_mail(session, email, _("Sign in to the community of {tenant}", tenant=tenant_name), text)
    return customer


async def open_link(session: AsyncSession, token: str) -> CustomerLogin | None:
    """The unused, unexpired link for this token in the current tenant, or None."""
    login = await session.scalar(select(CustomerLogin).where(CustomerLogin.token_digest == digest(token)))
    if login is None or login.used_at is not None:
        return None
    return login if login.expires_at > utcnow() else None


async def use_link(session: AsyncSession, token: str, values: dict[str, Any]) -> Customer:
    """Sign in: the link is used up (in one conditional update, so two clicks cannot both succeed)."""
    login = await open_link(session, token)
    if login is None:
        raise Refused(field="token", msgid="This sign-in link is no longer valid. Ask for a new one.")
    customer = await session.get(Customer, login.customer_id)
    if customer is None or customer.is_blocked:
        raise Refused(field="token", msgid="This sign-in link is no longer valid. Ask for a new one.")
    name = clean_text(values.get("display_name"), "display_name", required=False, max_length=80)
    used = await session.execute(update(CustomerLogin).where(CustomerLogin.id == login.id,
                                                             CustomerLogin.used_at.is_(None))
                                 .values(used_at=utcnow()))
    if used.rowcount != 1:
        raise Refused(field="token", msgid="This sign-in link is no longer valid. Ask for a new one.")
    customer.verified_at = customer.verified_at or utcnow()
    if name:
        customer.display_name = name
    await session.flush()
    return customer


def start_customer_session(request: Any, tenant_id: UUID, customer: Customer) -> None:
    """Keep what the session holds (a staff sign-in stays), under a new session id, plus this customer."""
    kept = dict(request.session or {})
    request.clear_session()
    request.set_session({**kept, session_key(tenant_id): str(customer.id)})


def end_customer_session(request: Any, tenant_id: UUID) -> None:
    kept = {k: v for k, v in dict(request.session or {}).items() if k != session_key(tenant_id)}
    request.clear_session()
    if kept:
        request.set_session(kept)


async def current_customer(session: AsyncSession, request: Any, tenant_id: UUID) -> Customer | None:
    """The signed-in customer of this tenant, or None (a blocked customer is signed out in effect)."""
    raw = (request.session or {}).get(session_key(tenant_id)) if isinstance(request.session, dict) else None
    if not raw:
        return None
    try:
        customer = await session.get(Customer, UUID(str(raw)))
    except ValueError:
        return None
    if customer is None or customer.is_blocked or customer.tenant_id != tenant_id:
        return None
    return customer
