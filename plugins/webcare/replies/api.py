"""Replies in the JSON API: write a reply on a case (the same outward check and approval as the page), list a
case's replies, and decide on replies awaiting approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, get_or_404, page_number, paginate, principal_of
from plugins.webcare.models import Case, Reply
from plugins.webcare.replies import service


@dataclass
class ReplyOut:
    id: str
    case_id: str
    body: str
    channel: str
    connector: str
    status: str
    approval_reason: str
    approver_department_id: str | None
    external_url: str
    attempts: int
    last_error: str
    decision_note: str
    created_at: datetime | None
    sent_at: datetime | None
    remote_uri: str = ""
    """In the thread on the network ("atproto"): the reply's network address once it is out."""


@dataclass
class ReplyPage:
    items: list[ReplyOut]
    page: int
    pages: int
    total: int


def _out(reply: Reply) -> ReplyOut:
    return ReplyOut(id=str(reply.id), case_id=str(reply.case_id), body=reply.body, channel=reply.channel,
                    connector=reply.connector, status=reply.status, approval_reason=reply.approval_reason,
                    approver_department_id=str(reply.approver_department_id) if reply.approver_department_id
                    else None, external_url=reply.external_url, attempts=reply.attempts or 0,
                    last_error=reply.last_error, decision_note=reply.decision_note, remote_uri=reply.remote_uri or "",
                    created_at=reply.created_at, sent_at=reply.sent_at)


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    return data


@post("/cases/{case_id:uuid}/replies", opt={"action": "plugin.work"}, tags=["webcare"], status_code=201,
      summary="Write a reply on a case: tone of voice checked (422 with the problems on body), held for approval "
              "where the org model or a crisis requires it, else sent through its connector")
async def create_reply(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID,
                       data: dict[str, Any]) -> ReplyOut:
    """Body: body (required), channel, connector ("posted_elsewhere" with external_url, "webhook", or "atproto":
    in the thread of the case's post on the network, the default for a case from the network while an account is
    connected), canned_id, revision (the case revision you saw: 409 when it changed)."""
    done = await service.compose(db, principal_of(request), request.app.state.settings, case_id, _object(data),
                                 slug=slug)
    return _out(done.reply)


@get("/cases/{case_id:uuid}/replies", opt={"action": "plugin.read"}, tags=["webcare"],
     summary="A case's replies, newest first, with status")
async def list_replies(request: Request[Any, Any, Any], db: AsyncSession, case_id: UUID) -> ReplyPage:
    case = await get_or_404(db, Case, case_id)
    found = await paginate(db, service.replies_query(case.id), page_number(request.query_params.get("page")))
    return ReplyPage(items=[_out(r) for r in found.items], page=found.number, pages=found.pages, total=found.total)


@get("/approvals", opt={"action": "plugin.work"}, tags=["webcare"],
     summary="Replies awaiting approval that you may decide, oldest first")
async def list_approvals(request: Request[Any, Any, Any], db: AsyncSession) -> ReplyPage:
    found = await paginate(db, service.approvals_query(principal_of(request)),
                           page_number(request.query_params.get("page")), scalars=False)
    return ReplyPage(items=[_out(r) for r, _c in found.items], page=found.number, pages=found.pages,
                     total=found.total)


@post("/approvals/{reply_id:uuid}/approve", opt={"action": "plugin.work", "rule": service.DECIDE_RULE},
      tags=["webcare"], status_code=200,
      summary="Approve a reply (it is sent through its connector)")
async def approve_reply(request: Request[Any, Any, Any], db: AsyncSession, slug: str, reply_id: UUID,
                        data: dict[str, Any]) -> ReplyOut:
    """Body: note (optional)."""
    reply = await service.approve(db, principal_of(request), request.app.state.settings, reply_id,
                                  _object(data).get("note"), slug=slug)
    return _out(reply)


@post("/approvals/{reply_id:uuid}/reject", opt={"action": "plugin.work", "rule": service.DECIDE_RULE},
      tags=["webcare"], status_code=200,
      summary="Reject a reply with a note (it is not sent; the author is told)")
async def reject_reply(request: Request[Any, Any, Any], db: AsyncSession, slug: str, reply_id: UUID,
                       data: dict[str, Any]) -> ReplyOut:
    """Body: note (required)."""
    reply = await service.reject(db, principal_of(request), request.app.state.settings, reply_id,
                                 _object(data).get("note"), slug=slug)
    return _out(reply)


@post("/replies/{reply_id:uuid}/retry", opt={"action": "plugin.work", "takes_input": False}, tags=["webcare"],
      status_code=200,
      summary="Try a failed webhook delivery again (one more attempt is queued); a reply already sending or sent "
              "is returned unchanged; any other status: 409")
async def retry_reply(request: Request[Any, Any, Any], db: AsyncSession, reply_id: UUID) -> ReplyOut:
    reply, _queued = await service.retry(db, principal_of(request), reply_id)
    return _out(reply)


ROUTES = [create_reply, list_replies, list_approvals, approve_reply, reject_reply, retry_reply]
