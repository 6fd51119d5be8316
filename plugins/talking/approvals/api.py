"""Approvals in the JSON API: the posts awaiting the caller's approval, approve, reject (with a reason), resume a
paused post."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import PageInfo, lang_of, page_number, paginate, principal_of
from plugins.talking.approvals import crisis, flow
from plugins.talking.content.api import TAGS, PostList, PostOut, json_object, post_out
from plugins.talking.content.service import get_post

WORK = {"action": "plugin.work"}



@get("/approvals", opt={"action": "plugin.work"}, tags=TAGS,
     summary="Posts whose current approval step the caller may decide, the soonest first, paginated")
async def awaiting(request: Request[Any, Any, Any], db: AsyncSession, slug: str, page: int | None = None) -> PostList:
    found = await paginate(db, flow.awaiting_query(principal_of(request).user_id), page_number(page))
    return PostList(items=[post_out(p, slug) for p in found.items], page=PageInfo(**found.as_json()))


@post("/posts/{post_id:uuid}/approve", opt={**WORK, "rule": flow.DECIDE_RULE}, tags=TAGS, status_code=200,
      summary="Approve the post's current step (optional note, revision): the next step is asked, or the post is "
              "scheduled (approved without a date); its author may not approve (409)")
async def approve(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                  data: dict[str, Any] | None = None, lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    body = json_object(data, required=False)
    await flow.approve(db, principal_of(request), request.app.state.settings, post_id, body.get("note"),
                       body.get("revision"))
    return post_out(await get_post(db, post_id), slug)


@post("/posts/{post_id:uuid}/reject", opt={**WORK, "rule": flow.DECIDE_RULE}, tags=TAGS, status_code=200,
      summary="Reject the post with a reason (required): back to draft, the reason shown to its author")
async def reject(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                 data: dict[str, Any] | None = None, lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    body = json_object(data, required=False)
    await flow.reject(db, principal_of(request), request.app.state.settings, post_id, body.get("reason"),
                      body.get("revision"))
    return post_out(await get_post(db, post_id), slug)


@post("/posts/{post_id:uuid}/resume", opt=WORK, tags=TAGS, status_code=200,
      summary="Resume a paused post: the policy check again (in crisis mode it asks for approval)")
async def resume(request: Request[Any, Any, Any], db: AsyncSession, slug: str, post_id: UUID,
                 lang: str | None = None) -> PostOut:
    lang_of(request, lang)
    await crisis.resume(db, principal_of(request), request.app.state.settings, post_id)
    return post_out(await get_post(db, post_id), slug)


ROUTES = [awaiting, approve, reject, resume]
