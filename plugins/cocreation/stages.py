"""Moving an idea to another stage: the one way every slice does it (triage pages, the API, the vote threshold).

A move is public: its reason shows on the board next to the idea, so a person's reason passes the core's policy
check first; the loop then tells everyone connected to the idea (`loop.tell.stage_changed`)."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from core.plugins.api import DomainError, FieldErrors, Msg, Refused, check_outward, record_audit, utcnow
from plugins.cocreation.models import OPEN_STATUSES, Idea, Stage, StageChange

REASON_MIN = 3
REASON_MAX = 2000
THRESHOLD_ACTOR = Msg("the vote threshold")
"""Who moved an idea when nobody did (the audit log's actor)."""


class _Person:
    """An actor for the audit log made of a user id alone (callers that only know who, not their principal)."""

    def __init__(self, user_id: UUID, email: str) -> None:
        self.user = type("User", (), {"id": user_id, "email": email})()


async def check_reason(session: AsyncSession, reason: Any, *, by_person: bool = True) -> str:
    """A stage change's public reason, cleaned: 3–2000 characters from a person, through the policy's tone rules
    (the reason is the organisation's word on the board; not a signed message, so no sign-off)."""
    text = str(reason or "").strip()
    if not by_person:
        return text[:REASON_MAX]
    if len(text) < REASON_MIN:
        raise DomainError(field="reason", msgid="Give a public reason of at least {min} characters.", min=REASON_MIN)
    if len(text) > REASON_MAX:
        raise DomainError(field="reason", msgid="Use at most {max} characters.", max=REASON_MAX)
    check = await check_outward(session, text, with_signoff=False)
    if not check.ok:
        raise DomainError({"reason": check.problems[0][1]})
    return text


async def change_stage(session: AsyncSession, idea: Idea, to_key: str, reason: str, *, user_id: UUID | None,
                       lang: str, principal: Any = None, pm: Any = None) -> StageChange:
    """Move `idea` to the stage `to_key` with a public reason and tell the loop.

    `user_id` None: the vote threshold moved it (no reason rules, no policy check, not a first response).
    `principal`: who acts, for the audit log (else made from `user_id`); `pm`: the plugin host, when the caller
    has it, so `idea.stage_changed` is announced at once (else by the loop's job). Raises DomainError on `stage` or
    `reason`, Refused for an idea folded into another or rejected."""
    if idea.status in ("merged", "rejected"):
        raise Refused(field="stage", msgid="A merged or rejected idea does not move through the stages.")
    errors = FieldErrors()
    stage = await session.scalar(select(Stage).where(Stage.key == str(to_key or "").strip()))
    if stage is None or not stage.is_active:
        errors.add("stage", "Choose an active stage.")
    elif stage.key == idea.stage_key:
        errors.add("stage", "The idea is already in this stage.")
    text = await errors.aclean(check_reason, session, reason, by_person=user_id is not None)
    errors.raise_if_any()
    assert stage is not None and text is not None
    now = utcnow()
    from_key = idea.stage_key
    await _move(session, idea, from_key, stage.key, now, answered=user_id is not None)
    change = StageChange(idea_id=idea.id, from_key=from_key, to_key=stage.key, to_meaning=stage.meaning,
                         reason=text, user_id=user_id)
    session.add(change)
    await session.flush()
    actor = principal if principal is not None else (_Person(user_id, str(user_id)) if user_id else THRESHOLD_ACTOR)
    await record_audit(session, actor, "cocreation.stage_changed", subject=idea, reason=text,
                       summary=Msg("Idea #{number} moved to {stage}", number=idea.number, stage=stage.key),
                       data={"number": idea.number, "from": change.from_key, "to": stage.key,
                             "meaning": stage.meaning, "lang": lang})
    await _tell(session, idea, change, pm)
    return change


async def _move(session: AsyncSession, idea: Idea, from_key: str, to_key: str, now: datetime, *,
                answered: bool) -> None:
    """Move the idea only if it is still where this person saw it: two people deciding at once (or a double
    submit, or a vote reaching the threshold meanwhile) move it once, and its people are told once. The other
    gets 409 and looks again."""
    values: dict[str, Any] = {"stage_key": to_key, "stage_changed_at": now}
    if answered:  # a person's decision is the idea's first response, if nobody answered before
        values["first_response_at"] = func.coalesce(Idea.first_response_at, now)
    moved = (await session.execute(
        update(Idea).where(Idea.id == idea.id, Idea.stage_key == from_key, Idea.status.in_(OPEN_STATUSES))
        .values(**values).returning(Idea.first_response_at).execution_options(synchronize_session=False))).first()
    if moved is None:
        raise Refused(field="stage", msgid="Someone changed this idea meanwhile: look again and decide.")
    for name, value in (("stage_key", to_key), ("stage_changed_at", now), ("first_response_at", moved[0])):
        set_committed_value(idea, name, value)


async def _tell(session: AsyncSession, idea: Idea, change: StageChange, pm: Any) -> None:
    """The loop's `stage_changed` (fires idea.stage_changed and schedules the telling)."""
    qualified = "plugins.cocreation.loop.tell"
    try:
        tell = import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name != qualified:
            raise
        return
    await tell.stage_changed(session, idea, change, pm=pm)
