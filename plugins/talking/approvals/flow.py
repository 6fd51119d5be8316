"""A post through its approval chain: into review, each step decided by any one of its approvers, approved
(scheduled with a date, approved without one) or rejected back to draft with the reason; withdrawn when it
changes or goes back to draft; run out after the tenant's days. Every move is in the post's history
(`ApprovalEvent`) and the audit log; approvers hear when a step waits for them, the author hears the decision.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.plugins.api import (
    Msg,
    NotFound,
    PermissionDenied,
    Refused,
    clean_text,
    current_tenant,
    member_principal,
    notify_people,
    record_audit,
    utcnow,
)
from plugins.talking.approvals.chain import HUB_STEP, Requirement, approvers
from plugins.talking.approvals.config import DEFAULT_DAYS, read_settings
from plugins.talking.models import ApprovalEvent, Approver, Post
from plugins.talking.publishing.service import plan as plan_publishing

DECIDE_RULE = "only an approver of the post's current step, never the post's author"
MAX_REASON = 1000


# -- reading -----------------------------------------------------------------------------------------------------

async def post_for_decision(session: AsyncSession, post_id: Any) -> Post:
    post = await session.scalar(select(Post).where(Post.id == post_id).options(selectinload(Post.variants))
                                .with_for_update(of=Post))  # two approvers at once: the second sees the first's
    if post is None:
        raise NotFound()
    return post


def awaiting_query(user_id: UUID | None) -> Select[Any]:
    """Posts whose current step this person may decide, the soonest first."""
    return (select(Post).join(Approver, (Approver.post_id == Post.id) & (Approver.round == Post.approval_round)
                              & (Approver.step == Post.approval_step))
            .where(Post.state == "in_review", Approver.user_id == user_id)
            .order_by(Post.publish_at.is_(None), Post.publish_at, Post.id).options(selectinload(Post.variants)))


async def awaiting_count(session: AsyncSession, user_id: UUID | None) -> int:
    if user_id is None:
        return 0
    query = select(func.count()).select_from(Post).join(
        Approver, (Approver.post_id == Post.id) & (Approver.round == Post.approval_round)
        & (Approver.step == Post.approval_step)).where(Post.state == "in_review", Approver.user_id == user_id)
    return int(await session.scalar(query) or 0)


async def current_approvers(session: AsyncSession, post: Post) -> list[UUID]:
    if post.state != "in_review" or not post.approval_step:
        return []
    return list((await session.scalars(select(Approver.user_id).where(
        Approver.post_id == post.id, Approver.round == post.approval_round, Approver.step == post.approval_step)
    )).all())


async def history(session: AsyncSession, post_id: UUID) -> list[ApprovalEvent]:
    return list((await session.scalars(select(ApprovalEvent).where(ApprovalEvent.post_id == post_id)
                                       .order_by(ApprovalEvent.at, ApprovalEvent.created_at))).all())


def may_decide(principal: Any, post: Post, allowed: list[UUID]) -> bool:
    user_id = getattr(principal, "user_id", None)
    return post.state == "in_review" and user_id is not None and user_id != post.author_id and user_id in allowed


# -- moving ------------------------------------------------------------------------------------------------------

def record_event(session: AsyncSession, post: Post, kind: str, user_id: UUID | None = None, reason: str = "",
           **data: Any) -> None:
    session.add(ApprovalEvent(post_id=post.id, round=post.approval_round, step=post.approval_step, kind=kind,
                              user_id=user_id, reason=reason, data=data, at=utcnow()))


async def _href(session: AsyncSession, post: Post, path: str = "") -> str:
    tenant = await current_tenant(session)
    return f"/t/{tenant.slug}/p/talking/posts/{post.id}{path}" if tenant is not None else ""


async def _clear_asks(session: AsyncSession, post: Post) -> None:
    await session.execute(delete(Approver).where(Approver.post_id == post.id))


async def _start_step(session: AsyncSession, settings: Any, post: Post, step: int) -> None:
    """Step `step` of the post's chain asks its approvers (rows for "awaiting my approval", a notification)."""
    post.approval_step = step
    chain = post.approval_chain or [dict(HUB_STEP)]
    people = await approvers(session, chain[step - 1], post)
    for user_id in people:
        session.add(Approver(post_id=post.id, round=post.approval_round, step=step, user_id=user_id))
    await session.flush()
    if settings is not None and people:
        await notify_people(session, settings, list(people.values()), "talking.approval_requested",
                            Msg("A post awaits your approval: {title}", title=post.title),
                            Msg("Step {step} of {steps}.", step=step, steps=len(chain)),
                            href=await _href(session, post))


async def enter_review(session: AsyncSession, settings: Any, post: Post, req: Requirement) -> None:
    """A new round: the chain as it stands now, its first step asked."""
    await _clear_asks(session, post)
    post.state, post.approval_reason, post.approver_department_id = "in_review", req.reason, req.hub_id
    post.approval_round = (post.approval_round or 0) + 1
    post.approval_chain, post.approval_expires_at = req.steps, None
    post.approval_step = 1
    record_event(session, post, "requested", reasons=req.reasons, steps=len(req.steps))
    await _start_step(session, settings, post, 1)


