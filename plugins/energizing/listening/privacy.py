"""What listening holds of people, and how it goes (AVG/GDPR).

Retention: a candidate not taken up (watching, open or dismissed) whose last evidence is older than the cutoff is
forgotten, in either retention mode: the candidate and their evidence are deleted. Their decision records stay with
only what the AVG asks to keep (the decision, the lawful basis, when and by whom): the handle becomes a pseudonym,
the e-mail address and the reason are blanked. A candidate taken up stays: the ambassador programme holds the person
now, with their consent.

Erasure of an author (by handle): their candidate and evidence are deleted whatever the state, and their decisions
pseudonymised as above. Erasure of an e-mail address blanks it in the decisions.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ErasureSubject, HookContext, normal_handle
from plugins.energizing.listening.models import PSEUDONYM, Candidate, Decision, Evidence

NOT_TAKEN_UP = ("watching", "open", "dismissed")


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


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    rows = [(cid, key) for cid, key in (await ctx.session.execute(
        select(Candidate.id, Candidate.handle_key).where(Candidate.state.in_(NOT_TAKEN_UP),
                                                         Candidate.last_seen_at < cutoff))).all()]
    return await _forget(ctx.session, ctx.tenant_id, rows)


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    if subject.kind != "author":
        return {}
    if subject.platform == "email":
        address = subject.handle.strip().lower()
        result = await ctx.session.execute(update(Decision).where(Decision.email == address).values(email="")
                                           .execution_options(synchronize_session=False))
        return {"decision_addresses_blanked": result.rowcount or 0}
    key = normal_handle(subject.handle)
    if not key:
        return {}
    rows: list[Any] = list((await ctx.session.execute(
        select(Candidate.id, Candidate.handle_key).where(Candidate.handle_key == key))).all())
    return await _forget(ctx.session, ctx.tenant_id, [(cid, k) for cid, k in rows])
