"""Privacy hooks. A post is the organisation's own content; what is personal is whom a public response answered
(`source_author`, the item's address and the thread it replies in). Retention clears those on old posts; an
erasure request for an author clears them wherever they name that author. A member removed from the tenant
leaves the approval steps and the open asks for approval."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ErasureSubject, HookContext, normal_handle
from plugins.talking.models import ApprovalSettings, Approver, Post

CLEARED = {"source_author": "", "source_url": "", "reply_to_uri": ""}


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    """Both modes clear the same fields: the post itself stays (it is the organisation's)."""
    session: AsyncSession = ctx.session
    named = or_(Post.source_author != "", Post.source_url != "", Post.reply_to_uri != "")
    result = await session.execute(update(Post).where(Post.created_at < cutoff, named)
                                   .values(**CLEARED).execution_options(synchronize_session=False))
    return {"responses_cleared": int(result.rowcount or 0)}  # type: ignore[attr-defined]


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    if subject.kind == "user" and subject.user_id is not None:
        return await _erase_approver(ctx.session, subject.user_id)
    if subject.kind != "author" or not normal_handle(subject.handle):
        return {}
    session: AsyncSession = ctx.session
    handle = normal_handle(subject.handle)
    result = await session.execute(
        update(Post).where(func.lower(func.ltrim(func.trim(Post.source_author), "@")) == handle)
        .values(**CLEARED).execution_options(synchronize_session=False))
    return {"responses_cleared": int(result.rowcount or 0)}  # type: ignore[attr-defined]


async def _erase_approver(session: AsyncSession, user_id: UUID) -> dict[str, int]:
    """A member removed from the tenant no longer approves: out of the approval steps and the open asks. The
    decisions they took stay in the posts' histories (shared work)."""
    asks = await session.execute(delete(Approver).where(Approver.user_id == user_id)
                                 .execution_options(synchronize_session=False))
    changed = 0
    for config in (await session.scalars(select(ApprovalSettings))).all():
        steps = [{**step, "users": [u for u in step.get("users") or [] if u != str(user_id)]}
                 for step in config.steps or []]
        steps = [step for step in steps if step["users"] or step.get("departments") or step.get("hub")]
        if steps != config.steps:
            config.steps, changed = steps, changed + 1
    counts = {"approval_asks": int(asks.rowcount or 0), "approval_steps": changed}  # type: ignore[attr-defined]
    return {k: v for k, v in counts.items() if v}
