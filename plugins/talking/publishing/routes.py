"""Publishing's forms on a post's page: try a failed post again, delete a published variant from its network
(confirmed with a tick), record where a variant that waited to be posted by hand went out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import Form, principal_of
from plugins.talking.content.routes import EDIT_RULE, WORK, move
from plugins.talking.publishing import actions


@post("/posts/{post_id:uuid}/retry", opt={**WORK, "rule": EDIT_RULE})
async def retry(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, data: Form) -> Any:
    return await move(request, db, slug, post_id, lambda: actions.retry(db, principal_of(request), post_id))


@post("/posts/{post_id:uuid}/variants/{variant_id:uuid}/remove", opt={**WORK, "rule": EDIT_RULE})
async def remove(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID, variant_id: UUID,
                 data: Form) -> Any:
    return await move(request, db, slug, post_id, lambda: actions.remove(
        db, request.app.state.settings, principal_of(request), post_id, variant_id, data.get("confirm")))


@post("/posts/{post_id:uuid}/variants/{variant_id:uuid}/posted", opt={**WORK, "rule": EDIT_RULE})
async def record_by_hand(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                         variant_id: UUID, data: Form) -> Any:
    return await move(request, db, slug, post_id, lambda: actions.record_by_hand(
        db, principal_of(request), post_id, variant_id, data.get("url"), data.get("published_at")))


ROUTES = [retry, remove, record_by_hand]
