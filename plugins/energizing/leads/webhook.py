"""The CRM's webhook: the tenant's CRM reports a lead (and its status) that a referral code brought.

The request is signed with the tenant's secret: `X-Regie-Timestamp: <unix seconds>` and
`X-Regie-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body>`. The timestamp must be within
five minutes of now, and it is part of what is signed, so a captured request cannot be sent again later with a
new timestamp. Within those five minutes the same signed request is refused a second time (409): every signature is
remembered (`CrmReceipt`) for as long as its timestamp could pass. A CRM that retries sends a new timestamp, so a
new signature. A lead is known by the CRM's `external_id`: a second call updates it, never duplicates it, also when
two calls for a new lead arrive at the same moment (the second finds the first's lead and updates it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    FieldErrors,
    Msg,
    check_json_depth,
    clean_choice,
    clean_email,
    clean_text,
    record_audit,
    utcnow,
)
from plugins.energizing.leads import signing, weeks
from plugins.energizing.leads.codes import resolve
from plugins.energizing.leads.models import ERASED, STATES, CrmReceipt, Lead
from plugins.energizing.leads.qualify import set_state

MAX_SKEW = 300
MAX_BODY = 64 * 1024
FIELDS = ("referral_code", "external_id", "name", "email", "company", "status")


class BadSignature(Exception):
    """Not signed with the tenant's secret, signed too long ago, or no secret set: 401, nothing stored."""


class Replayed(Exception):
    """A signed request that was already received: 409, nothing changed."""


@dataclass
class Received:
    lead: Lead
    created: bool


def sign(secret: str, timestamp: str, raw: bytes) -> str:
    """The signature a CRM sends (also for the settings page's example and the tests)."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()


def verify(secret: str | None, raw: bytes, signature: str, timestamp: str, now: datetime) -> None:
    if not secret:
        raise BadSignature("no webhook secret set")
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > MAX_SKEW:
        raise BadSignature("timestamp missing or not within five minutes")
    if not hmac.compare_digest(signature.strip(), sign(secret, timestamp, raw)):
        raise BadSignature("signature does not match")


def _text(errors: FieldErrors, data: dict[str, Any], field: str) -> Any:
    value = data.get(field)
    if value is not None and not isinstance(value, str):
        errors.add(field, "Use a text value.")
        return None
    return value


def parse(raw: bytes) -> dict[str, Any]:
    """The body's fields, cleaned; a DomainError per field otherwise (422)."""
    if len(raw) > MAX_BODY:
        raise DomainError(field="body", msgid="The body is too large.")
    check_json_depth(raw)
    try:
        data = json.loads(raw)
    except ValueError:
        raise DomainError(field="body", msgid="The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise DomainError(field="body", msgid="Send a JSON object.")
    errors = FieldErrors()
    values = {field: _text(errors, data, field) for field in FIELDS}
    found = {
        "referral_code": errors.clean(clean_text, values["referral_code"], "referral_code", required=False,
                                      max_length=16),
        "external_id": errors.clean(clean_text, values["external_id"], "external_id", max_length=100),
        "name": errors.clean(clean_text, values["name"], "name", max_length=120),
        "email": errors.clean(clean_email, values["email"], "email"),
        "company": errors.clean(clean_text, values["company"], "company", required=False, max_length=200),
        "status": errors.clean(clean_choice, values["status"], "status", STATES) if values["status"] else None,
    }
    errors.raise_if_any()
    return found


async def remember(session: AsyncSession, signature: str, now: datetime) -> None:
    """Remember a verified signature; `Replayed` when it was seen before (also by a call running at this moment).

    Signatures older than twice the allowed skew go first: their timestamps can no longer pass."""
    await session.execute(delete(CrmReceipt).where(CrmReceipt.received_at < now - timedelta(seconds=2 * MAX_SKEW))
                          .execution_options(synchronize_session=False))
    digest = signature.strip().removeprefix("sha256=")[:64]
    try:
        async with session.begin_nested():
            session.add(CrmReceipt(signature=digest, received_at=now))
            await session.flush()
    except IntegrityError:
        raise Replayed(digest) from None


async def _by_external_id(session: AsyncSession, external_id: str) -> Lead | None:
    return await session.scalar(select(Lead).where(Lead.external_id == external_id))


async def _create(session: AsyncSession, data: dict[str, Any]) -> Lead | None:
    """A new lead for the CRM's id; None when another call made one for it at this very moment."""
    referral = await resolve(session, data["referral_code"])
    lead = Lead(channel="crm", external_id=data["external_id"], source=referral.source, ref_code=referral.ref_code,
                ambassador_id=referral.ambassador_id, campaign_id=referral.campaign_id, state="new",
                name=data["name"], email=data["email"], organisation=data["company"] or "")
    try:
        async with session.begin_nested():
            session.add(lead)
            await session.flush()
    except IntegrityError:
        return None
    return lead


async def receive(session: AsyncSession, raw: bytes, *, signature: str, timestamp: str, secret_key: str,
                  now: datetime | None = None) -> Received:
    now = now or utcnow()
    verify(await signing.current(session, secret_key), raw, signature, timestamp, now)
    data = parse(raw)
    await remember(session, signature, now)
    lead = await _by_external_id(session, data["external_id"])
    created = False
    if lead is None:
        lead = await _create(session, data)
        created = lead is not None
        if lead is None:
            lead = await _by_external_id(session, data["external_id"])
            if lead is None:  # the other call's lead is not visible yet (or was rolled back): the CRM sends again
                raise DomainError(field="external_id", msgid="Another call is storing this lead right now; "
                                                             "send it again.")
    if not created:
        if lead.name == ERASED:
            return Received(lead, False)  # erased on request: the CRM's copy does not bring the person back
        if data["referral_code"]:
            referral = await resolve(session, data["referral_code"])
            lead.source, lead.ref_code = referral.source, referral.ref_code
            lead.ambassador_id, lead.campaign_id = referral.ambassador_id, referral.campaign_id
        lead.name, lead.email, lead.organisation = data["name"], data["email"], data["company"] or ""
    await session.flush()
    if created:
        await weeks.count(session, lead, arrived=True)
    status = data["status"]
    if status and status != lead.state:
        before = lead.state
        if set_state(lead, status, now):
            await weeks.count(session, lead, qualified=True)
        await session.flush()
        await record_audit(session, "CRM", "energizing.lead_state_changed", subject=lead,
                           summary=Msg("Lead {before} → {after}", before=Msg(STATES[before]),
                                       after=Msg(STATES[status])), data={"from": before, "to": status, "by": "crm"})
    await session.flush()
    return Received(lead, created)
