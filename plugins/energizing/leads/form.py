"""The tenant's public lead form: who asks to be contacted, and through whose code they came.

Against bots: a honeypot field people never see (filled in: the confirmation is shown and nothing stored), a
minimum time between showing the form and sending it (a signed moment in a hidden field), and at most
`PER_ADDRESS` leads per client address per hour, counted in the database so the limit holds across web processes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, FieldErrors, clean_email, clean_text, utcnow
from plugins.energizing.leads import weeks
from plugins.energizing.leads.codes import resolve
from plugins.energizing.leads.models import Lead

HONEYPOT = "website"
MIN_FILL = timedelta(seconds=3)
MAX_FILL = timedelta(days=1)
PER_ADDRESS = (5, timedelta(hours=1))
PHONE = re.compile(r"^[0-9+()\-. ]{6,40}$")
AGREED = ("1", "on", "yes", "true")


class RateLimited(DomainError):
    """Too many leads from one client address in a short time: 429."""

    status_code = 429


def _signature(secret_key: str, stamp: str) -> str:
    return hmac.new(secret_key.encode(), f"energizing-lead-form:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


def fill_token(secret_key: str, now: datetime | None = None) -> str:
    """The moment the form was shown, signed (a bot cannot send an older one it made up)."""
    stamp = str(int((now or utcnow()).timestamp()))
    return f"{stamp}.{_signature(secret_key, stamp)}"


def shown_at(secret_key: str, token: Any) -> datetime | None:
    stamp, _dot, signature = str(token or "").partition(".")
    if not stamp.isdigit() or not hmac.compare_digest(signature, _signature(secret_key, stamp)):
        return None
    return datetime.fromtimestamp(int(stamp), utcnow().tzinfo)


def clean_phone(value: Any, field: str = "phone") -> str:
    text = str(value or "").strip()
    if text and not PHONE.match(text):
        raise DomainError(field=field, msgid="Use digits, spaces and + - ( ) only, 6 to 40 characters.")
    return text


def clean_lead(values: dict[str, Any]) -> dict[str, Any]:
    errors = FieldErrors()
    found = {
        "name": errors.clean(clean_text, values.get("name"), "name", max_length=120),
        "email": errors.clean(clean_email, values.get("email"), "email"),
        "organisation": errors.clean(clean_text, values.get("organisation"), "organisation", required=False,
                                     max_length=200),
        "phone": errors.clean(clean_phone, values.get("phone")),
        "message": errors.clean(clean_text, values.get("message"), "message", max_length=4000),
    }
    if str(values.get("consent") or "").strip().lower() not in AGREED:
        errors.add("consent", "Tick the box to agree that we contact you.")
    errors.raise_if_any()
    return found


async def submit(session: AsyncSession, values: dict[str, Any], *, client_ip: str, secret_key: str,
                 now: datetime | None = None) -> Lead | None:
    """Store the lead (None: the honeypot was filled in, nothing stored, the sender sees the same confirmation)."""
    now = now or utcnow()
    if str(values.get(HONEYPOT) or "").strip():
        return None
    cleaned = clean_lead(values)
    shown = shown_at(secret_key, values.get("started"))
    if shown is None or now - shown > MAX_FILL:
        raise DomainError(msgid="This form has expired. Send it again.")
    if now - shown < MIN_FILL:
        raise DomainError(msgid="That was very fast. Check what you filled in and send it again.")
    ip = client_ip[:45]
    if ip:
        recent = await session.scalar(select(func.count()).select_from(Lead).where(
            Lead.client_ip == ip, Lead.created_at >= now - PER_ADDRESS[1])) or 0
        if recent >= PER_ADDRESS[0]:
            raise RateLimited(msgid="Too many requests from your network. Try again later.")
    referral = await resolve(session, values.get("ref"))
    lead = Lead(source=referral.source, channel="form", ref_code=referral.ref_code, client_ip=ip,
                ambassador_id=referral.ambassador_id, campaign_id=referral.campaign_id, consent_at=now,
                state="new", **cleaned)
    session.add(lead)
    await session.flush()
    await weeks.count(session, lead, arrived=True)
    return lead

