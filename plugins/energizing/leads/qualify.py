"""Sales qualifies leads: new → qualified → won or lost (lost with a reason). Every move is audited.

Also the leads list's filters (state, source, ambassador, campaign, period) as one query.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    FieldErrors,
    Msg,
    Refused,
    clean_choice,
    clean_date,
    clean_text,
    clean_uuid,
    get_or_404,
    record_audit,
    utcnow,
)
from plugins.energizing.leads import weeks
from plugins.energizing.leads.models import SOURCES, STATES, TRANSITIONS, Lead

FILTERS = ("state", "source", "ambassador", "campaign", "since", "until")


def set_state(lead: Lead, state: str, now: datetime) -> bool:
    """Move a lead (no rule checked: the caller did), keeping the moments the KPIs count by; True when this move
    qualified it for the first time (the caller counts it in the weekly figures)."""
    lead.state = state
    first = state in ("qualified", "won") and lead.qualified_at is None
    if first:
        lead.qualified_at = now
    lead.closed_at = now if state in ("won", "lost") else None
    return first


async def move(session: AsyncSession, principal: Any, lead_id: Any, values: dict[str, Any]) -> Lead:
    lead = await get_or_404(session, Lead, lead_id)
    errors = FieldErrors()
    state = errors.clean(clean_choice, values.get("state"), "state", STATES)
    reason = errors.clean(clean_text, values.get("reason"), "reason", required=state == "lost", max_length=1000)
    errors.raise_if_any()
    assert state is not None
    if state not in TRANSITIONS[lead.state]:
        allowed = ", ".join(TRANSITIONS[lead.state]) or "—"
        raise Refused(field="state", msgid="A lead that is {current} cannot become {wanted} (possible: {allowed}).",
                      current=Msg(STATES[lead.state]), wanted=Msg(STATES[state]), allowed=allowed)
    before = lead.state
    if set_state(lead, state, utcnow()):
        await weeks.count(session, lead, qualified=True)
    lead.lost_reason = reason or "" if state == "lost" else lead.lost_reason
    lead.changed_by_id = principal.user_id
    await record_audit(session, principal, "energizing.lead_state_changed", subject=lead,
                       summary=Msg("Lead {before} → {after}", before=Msg(STATES[before]), after=Msg(STATES[state])),
                       reason=reason or "", data={"from": before, "to": state})
    await session.flush()
    return lead


def clean_filters(params: Any) -> dict[str, Any]:
    """The list's filters from the query string; a bad value is a DomainError on its field."""
    errors = FieldErrors()
    found: dict[str, Any] = {}
    if params.get("state"):
        found["state"] = errors.clean(clean_choice, params.get("state"), "state", STATES)
    if params.get("source"):
        found["source"] = errors.clean(clean_choice, params.get("source"), "source", SOURCES)
    for key in ("ambassador", "campaign"):
        if params.get(key):
            found[key] = errors.clean(clean_uuid, params.get(key), key)
    for key in ("since", "until"):
        if params.get(key):
            found[key] = errors.clean(clean_date, params.get(key), key)
    errors.raise_if_any()
    return {k: v for k, v in found.items() if v is not None}


def leads_query(filters: dict[str, Any]) -> Select[Any]:
    query = select(Lead).order_by(Lead.created_at.desc(), Lead.id)
    if "state" in filters:
        query = query.where(Lead.state == filters["state"])
    if "source" in filters:
        query = query.where(Lead.source == filters["source"])
    if "ambassador" in filters:
        query = query.where(Lead.ambassador_id == filters["ambassador"])
    if "campaign" in filters:
        query = query.where(Lead.campaign_id == filters["campaign"])
    if "since" in filters:
        query = query.where(Lead.created_at >= day_start(filters["since"]))
    if "until" in filters:
        query = query.where(Lead.created_at < day_start(filters["until"] + timedelta(days=1)))
    return query


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)
