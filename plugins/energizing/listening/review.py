"""The review queue's decisions and the thresholds' form.

A person decides on every candidate before anyone is contacted (AVG): taking one up records the lawful basis, who
decided and when, and how the person will be contacted; only an e-mail address entered here sends anything (the
ambassador programme's invitation, which asks for consent). Dismissing records the reason. Both are audited.

Two people deciding on the same candidate at once: the decision claims the candidate with one update conditioned
on its state still being open, before anything is recorded or sent; the second finds it decided and is refused.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.plugins.api import (
    FieldErrors,
    Msg,
    Refused,
    clean_choice,
    clean_email,
    clean_text,
    get_or_404,
    record_audit,
    utcnow,
)
from plugins.energizing.ambassadors.service import invite
from plugins.energizing.listening.intake import recount, thresholds
from plugins.energizing.listening.models import BASES, CONTACTS, Candidate, Decision, Evidence, ListeningSettings

LIMITS = {"min_positive": (1, 100), "window_days": (7, 730), "min_reach": (0, 100_000_000)}


async def evidence_of(session: AsyncSession, candidate_id: UUID, limit: int = 50) -> list[Evidence]:
    return list((await session.scalars(select(Evidence).where(Evidence.candidate_id == candidate_id)
                                       .order_by(Evidence.published_at.desc()).limit(limit))).all())


async def decisions_of(session: AsyncSession, candidate_id: UUID) -> list[Decision]:
    return list((await session.scalars(select(Decision).where(Decision.candidate_id == candidate_id)
                                       .order_by(Decision.decided_at.desc()))).all())


async def _open(session: AsyncSession, candidate_id: UUID) -> Candidate:
    candidate = await get_or_404(session, Candidate, candidate_id)
    if candidate.state != "open":
        raise Refused(field="decision", msgid="This candidate is not waiting for a decision.")
    return candidate


async def _claim(session: AsyncSession, candidate: Candidate, state: str) -> None:
    """Move the candidate from open to `state` only if it is still open (in the database, not as read before)."""
    result = await session.execute(update(Candidate).where(Candidate.id == candidate.id, Candidate.state == "open")
                                   .values(state=state).execution_options(synchronize_session=False))
    if not result.rowcount:
        raise Refused(field="decision", msgid="This candidate is not waiting for a decision.")
    set_committed_value(candidate, "state", state)


async def take_up(session: AsyncSession, principal: Any, candidate_id: UUID, values: dict[str, Any], *,
                  link_base: str, tenant_name: str, lang: str) -> Decision:
    """Take a candidate up: basis and contact are required, an e-mail address when inviting by e-mail."""
    candidate = await _open(session, candidate_id)
    errors = FieldErrors()
    basis = errors.clean(clean_choice, values.get("basis"), "basis", BASES)
    contact = errors.clean(clean_choice, values.get("contact"), "contact", CONTACTS)
    email = ""
    if contact == "email":
        email = errors.clean(clean_email, values.get("email"), "email") or ""
    name = errors.clean(clean_text, values.get("name") or candidate.name or candidate.handle, "name",
                        max_length=120) or ""
    reason = errors.clean(clean_text, values.get("reason"), "reason", required=False, max_length=1000) or ""
    errors.raise_if_any()
    await _claim(session, candidate, "taken_up")
    ambassador = None
    if contact == "email":
        ambassador = await invite(session, email=email, name=name, source="listening", source_ref=str(candidate.id),
                                  invited_by_id=principal.user_id, lang=lang, link_base=link_base,
                                  tenant_name=tenant_name, handle=candidate.handle)
    decision = Decision(candidate_id=candidate.id, handle=candidate.handle, decision="taken_up", basis=basis or "",
                        contact=contact or "", email=email, reason=reason, decided_by_id=principal.user_id,
                        decided_at=utcnow(), ambassador_id=ambassador.id if ambassador is not None else None)
    session.add(decision)
    await record_audit(session, principal, "energizing.candidate_taken_up", subject=candidate,
                       summary=Msg("Promoter candidate taken up ({basis}; contact: {contact})",
                                   basis=Msg(BASES[basis or ""]), contact=Msg(CONTACTS[contact or ""])),
                       reason=reason, data={"basis": basis, "contact": contact,
                                            "ambassador_id": str(ambassador.id) if ambassador else None})
    await session.flush()
    return decision


async def dismiss(session: AsyncSession, principal: Any, candidate_id: UUID, values: dict[str, Any]) -> Decision:
    """Dismiss a candidate with a reason; they collect no further evidence and age out with retention."""
    candidate = await _open(session, candidate_id)
    reason = clean_text(values.get("reason"), "reason", max_length=1000)
    await _claim(session, candidate, "dismissed")
    decision = Decision(candidate_id=candidate.id, handle=candidate.handle, decision="dismissed", reason=reason,
                        decided_by_id=principal.user_id, decided_at=utcnow())
    session.add(decision)
    await record_audit(session, principal, "energizing.candidate_dismissed", subject=candidate,
                       summary=Msg("Promoter candidate dismissed"), reason=reason)
    await session.flush()
    return decision


def clean_settings(values: dict[str, Any]) -> dict[str, int]:
    errors = FieldErrors()
    found: dict[str, int] = {}
    for field, (low, high) in LIMITS.items():
        raw = str(values.get(field) or "").strip()
        try:
            number = int(raw)
        except ValueError:
            errors.add(field, "Fill in a whole number.")
            continue
        if not low <= number <= high:
            errors.add(field, "Use a number from {low} to {high}.", low=low, high=high)
            continue
        found[field] = number
    errors.raise_if_any()
    return found


async def save_settings(session: AsyncSession, principal: Any, values: dict[str, Any]) -> ListeningSettings:
    """Save the thresholds and apply them to every candidate still collecting (one update)."""
    cleaned = clean_settings(values)
    row = await session.scalar(select(ListeningSettings))
    if row is None:
        row = ListeningSettings(**cleaned)
        session.add(row)
    else:
        for key, value in cleaned.items():
            setattr(row, key, value)
    await session.flush()
    await recount(session, row, utcnow())
    await record_audit(session, principal, "energizing.listening_settings_changed",
                       summary=Msg("Promoter thresholds: {min_positive} positive mentions in {window_days} days, "
                                   "reach {min_reach}", **cleaned))
    return row


async def settings_form(session: AsyncSession) -> dict[str, str]:
    current = await thresholds(session)
    return {key: str(getattr(current, key)) for key in LIMITS}

