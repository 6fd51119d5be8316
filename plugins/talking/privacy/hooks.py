"""Privacy hooks. A post is the organisation's own content; what is personal is whom a public response answered
(`source_author`, the item's address and the thread it replies in). Retention clears those on old posts; an
erasure request for an author clears them wherever they name that author."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import ErasureSubject, HookContext, normal_handle
from plugins.talking.models import Post

CLEARED = {"source_author": "", "source_url": "", "reply_to_uri": ""}


async def retention(ctx: HookContext, cutoff: datetime, mode: str) -> dict[str, int]:
    """Both modes clear the same fields: the post itself stays (it is the organisation's)."""
    session: AsyncSession = ctx.session
    named = or_(Post.source_author != "", Post.source_url != "", Post.reply_to_uri != "")
    result = await session.execute(update(Post).where(Post.created_at < cutoff, named)
                                   .values(**CLEARED).execution_options(synchronize_session=False))
    return {"responses_cleared": int(result.rowcount or 0)}  # type: ignore[attr-defined]


async def erase_subject(ctx: HookContext, subject: ErasureSubject) -> dict[str, int]:
    if subject.kind != "author" or not normal_handle(subject.handle):
        return {}
    session: AsyncSession = ctx.session
    handle = normal_handle(subject.handle)
    result = await session.execute(
        update(Post).where(func.lower(func.ltrim(func.trim(Post.source_author), "@")) == handle)
        .values(**CLEARED).execution_options(synchronize_session=False))
    return {"responses_cleared": int(result.rowcount or 0)}  # type: ignore[attr-defined]
