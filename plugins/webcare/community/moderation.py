"""The organisation's side of the community: the moderation queue, badges and blocks, the moderation mode,
and turning an unanswered question into a webcare case."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    Customer,
    NotFound,
    Refused,
    clean_choice,
    clean_text,
    get_or_404,
    record_audit,
    utcnow,
)
from plugins.webcare.cases.service import Incoming, config, place
from plugins.webcare.models import MODERATION_MODES, Answer, Case, CommunityProfile, Question


def pending_questions() -> Select[Any]:
    return select(Question).where(Question.status == "pending").order_by(Question.created_at)


def pending_answers() -> Select[Any]:
    return select(Answer, Question.title).join(Question, Question.id == Answer.question_id) \
        .where(Answer.status == "pending").order_by(Answer.created_at)


def unanswered_questions() -> Select[Any]:
    """Published questions nobody answered yet, oldest first: the ones to pick up or turn into a case."""
    return select(Question).where(Question.status == "published", Question.answer_count == 0) \
        .order_by(Question.published_at, Question.id)


async def _target(session: AsyncSession, kind: str, target_id: UUID) -> Question | Answer:
    if kind == "question":
        return await get_or_404(session, Question, target_id)
    if kind == "answer":
        return await get_or_404(session, Answer, target_id)
    raise NotFound()


async def decide(session: AsyncSession, principal: Any, kind: str, target_id: UUID, values: dict[str, Any]) -> Any:
    """Approve or reject a pending post. Approving an answer counts it on its question."""
    decision = clean_choice(values.get("decision"), "decision", ("approve", "reject"))
    note = clean_text(values.get("note"), "note", required=False, max_length=500)
    target = await _target(session, kind, target_id)
    if target.status != "pending":
        raise Refused(field="__all__", msgid="This post was already moderated.")
    if isinstance(target, Answer) and target.user_id is not None \
            and target.user_id == getattr(principal, "user_id", None):
        raise Refused(field="__all__", msgid="A colleague approves your answer, not you.")
    if decision == "approve":
        target.status = "published"
        if isinstance(target, Question):
            target.published_at = utcnow()
        else:
            question = await get_or_404(session, Question, target.question_id)
            question.answer_count += 1
    else:
        target.status = "rejected"
    if isinstance(target, Question):
        target.moderation_note = note
    await record_audit(session, principal, f"webcare.community_{decision}d", subject=target,
                       summary=f"{kind} {target.id}", reason=note)
    await session.flush()
    return target


async def set_badges(session: AsyncSession, principal: Any, customer_id: UUID,
                     values: dict[str, Any]) -> CommunityProfile:
    """Ambassador badge (the community's own) and block (the customer's: signed out of every public page).
    Blocking rejects what the customer still has waiting for moderation."""
    profile = await get_or_404(session, CommunityProfile, customer_id)
    customer = profile.customer
    field = clean_choice(values.get("change"), "change", ("ambassador", "block"))
    on = clean_choice(values.get("on", ""), "on", ("1", "0")) == "1"
    if field == "ambassador":
        profile.is_ambassador = on
    else:
        customer.is_blocked = on
        if on:
            for model in (Question, Answer):
                await session.execute(update(model).where(model.customer_id == customer.id,
                                                          model.status == "pending").values(status="rejected"))
    await record_audit(session, principal, f"webcare.customer_{field}", subject=customer,
                       summary=f"{customer.display_name}: {'on' if on else 'off'}")
    await session.flush()
    return profile


async def set_mode(session: AsyncSession, principal: Any, values: dict[str, Any]) -> str:
    mode = clean_choice(values.get("community_moderation"), "community_moderation", MODERATION_MODES)
    cfg = await config(session)
    before, cfg.community_moderation = cfg.community_moderation, mode
    await record_audit(session, principal, "webcare.community_moderation", subject=cfg, summary=f"{before} → {mode}")
    await session.flush()
    return mode


async def to_case(session: AsyncSession, principal: Any, question_id: UUID, public_url: str) -> Case:
    """An unanswered published question becomes a case in the inbox (once: a second call returns it)."""
    question = await get_or_404(session, Question, question_id)
    if question.case_id is not None:
        case = await session.get(Case, question.case_id)
        if case is not None:
            return case
    if question.status != "published":
        raise Refused(field="__all__", msgid="Only a published question can become a case.")
    if question.accepted_answer_id is not None:
        raise Refused(field="__all__", msgid="This question already has an accepted answer.")
    customer = await session.get(Customer, question.customer_id) if question.customer_id else None
    item = Incoming(author_handle=customer.email if customer else f"community:{question.id}",
                    author_name=customer.display_name if customer else "", topic=f"community:{question.id}",
                    body=f"{question.title}\n\n{question.body}".strip(), subject=question.title, at=utcnow(),
                    channel="community", url=public_url)
    [placed] = await place(session, [item], user_id=getattr(principal, "user_id", None))
    question.case_id = placed.case_id
    await record_audit(session, principal, "webcare.case_created", summary=f"#{placed.number} community",
                       data={"channel": "community", "question_id": str(question.id)})
    await session.flush()
    case = await session.get(Case, placed.case_id)
    if case is None:
        raise NotFound()
    return case