async def invalidate(session: AsyncSession, principal: Any, post: Post, why: str) -> bool:
    """Whatever review is open and whatever approval was given no longer counts (the post changed, went back to
    draft, was cancelled or paused); recorded in its history. True when there was one."""
    open_review = post.state == "in_review" and post.approval_step > 0
    given = post.approval_expires_at is not None or post.state == "approved"
    if not post.approval_round or not (open_review or given):
        return False
    record_event(session, post, "withdrawn", getattr(principal, "user_id", None), why)
    await _clear_asks(session, post)
    post.approval_step, post.approval_expires_at = 0, None
    await record_audit(session, principal, "talking.approval_withdrawn", subject=post, summary=post.title,
                       reason=why, data={"round": post.approval_round, "was": post.state})
    return True


def _decidable(principal: Any, post: Post, allowed: list[UUID], revision: Any) -> None:
    if post.state != "in_review":
        raise Refused(field="__all__", msgid="This post does not wait for an approval; it is {state}.",
                      state=post.state)
    if str(revision or "").strip() and str(revision).strip() != str(post.revision):
        raise Refused(field="revision", msgid="Someone else changed this post meanwhile: reload it and try again.")
    if getattr(principal, "user_id", None) == post.author_id:
        raise Refused(field="__all__", msgid="You wrote this post: someone else approves it.")
    if not may_decide(principal, post, allowed):
        raise PermissionDenied("talking.approve")


async def approve(session: AsyncSession, principal: Any, settings: Any, post_id: Any, note: Any = "",
                  revision: Any = "") -> Post:
    """This step approved; the next step is asked, or after the last the post is scheduled (with a date) or
    approved (without), its approval running out after the tenant's days."""
    post = await post_for_decision(session, post_id)
    _decidable(principal, post, await current_approvers(session, post), revision)
    note_text = clean_text(note, "note", required=False, max_length=MAX_REASON) or ""
    user_id = getattr(principal, "user_id", None)
    step, steps = post.approval_step, len(post.approval_chain or [HUB_STEP])
    record_event(session, post, "approved", user_id, note_text)
    post.revision += 1
    if step < steps:
        await record_audit(session, principal, "talking.post_approved", subject=post, summary=post.title,
                           reason=note_text, data={"step": step, "steps": steps, "final": False})
        await _start_step(session, settings, post, step + 1)
        return post
    config = await read_settings(session)
    await _clear_asks(session, post)
    post.state = "scheduled" if post.publish_at is not None else "approved"
    post.state_reason, post.approval_step = "", 0
    post.approval_expires_at = utcnow() + timedelta(days=config.expiry_days if config else DEFAULT_DAYS)
    plan_publishing(session, post)  # at once: its moment may be within the sweeper's minute
    await record_audit(session, principal, "talking.post_approved", subject=post, summary=post.title,
                       reason=note_text, data={"step": step, "steps": steps, "final": True, "state": post.state,
                                               "expires_at": post.approval_expires_at.isoformat()})
    await _tell_author(session, settings, post, Msg("Your post was approved: {title}", title=post.title),
                       Msg("Its approval holds until {when}.", when=post.approval_expires_at))
    return post


async def reject(session: AsyncSession, principal: Any, settings: Any, post_id: Any, reason: Any,
                 revision: Any = "") -> Post:
    """Back to draft with the reason, shown on the post and sent to its author."""
    post = await post_for_decision(session, post_id)
    _decidable(principal, post, await current_approvers(session, post), revision)
    text = clean_text(reason, "reason", max_length=MAX_REASON) or ""
    record_event(session, post, "rejected", getattr(principal, "user_id", None), text)
    await _clear_asks(session, post)
    step = post.approval_step
    post.state, post.state_reason, post.approval_step, post.approval_expires_at = "draft", text, 0, None
    post.approval_reason, post.approver_department_id = "", None
    post.revision += 1
    await record_audit(session, principal, "talking.post_rejected", subject=post, summary=post.title, reason=text,
                       data={"step": step})
    await _tell_author(session, settings, post, Msg("Your post was sent back to draft: {title}", title=post.title),
                       Msg("Reason: {reason}", reason=text))
    return post


async def _tell_author(session: AsyncSession, settings: Any, post: Post, title: Msg, body: Msg | None) -> None:
    if settings is None or post.author_id is None:
        return
    author = await member_principal(session, post.author_id)
    if author is not None and author.user is not None:
        await notify_people(session, settings, [author.user], "talking.approval_decided", title, body,
                            href=await _href(session, post))


async def expire(session: AsyncSession, settings: Any, post: Post) -> None:
    """An approval ran out before the post went out: in review again (a new round), its author told."""
    record_event(session, post, "expired", reason="approval_expired",
           expired_at=post.approval_expires_at.isoformat() if post.approval_expires_at else None)
    post.state, post.state_reason = "in_review", "approval_expired"  # models.STATE_REASONS
    post.approval_round = (post.approval_round or 0) + 1
    post.approval_expires_at = None
    post.approval_chain = post.approval_chain or [dict(HUB_STEP)]
    post.revision += 1
    await _clear_asks(session, post)
    post.approval_step = 1
    record_event(session, post, "requested", reasons=["expired"], steps=len(post.approval_chain))
    await _start_step(session, settings, post, 1)
    await record_audit(session, "system", "talking.approval_expired", subject=post, summary=post.title,
                       data={"round": post.approval_round})
    await _tell_author(session, settings, post, Msg("The approval of your post ran out: {title}", title=post.title),
                       Msg("It waits for approval again before it goes out."))
