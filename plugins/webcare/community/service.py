"""Questions, answers, votes and accepted answers in the public Q&A; spam signals and rate limits.

Which post waits for a moderator follows the tenant's moderation mode (`MODERATION_MODES`); a post with a
spam signal always waits. Counts shown on lists (`score`, `answer_count`) are kept on the rows, changed in
the same transaction as the vote or answer, so the list pages stay single-table reads.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    N_,
    SPAM_SIGNALS,
    Customer,
    CustomerRateLimited,
    FieldErrors,
    NotFound,
    PermissionDenied,
    Refused,
    bulk_insert,
    check_outward,
    clean_choice,
    clean_text,
    get_or_404,
    moderated_status,
    owning_department,
    published_tone_rules,
    recent_texts,
    spam_signals,
    utcnow,
)
from plugins.webcare.cases.service import config
from plugins.webcare.crisis.service import open_crisis
from plugins.webcare.models import Answer, CommunityProfile, Question, Vote
from plugins.webcare.replies.service import Problems, initials_of

QUESTIONS_PER_HOUR = 5
ANSWERS_PER_HOUR = 20
SHOUT_MIN_LETTERS = 20
"""Mostly capitals is shouting from this many letters in a field on."""
SPAM_REASONS = {**SPAM_SIGNALS,
                "approval": N_("a staff answer that needs a colleague's approval (org model or crisis)")}
"""Signal → msgid shown to moderators: the core's spam signals and a staff answer held for approval."""


async def _initial_status(session: AsyncSession, customer: Customer, reasons: list[str]) -> str:
    async def mode() -> str:
        return (await config(session)).community_moderation

    return await moderated_status(session, customer.id, reasons, mode, (Question, Answer))


async def _recent_texts(session: AsyncSession, customer_id: UUID) -> list[str]:
    return await recent_texts(session, customer_id, (Question.title, Question.body), (Answer.body,))


def _may_post(customer: Customer | None) -> Customer:
    if customer is None:
        raise PermissionDenied("webcare.community.post")
    if customer.is_blocked:
        raise Refused(field="__all__", msgid="Your account may not post in this community.")
    return customer


async def profile_of(session: AsyncSession, customer: Customer) -> CommunityProfile:
    """The customer's community profile, made on the first post or vote (posts and votes point at it). Made by
    an insert that keeps an existing row, so two first posts at once do not collide."""
    profile = await session.get(CommunityProfile, customer.id)
    if profile is None:
        await bulk_insert(session, CommunityProfile, [{"id": customer.id, "is_ambassador": False}], conflict=["id"])
        profile = await session.get(CommunityProfile, customer.id)
    assert profile is not None
    return profile


async def _check_rate(session: AsyncSession, model: Any, customer_id: UUID, limit: int) -> None:
    count = await session.scalar(select(func.count()).select_from(model).where(
        model.customer_id == customer_id, model.created_at >= utcnow() - timedelta(hours=1))) or 0
    if count >= limit:
        raise CustomerRateLimited(field="__all__", count=count,
                                  msgid="You posted {count} times in the last hour. Try again later.")


async def ask(session: AsyncSession, customer: Customer | None, values: dict[str, Any]) -> Question:
    customer = _may_post(customer)
    errors = FieldErrors()
    title = errors.clean(clean_text, values.get("title"), "title", max_length=200)
    body = errors.clean(clean_text, values.get("body"), "body", required=False, max_length=5000)
    if title is not None and len(title) < 10:
        errors.add("title", "Use at least 10 characters.")
    errors.raise_if_any()
    await _check_rate(session, Question, customer.id, QUESTIONS_PER_HOUR)
    rules = await published_tone_rules(session)
    reasons = spam_signals([title or "", body or ""], rules.get("forbidden_words", []),
                           await _recent_texts(session, customer.id), shout_min_letters=SHOUT_MIN_LETTERS)
    status = await _initial_status(session, customer, reasons)
    await profile_of(session, customer)
    question = Question(customer_id=customer.id, title=title, body=body or "", status=status, spam_reasons=reasons,
                        published_at=utcnow() if status == "published" else None)
    session.add(question)
    await session.flush()
    return question


async def visible_question(session: AsyncSession, question_id: UUID, customer: Customer | None,
                           staff: bool) -> Question:
    """A question the viewer may see: published ones; their own while pending; staff see every one."""
    question = await get_or_404(session, Question, question_id)
    if question.status == "published" or staff:
        return question
    if customer is not None and question.customer_id == customer.id and question.status == "pending":
        return question
    raise NotFound()


async def _staff_check(session: AsyncSession, staff: Any, body: str) -> str:
    """A staff answer is an outward message of the organisation: the policy's tone rules hold (422 with the
    reasons) and, where the org model or a crisis wants approval, it waits for a colleague. Returns the status."""
    user = getattr(staff, "user", None)
    check = await check_outward(session, body, channel="community",
                                department_id=await owning_department(session, "webcare"),
                                author_initials=initials_of(getattr(user, "name", "") or ""),
                                crisis=await open_crisis(session) is not None, author_id=getattr(user, "id", None))
    if check.problems:
        errors = FieldErrors()
        errors.errors["body"] = Problems([m for _f, m in check.problems]) if len(check.problems) > 1 \
            else check.problems[0][1]
        errors.raise_if_any()
    return "pending" if check.needs_approval else "published"


