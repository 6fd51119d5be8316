"""Crisis mode and the posts waiting to go out.

The webcare plugin announces `crisis.started` and `crisis.ended` (talking hears them through `regie_events`,
never by importing webcare). On `crisis.started` every scheduled post of the tenant, and every post in review or
approved that has a date, is paused (`state_reason="crisis"`): whatever review or approval it had no longer
counts. `crisis.ended` only records that crisis mode is off: nothing resumes by itself. Resuming is deliberate,
per post or all at once (the regie holder or a hub member): the post passes the policy check again, which asks
for an approval as long as crisis mode is on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    DomainEvent,
    HookContext,
    Msg,
    PermissionDenied,
    Refused,
    as_utc,
    member_principal,
    notify_people,
    record_audit,
    utcnow,
)
from plugins.talking.approvals import flow
from plugins.talking.approvals.chain import requirement
from plugins.talking.approvals.config import crisis_is_on, read_settings, settings_of
from plugins.talking.content.check import policy_check
from plugins.talking.models import Post
from plugins.talking.publishing.service import plan as plan_publishing

RESUME_ALL_ROLES = frozenset({"regie", "hub"})
RESUME_ALL_RULE = "only the regie holder or a member of a hub"
CONFIRMED = ("1", "on", "true", "yes")


def _moment(value: Any) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return utcnow()


async def on_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    for event in events:
        if event.name == "crisis.started":
            await crisis_started(ctx.session, ctx.settings, _moment(event.payload.get("started_at")))
        elif event.name == "crisis.ended":
            await crisis_ended(ctx.session)


def _pausable() -> Any:
    return or_(Post.state == "scheduled",
               and_(Post.state.in_(("in_review", "approved")), Post.publish_at.is_not(None)))


async def crisis_started(session: AsyncSession, settings: Any, since: datetime) -> int:
    """Crisis mode on; every post that would go out is paused. Returns how many. A second announcement pauses
    nothing more (the posts are paused already)."""
    config = await settings_of(session)
    config.crisis_since = config.crisis_since or since
    posts = list((await session.scalars(select(Post).where(_pausable()).order_by(Post.publish_at, Post.id))).all())
    authors: dict[Any, list[str]] = {}
    for post in posts:
        await flow.invalidate(session, "system", post, "crisis")
        flow.record_event(session, post, "paused", reason="crisis", was=post.state)
        post.state, post.state_reason = "paused", "crisis"  # models.STATE_REASONS
        post.approval_reason, post.approver_department_id = "", None
        post.revision += 1
        if post.author_id is not None:
            authors.setdefault(post.author_id, []).append(post.title)
    await session.flush()
    if posts:
        await record_audit(session, "system", "talking.posts_paused", summary=str(len(posts)), reason="crisis",
                           data={"posts": len(posts)})
    for author_id, titles in authors.items():  # in the app only: events carry no settings for mail
        author = await member_principal(session, author_id)
        if author is not None and author.user is not None:
            await notify_people(session, settings, [author.user], "talking.post_paused",
                                Msg("Crisis mode is on: your posts are paused"),
                                Msg("Paused: {titles}. Resume them deliberately once the crisis is over.",
                                    titles=", ".join(titles)), email=False)
    return len(posts)


async def crisis_ended(session: AsyncSession) -> None:
    """Crisis mode off: paused posts stay paused until someone resumes them."""
    config = await settings_of(session)
    config.crisis_since = None


async def resume(session: AsyncSession, principal: Any, settings: Any, post_id: Any) -> Post:
    """A paused post through the policy check again: in review (crisis mode asks for approval, so may the org
    model and the rules) or scheduled. Refused with the check's reasons, still paused."""
    post = await flow.post_for_decision(session, post_id)
    if post.state != "paused":
        raise Refused(field="__all__", msgid="Only a paused post can be resumed; this post is {state}.",
                      state=post.state)
    config = await read_settings(session)
    crisis = crisis_is_on(config)
    check = await policy_check(session, principal, post, crisis=crisis)
    author_id = post.author_id or getattr(principal, "user_id", None)
    req = await requirement(session, post, check, config, author_id)
    flow.record_event(session, post, "resumed", getattr(principal, "user_id", None), crisis=crisis)
    if req.needs:
        await flow.enter_review(session, settings, post, req)
    else:
        post.state, post.approval_reason, post.approver_department_id = "scheduled", "", None
        plan_publishing(session, post)
    post.state_reason = ""
    post.revision += 1
    await record_audit(session, principal, "talking.post_resumed", subject=post, summary=post.title,
                       data={"state": post.state, "approval_reasons": req.reasons})
    return post


def may_resume_all(principal: Any) -> bool:
    return bool(set(getattr(principal, "roles", None) or ()) & RESUME_ALL_ROLES)


async def resume_all(session: AsyncSession, principal: Any, settings: Any, confirm: Any) -> tuple[int, int]:
    """Every paused post resumed, each as `resume` does; a post the check refuses stays paused. Returns
    (resumed, still paused)."""
    if not may_resume_all(principal):
        raise PermissionDenied("talking.resume_all")
    if str(confirm or "").strip().lower() not in CONFIRMED:
        raise DomainError(field="confirm", msgid="Confirm that every paused post is to be resumed.")
    ids = list((await session.scalars(select(Post.id).where(Post.state == "paused")
                                      .order_by(Post.publish_at, Post.id))).all())
    resumed = 0
    for post_id in ids:
        try:
            async with session.begin_nested():
                await resume(session, principal, settings, post_id)
            resumed += 1
        except DomainError:
            continue
    await record_audit(session, principal, "talking.posts_resumed", summary=f"{resumed}/{len(ids)}",
                       data={"resumed": resumed, "still_paused": len(ids) - resumed})
    return resumed, len(ids) - resumed
