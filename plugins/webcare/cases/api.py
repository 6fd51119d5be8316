"""Cases in the JSON API: open one by hand or from a direct message (it joins the author's open case on the
same topic, like intake does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Request, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, principal_of
from plugins.webcare.cases import service
from plugins.webcare.cases.nps_routes import API_ROUTES as NPS_API_ROUTES
from plugins.webcare.models import Case


@dataclass
class CaseOut:
    id: str
    number: int
    joined: bool
    """True: the message joined the author's open case on the same topic."""
    status: str
    priority: str
    channel: str
    author_handle: str
    topic: str
    queue_id: str | None
    department_id: str | None
    assignee_id: str | None
    opened_at: datetime
    last_message_at: datetime
    href: str


def _out(case: Case, joined: bool, slug: str) -> CaseOut:
    return CaseOut(id=str(case.id), number=case.number, joined=joined, status=case.status, priority=case.priority,
                   channel=case.channel, author_handle=case.author_handle, topic=case.topic,
                   queue_id=str(case.queue_id) if case.queue_id else None,
                   department_id=str(case.department_id) if case.department_id else None,
                   assignee_id=str(case.assignee_id) if case.assignee_id else None,
                   opened_at=case.opened_at,
                   last_message_at=case.last_message_at,
                   href=f"/t/{slug}/p/webcare/cases/{case.id}")


@post("/cases", opt={"action": "plugin.work"}, tags=["webcare"], status_code=201,
      summary="Open a case by hand or from a direct message (channel manual, dm or mention); joins the "
              "author's open case on the same topic")
async def create_case(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: dict[str, Any]) -> CaseOut:
    """Body: author_handle and text (required), channel, sentiment, url, topic, subject, author_name,
    author_reach, mention_id, queue_id, priority."""
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    case, joined = await service.case_from_mention(db, principal_of(request), data, request.app.state.pm)
    return _out(case, joined, slug)


ROUTES = [create_case, *NPS_API_ROUTES]
