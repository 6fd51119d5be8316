"""The inbox in the JSON API: cases with the inbox's filters, one case with its timeline, and changes to a case
(status, priority, assignee) at the revision the caller saw (409 when someone changed it meanwhile)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, patch
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, PageInfo, page_number, paginate, principal_of, user_names
from plugins.webcare.inbox import service
from plugins.webcare.models import Case, CaseMessage


@dataclass
class CaseSummary:
    id: str
    number: int
    subject: str
    status: str
    priority: str
    priority_manual: bool
    channel: str
    author_handle: str
    author_name: str
    queue_id: str | None
    department_id: str | None
    assignee_id: str | None
    assignee: str | None
    opened_at: datetime
    last_message_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    revision: int
    href: str


@dataclass
class CaseList:
    items: list[CaseSummary]
    page: PageInfo


@dataclass
class TimelineEntry:
    id: str
    kind: str
    """inbound, reply, note or event."""
    at: datetime
    body: str
    author_handle: str
    user_id: str | None
    user: str | None
    url: str
    sentiment: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseDetail:
    case: CaseSummary
    timeline: list[TimelineEntry]
    timeline_page: PageInfo
    reopened_count: int = 0
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    first_response_at: datetime | None = None
    waiting_since: datetime | None = None
    paused_minutes: int = 0


def _id(value: UUID | None) -> str | None:
    return str(value) if value else None


def _summary(case: Case, names: dict[UUID, str], slug: str) -> CaseSummary:
    return CaseSummary(
        id=str(case.id), number=case.number, subject=case.subject, status=case.status, priority=case.priority,
        priority_manual=case.priority_manual, channel=case.channel, author_handle=case.author_handle,
        author_name=case.author_name, queue_id=_id(case.queue_id), department_id=_id(case.department_id),
        assignee_id=_id(case.assignee_id), assignee=names.get(case.assignee_id) if case.assignee_id else None,
        opened_at=case.opened_at, last_message_at=case.last_message_at,
        first_response_due=case.first_response_due, resolution_due=case.resolution_due,
        revision=case.revision, href=f"/t/{slug}/p/webcare/cases/{case.id}")


def _entry(m: CaseMessage, names: dict[UUID, str]) -> TimelineEntry:
    return TimelineEntry(id=str(m.id), kind=m.kind, at=m.at, body=m.body,
                         author_handle=m.author_handle, user_id=_id(m.user_id),
                         user=names.get(m.user_id) if m.user_id else None, url=m.url, sentiment=m.sentiment,
                         details=dict(m.details or {}))


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case: Case) -> CaseDetail:
    timeline = await paginate(db, service.timeline_query(case.id), page_number(request.query_params.get("page")),
                              per_page=service.TIMELINE_PER_PAGE)
    names = await user_names(db, service.people_in(case, timeline.items))
    return CaseDetail(case=_summary(case, names, slug), timeline=[_entry(m, names) for m in timeline.items],
                      timeline_page=PageInfo(**timeline.as_json()), reopened_count=case.reopened_count,
                      resolved_at=case.resolved_at, closed_at=case.closed_at,
                      first_response_at=case.first_response_at, waiting_since=case.waiting_since,
                      paused_minutes=case.paused_minutes)


@get("/cases", opt={"action": "plugin.read"}, tags=["webcare"],
     summary="Cases, newest activity first (50 per page); filters queue, status (open, all or one status), "
             "priority, assignee (me, nobody or a user id), department, channel, q, breaching")
async def list_cases(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> CaseList:
    params = request.query_params
    filters = service.clean_filters({k: params.get(k) for k in service.FILTER_KEYS},
                                    getattr(principal_of(request), "user_id", None))
    cases = await paginate(db, service.cases_query(filters), page_number(params.get("page")),
                           per_page=service.PER_PAGE, capped=True)
    names = await user_names(db, {c.assignee_id for c in cases.items})
    return CaseList(items=[_summary(c, names, slug) for c in cases.items], page=PageInfo(**cases.as_json()))


@get("/cases/{case_id:uuid}", opt={"action": "plugin.read"}, tags=["webcare"],
     summary="One case with its timeline (oldest first, 100 per page)")
async def get_case(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID) -> CaseDetail:
    return await _detail(request, db, slug, await service.get_case(db, case_id))


@patch("/cases/{case_id:uuid}", opt={"action": "plugin.work"}, tags=["webcare"],
       summary="Change a case's status, priority and/or assignee; send the revision you saw (409 when stale)")
async def patch_case(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID,
                     data: dict[str, Any]) -> CaseDetail:
    """Body: revision (required), status (new, open, waiting, resolved, closed; open on a resolved or closed case
    reopens it), priority (urgent, high, normal, low; fixes it by hand), assignee_id (a user id, "me", or null
    for nobody)."""
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    values = {k: data[k] for k in ("status", "priority", "assignee_id", "revision") if k in data}
    if "revision" not in values:
        raise DomainError(field="revision", msgid="This field is required.")
    case = await service.update_case(db, principal_of(request), case_id, values)
    return await _detail(request, db, slug, case)


ROUTES = [list_cases, get_case, patch_case]
