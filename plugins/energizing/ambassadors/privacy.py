"""Erasure and retention of the programme's personal data.

An erased ambassador is pseudonymised, not deleted: name, e-mail address, handle, notes and the link to a member
account go, and so do their mailed links and the free texts of their completions and redemptions; the rows of
what they did stay (without anything that names them), so missions completed, shares and points in past periods
do not change. Retention forgets people who never consented (invited or declined) after the cutoff, and removes
mailed links that were used or expired before it; sign-in attempts (an address digest and a client address) go
after a day whatever the cutoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ErasureSubject, normal_handle, utcnow
from plugins.energizing.ambassadors import tokens as link_tokens
from plugins.energizing.ambassadors.models import AmbassadorToken, Completion, Redemption, SigninAttempt
from plugins.energizing.models import Ambassador


def _count(result: Any) -> int:
    return int(result.rowcount or 0)


async def pseudonymise(session: AsyncSession, people: list[Ambassador]) -> dict[str, int]:
    ids = [p.id for p in people]
    if not ids:
        return {}
    tokens = await session.execute(delete(AmbassadorToken).where(AmbassadorToken.ambassador_id.in_(ids))
                                   .execution_options(synchronize_session=False))
    completions = await session.execute(update(Completion).where(Completion.ambassador_id.in_(ids)).values(
        feedback="", evidence_url="", reason="").execution_options(synchronize_session=False))
    redemptions = await session.execute(update(Redemption).where(Redemption.ambassador_id.in_(ids)).values(
        note="").execution_options(synchronize_session=False))
    for person in people:
        person.name, person.email, person.handle, person.notes = "—", f"erased-{person.id.hex}@erased.invalid", "", ""
        person.user_id, person.source_ref, person.on_leaderboard = None, "", False
        person.opted_out_at = person.opted_out_at or utcnow()
        person.state = "erased"
    await session.flush()
    counts = {"ambassadors_pseudonymised": len(people), "ambassador_links": _count(tokens),
              "mission_completions_cleared": _count(completions), "redemptions_cleared": _count(redemptions)}
    return {k: v for k, v in counts.items() if v}


async def erase_subject(session: AsyncSession, subject: ErasureSubject) -> dict[str, int]:
    """The person behind an e-mail address (or a handle, or a member account) in the programme, and the sign-in
    attempts naming that address."""
    found: dict[str, int] = {}
    if subject.kind == "user" and subject.user_id is not None:
        where = Ambassador.user_id == subject.user_id
    elif subject.kind == "author" and "@" in (subject.handle or "").strip(" @") and subject.platform in ("", "email"):
        where = Ambassador.email == subject.handle.strip().lower()
        attempts = await session.execute(delete(SigninAttempt).where(
            SigninAttempt.email_digest == link_tokens.digest(subject.handle.strip().lower()))
            .execution_options(synchronize_session=False))
        found = {"signin_attempts": _count(attempts)} if _count(attempts) else {}
    elif subject.kind == "author" and normal_handle(subject.handle):
        where = Ambassador.handle.in_([normal_handle(subject.handle), "@" + normal_handle(subject.handle)])
    else:
        return {}
    people = list((await session.scalars(select(Ambassador).where(where, Ambassador.state != "erased"))).all())
    return {**found, **await pseudonymise(session, people)}


async def retention(session: AsyncSession, cutoff: datetime, mode: str) -> dict[str, int]:
    """Idempotent: a second run with the same cutoff finds nothing left."""
    never = await session.execute(delete(Ambassador).where(Ambassador.state.in_(("invited", "declined")),
                                                           Ambassador.invited_at < cutoff)
                                  .execution_options(synchronize_session=False))
    links = await session.execute(delete(AmbassadorToken).where(
        AmbassadorToken.created_at < cutoff,
        or_(AmbassadorToken.used_at.is_not(None), AmbassadorToken.expires_at < utcnow()))
        .execution_options(synchronize_session=False))
    attempts = await session.execute(delete(SigninAttempt).where(
        SigninAttempt.created_at < utcnow() - timedelta(days=1)).execution_options(synchronize_session=False))
    counts = {"ambassadors_never_consented": _count(never), "ambassador_links": _count(links),
              "signin_attempts": _count(attempts)}
    if mode == "delete":
        gone = await session.execute(delete(Ambassador).where(Ambassador.state.in_(("opted_out", "erased")),
                                                              Ambassador.opted_out_at < cutoff)
                                     .execution_options(synchronize_session=False))
        counts["ambassadors_deleted"] = _count(gone)
    else:
        people = list((await session.scalars(select(Ambassador).where(Ambassador.state == "opted_out",
                                                                      Ambassador.opted_out_at < cutoff))).all())
        counts.update(await pseudonymise(session, people))
    return {k: v for k, v in counts.items() if v}
