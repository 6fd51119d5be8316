"""Customers sign in to a tenant's public pages by an e-mail link: no password, single use, only its digest
stored.

One identity per address and tenant, whichever plugin's page (the community, the idea board) the person
signs in to; the mail names that place. The link's page asks for a click before it signs in, so a mail
scanner that follows links does not use it up. Requests are limited per address and per client address,
counted in the database, so the limits hold across web processes. The one session cookie serves every
tenant: a customer is kept under a key of this tenant's own, so signing in to one tenant never signs anyone
in to another's.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.customers.models import Customer, CustomerLogin
from core.db.base import utcnow
from core.errors import DomainError, Refused
from core.i18n import gettext_for
from core.mail import send_mail
from core.validation import FieldErrors, clean_email, clean_text

LINK_MINUTES = 30
PER_EMAIL = (3, timedelta(minutes=15))
"""At most this many links per e-mail address in this window."""
PER_ADDRESS = (10, timedelta(hours=1))
"""At most this many links asked from one client address in this window."""
NO_LONGER_VALID = "This sign-in link is no longer valid. Ask for a new one."


class RateLimited(DomainError):
    """Too many requests in a short time: 429, with the reason on the field."""

    status_code = 429


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_key(tenant_id: UUID) -> str:
    return f"customer:{tenant_id}"


def _old_session_key(tenant_id: UUID) -> str:
    """Where the community kept its customers before the identity moved to the core: still read, so people
    signed in then stay signed in."""
    return f"webcare_customer:{tenant_id}"


async def request_link(session: AsyncSession, values: dict[str, Any], *, client_ip: str, link_base: str,
                       tenant_name: str, lang: str, place: str) -> Customer | None:
    """Mail a sign-in link to `link_base` + token. `place` is where the person signs in, already translated
    ("the community of Acme"). Unknown addresses get a customer record (verified when the link is used); a
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
        customer = await _new_customer(session, email, name or email.split("@", 1)[0][:80])
    token = secrets.token_urlsafe(32)
    session.add(CustomerLogin(customer_id=customer.id, token_digest=digest(token), client_ip=client_ip[:45],
                              expires_at=now + timedelta(minutes=LINK_MINUTES)))
    await session.flush()
    if customer.is_blocked:
        return None
    _ = gettext_for(lang)
    text = _("Use this link within {minutes} minutes to sign in to {place}:\n\n{link}\n\n"
             "Did you not ask for it? Then you can ignore this mail.\n\n{tenant}",
             minutes=LINK_MINUTES, place=place, link=link_base + token, tenant=tenant_name)
    send_mail(session, email, _("Sign in to {place}", place=place), text)
    return customer


async def _new_customer(session: AsyncSession, email: str, name: str) -> Customer:
    """The record of a new address; two first requests at the same moment make one (the second finds it)."""
    try:
        async with session.begin_nested():
            customer = Customer(email=email, display_name=name)
            session.add(customer)
            await session.flush()
        return customer
    except IntegrityError:
        found = await session.scalar(select(Customer).where(Customer.email == email))
        if found is None:
            raise
        return found


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
        raise Refused(field="token", msgid=NO_LONGER_VALID)
    customer = await session.get(Customer, login.customer_id)
    if customer is None or customer.is_blocked:
        raise Refused(field="token", msgid=NO_LONGER_VALID)
    name = clean_text(values.get("display_name"), "display_name", required=False, max_length=80)
    used = await session.execute(update(CustomerLogin).where(CustomerLogin.id == login.id,
                                                             CustomerLogin.used_at.is_(None))
                                 .values(used_at=utcnow()))
    if used.rowcount != 1:
        raise Refused(field="token", msgid=NO_LONGER_VALID)
    customer.verified_at = customer.verified_at or utcnow()
    if name:
        customer.display_name = name
    await session.flush()
    return customer


def start_customer_session(request: Any, tenant_id: UUID, customer: Customer) -> None:
    """Keep what the session holds (a staff sign-in stays), under a new session id, plus this customer."""
    kept = {k: v for k, v in dict(request.session or {}).items() if k != _old_session_key(tenant_id)}
    request.clear_session()
    request.set_session({**kept, session_key(tenant_id): str(customer.id)})


def end_customer_session(request: Any, tenant_id: UUID) -> None:
    gone = {session_key(tenant_id), _old_session_key(tenant_id)}
    kept = {k: v for k, v in dict(request.session or {}).items() if k not in gone}
    request.clear_session()
    if kept:
        request.set_session(kept)


async def current_customer(session: AsyncSession, request: Any, tenant_id: UUID) -> Customer | None:
    """The signed-in customer of this tenant, or None (a blocked customer is signed out in effect)."""
    held = request.session if isinstance(request.session, dict) else {}
    raw = held.get(session_key(tenant_id)) or held.get(_old_session_key(tenant_id))
    if not raw:
        return None
    try:
        customer = await session.get(Customer, UUID(str(raw)))
    except ValueError:
        return None
    if customer is None or customer.is_blocked or customer.tenant_id != tenant_id:
        return None
    return customer


async def erase_customer(session: AsyncSession, email: str) -> dict[str, int]:
    """Privacy erasure of the customer with this address (any case): the record stays pseudonymised, so what
    plugins keep pointing at it (votes, blanked posts) still adds up; its sign-in links go. Blocked, so the
    erased record can never sign in again."""
    customer = await session.scalar(select(Customer).where(func.lower(Customer.email) == email.strip().casefold()))
    if customer is None:
        return {}
    customer.email = f"erased-{customer.id.hex}@erased.invalid"
    customer.display_name = ""
    customer.is_blocked = True
    await session.flush()
    deleted = await session.execute(delete(CustomerLogin).where(CustomerLogin.customer_id == customer.id)
                                    .execution_options(synchronize_session=False))
    return {"customers_pseudonymised": 1, "sign_in_links_deleted": deleted.rowcount or 0}