async def answer(session: AsyncSession, question: Question, values: dict[str, Any], *,
                 customer: Customer | None = None, staff: Any = None) -> Answer:
    """A customer's answer (moderated by the tenant's mode) or a staff answer (`staff`: the principal; checked
    against the policy, waiting for approval where the org model or a crisis requires it)."""
    if question.status != "published":
        raise Refused(field="__all__", msgid="This question is not open for answers.")
    body = clean_text(values.get("body"), "body", max_length=5000)
    if staff is not None:
        status = await _staff_check(session, staff, body)
        reply = Answer(question_id=question.id, user_id=staff.user_id, body=body, status=status,
                       spam_reasons=["approval"] if status == "pending" else [])
    else:
        customer = _may_post(customer)
        await _check_rate(session, Answer, customer.id, ANSWERS_PER_HOUR)
        rules = await published_tone_rules(session)
        reasons = spam_signals([body], rules.get("forbidden_words", []), await _recent_texts(session, customer.id),
                               shout_min_letters=SHOUT_MIN_LETTERS)
        await profile_of(session, customer)
        reply = Answer(question_id=question.id, customer_id=customer.id, body=body, spam_reasons=reasons,
                       status=await _initial_status(session, customer, reasons))
    session.add(reply)
    if reply.status == "published":
        question.answer_count += 1
    await session.flush()
    return reply


async def vote(session: AsyncSession, customer: Customer | None, kind: str, target_id: UUID,
               value_raw: Any) -> int:
    """+1 or -1 on a published question or answer; the same vote again takes it back. Returns the new score."""
    customer = _may_post(customer)
    value = int(clean_choice(value_raw, "value", ("1", "-1")))
    target: Question | Answer | None = await session.get(Question if kind == "question" else Answer, target_id)
    if target is None or target.status != "published":
        raise NotFound()
    if target.customer_id == customer.id:
        raise Refused(field="__all__", msgid="You cannot vote on your own post.")
    existing = await session.scalar(select(Vote).where(Vote.customer_id == customer.id, Vote.target_kind == kind,
                                                       Vote.target_id == target_id).with_for_update())
    if existing is None:
        await profile_of(session, customer)
        session.add(Vote(customer_id=customer.id, target_kind=kind, target_id=target_id, value=value))
        target.score += value
    elif existing.value == value:
        await session.delete(existing)
        target.score -= value
    else:
        existing.value = value
        target.score += 2 * value
    await session.flush()
    return target.score


async def accept(session: AsyncSession, question: Question, answer_id: UUID, *, customer: Customer | None,
                 staff: bool) -> Answer:
    """The asker (or staff) marks the answer that solved it; accepting another one moves the mark."""
    if not staff and (customer is None or customer.id != question.customer_id):
        raise PermissionDenied("webcare.community.accept")
    reply = await session.get(Answer, answer_id)
    if reply is None or reply.question_id != question.id or reply.status != "published":
        raise NotFound()
    if question.accepted_answer_id and question.accepted_answer_id != reply.id:
        previous = await session.get(Answer, question.accepted_answer_id)
        if previous is not None:
            previous.is_accepted = False
    reply.is_accepted = True
    question.accepted_answer_id = reply.id
    await session.flush()
    return reply


def questions_query(search: str = "", state: str = "") -> Select[Any]:
    """Published questions, newest first; `state`: "unanswered" or "solved" narrows them."""
    query = select(Question).where(Question.status == "published")
    if search:
        like = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Question.title).like(like, escape="\\"),
                                func.lower(Question.body).like(like, escape="\\")))
    if state == "unanswered":
        query = query.where(Question.answer_count == 0)
    elif state == "solved":
        query = query.where(Question.accepted_answer_id.is_not(None))
    return query.order_by(Question.published_at.desc(), Question.id)


def clean_filters(params: Any) -> tuple[str, str]:
    errors = FieldErrors()
    search = errors.clean(clean_text, params.get("q"), "q", required=False, max_length=100) or ""
    state = params.get("state") or ""
    if state and state not in ("unanswered", "solved"):
        errors.add("state", "Choose one of: {choices}.", choices="unanswered, solved")
    errors.raise_if_any()
    return search, state


async def answers_of(session: AsyncSession, question: Question, customer: Customer | None,
                     staff: bool) -> list[Answer]:
    """Published answers (accepted first, then by score), plus the viewer's own pending ones; staff see all
    but rejected ones."""
    shown = Answer.status == "published"
    if staff:
        shown = Answer.status != "rejected"
    elif customer is not None:
        shown = or_(shown, and_(Answer.customer_id == customer.id, Answer.status == "pending"))
    rows = await session.scalars(select(Answer).where(Answer.question_id == question.id, shown)
                                 .order_by(Answer.is_accepted.desc(), Answer.score.desc(), Answer.created_at))
    return list(rows)


async def authors(session: AsyncSession, ids: set[UUID | None]) -> dict[UUID, CommunityProfile]:
    """The posts' authors with their customer (name, address, blocked) in one query."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    rows = await session.scalars(select(CommunityProfile).where(CommunityProfile.id.in_(wanted)))
    return {p.id: p for p in rows.unique()}


async def my_votes(session: AsyncSession, customer: Customer | None, ids: list[UUID]) -> dict[UUID, int]:
    if customer is None or not ids:
        return {}
    rows = await session.execute(select(Vote.target_id, Vote.value).where(Vote.customer_id == customer.id,
                                                                           Vote.target_id.in_(ids)))
    return {target: value for target, value in rows.all()}
