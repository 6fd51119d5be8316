"""What listening holds of people, and how it goes (AVG/GDPR).

Retention, in either retention mode, forgets a candidate (deletes them and their evidence) when
- they were not taken up (watching, open or dismissed) and their last evidence is older than the cutoff;
- they were taken up but the ambassador programme does not hold them: nobody was invited (a public reply or a
  direct message by hand), or the invitation is gone, and their last evidence is older than the cutoff;
- they were taken up and the ambassador they became declined, opted out or was erased: at once, whatever the age.
A candidate whose ambassador is invited or active stays: the programme holds the person now, with their consent.
Forgetting keeps the decision records with only what the AVG asks to keep (the decision, the lawful basis, when and
by whom): the handle becomes a pseudonym, the e-mail address and the reason are blanked.

Erasure of an author: by handle (any platform, or a named one; a platform is not the kind of source a candidate
is known by, so every candidate with the handle goes, the safe side) their candidates are forgotten as above,
whatever the state. By e-mail address (platform "email", or no platform and a handle that is an address) the
candidates decided on with that address are forgotten and the address is blanked in every decision. Every
erasure also forgets the candidates whose ambassador the request just erased (the ambassadors' hooks run first).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ErasureSubject, HookContext, normal_handle
from plugins.energizing.listening.models import PSEUDONYM, Candidate, Decision, Evidence
from plugins.energizing.models import Ambassador

NOT_TAKEN_UP = ("watching", "open", "dismissed")
HELD = ("invited", "active")
"""Ambassador states in which the programme holds the person (and so the candidate they were)."""
LEFT = ("declined", "opted_out", "erased")
"""Ambassador states after which nothing is kept of the candidate they were."""


def pseudonym(tenant_id: UUID, handle_key: str) -> str:
    """The same author always gets the same pseudonym within a tenant (decisions can still be counted per person)."""
    return PSEUDONYM + hashlib.sha256(f"{tenant_id}:{handle_key}".encode()).hexdigest()[:16]


async def _forget(session: AsyncSession, tenant_id: UUID, rows: list[tuple[UUID, str]]) -> dict[str, int]:
    if not rows:
        return {"candidates_deleted": 0, "evidence_deleted": 0, "decisions_pseudonymised": 0}
    ids = [cid for cid, _key in rows]
    keys = dict(rows)
    decisions = (await session.scalars(select(Decision).where(Decision.candidate_id.in_(ids)))).all()
    for decision in decisions:  # few: most forgotten candidates were never decided on
        decision.handle = pseudonym(tenant_id, keys[decision.candidate_id])
        decision.email = decision.reason = ""
        decision.candidate_id = None
    await session.flush()
    counts = {"decisions_pseudonymised": len(decisions)}
    result = await session.execute(delete(Evidence).where(Evidence.candidate_id.in_(ids))
                                   .execution_options(synchronize_session=False))
    counts["evidence_deleted"] = result.rowcount or 0
    result = await session.execute(delete(Candidate).where(Candidate.id.in_(ids))
                                   .execution_options(synchronize_session=False))
    counts["candidates_deleted"] = result.rowcount or 0
    return counts


def _ambassador_in(states: tuple[str, ...]) -> object:
    """The candidate has a decision whose ambassador is in one of `states`."""
    return select(Decision.id).join(Ambassador, Ambassador.id == Decision.ambassador_id).where(
        Decision.candidate_id == Candidate.id, Ambassador.state.in_(states)).exists()


async def _rows(session: AsyncSession, *where: object) -> list[tuple[UUID, str]]:
    return [(cid, key) for cid, key in (await session.execute(
        select(Candidate.id, Candidate.handle_key).where(*where))).all()]  # type: ignore[arg-type]


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    quiet = Candidate.last_seen_at < cutoff
    rows = await _rows(ctx.session, or_(
        and_(Candidate.state.in_(NOT_TAKEN_UP), quiet),
        and_(Candidate.state == "taken_up", quiet, ~_ambassador_in(HELD)),  # type: ignore[operator]
        and_(Candidate.state == "taken_up", _ambassador_in(LEFT))))  # type: ignore[arg-type]
    return await _forget(ctx.session, ctx.tenant_id, rows)


def _address(subject: ErasureSubject) -> str:
    """The e-mail address the request names, or ""."""
    handle = subject.handle.strip().lower()
    if subject.platform == "email" or (not subject.platform and "@" in handle.lstrip("@")):
        return handle
    return ""


def _merge(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    for key, value in more.items():
        total[key] = total.get(key, 0) + value
    return total


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    counts: dict[str, int] = {}
    session = ctx.session
    if subject.kind == "author":
        address = _address(subject)
        if address:
            _merge(counts, await _forget(session, ctx.tenant_id, await _rows(
                session, Candidate.id.in_(select(Decision.candidate_id).where(Decision.email == address)))))
            result = await session.execute(update(Decision).where(Decision.email == address).values(email="")
                                           .execution_options(synchronize_session=False))
            counts["decision_addresses_blanked"] = result.rowcount or 0
        key = normal_handle(subject.handle)
        if key and subject.platform != "email":
            _merge(counts, await _forget(session, ctx.tenant_id, await _rows(session, Candidate.handle_key == key)))
    _merge(counts, await _forget(session, ctx.tenant_id, await _rows(
        session, Candidate.state == "taken_up", _ambassador_in(("erased",)))))
    return {k: v for k, v in counts.items() if v}
