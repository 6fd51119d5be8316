"""Escalations in the JSON API: hand a case to another department, hand it back, list the open ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, PageInfo, get_or_404, page_number, paginate, principal_of
from plugins.webcare.escalation import service
from plugins.webcare.models import Case, Escalation


@dataclass
class EscalationOut:
    id: str
    case_id: str
    case_number: int
    status: str
    """open or returned."""
    reason: str
    note: str
    from_department_id: str | None
    to_department_id: str
    created_at: datetime
    created_by_id: str | None
    return_note: str
    returned_at: datetime | None
    returned_by_id: str | None
    case_department_id: str | None
    """Where the case is now."""
    case_queue_id: str | None
    case_revision: int
    href: str


@dataclass
class EscalationList:
    items: list[EscalationOut]
    page: PageInfo


def _s(value: Any) -> str | None:
    return str(value) if value is not None else None


def _out(e: Escalation, case: Case | None, number: int, slug: str) -> EscalationOut:
    return EscalationOut(
        id=str(e.id), case_id=str(e.case_id), case_number=number, status=e.status, reason=e.reason, note=e.note,
        from_department_id=_s(e.from_department_id), to_department_id=str(e.to_department_id),
        created_at=e.created_at, created_by_id=_s(e.created_by_id),
        return_note=e.return_note, returned_at=e.returned_at, returned_by_id=_s(e.returned_by_id),
        case_department_id=_s(case.department_id) if case else None,
        case_queue_id=_s(case.queue_id) if case else None, case_revision=case.revision if case else 0,
        href=f"/t/{slug}/p/webcare/escalations/{e.id}")


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError(field="__all__", msgid="Send a JSON object.")
    return data


@post("/cases/{case_id:uuid}/escalations", opt={"action": "plugin.work"}, tags=["webcare"], status_code=201,
      summary="Hand a case to another department (reason, department_id, note; optional revision): one open "
              "escalation per case (409 otherwise)")
async def create_escalation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, case_id: UUID,
                            data: dict[str, Any]) -> EscalationOut:
    """Body: reason (press, product_idea, sales_lead, complaint, legal, other), department_id, note, and
    optionally the case revision you saw (a stale one gets 409). The case moves to that department and its
    first queue; its people are notified."""
    escalation = await service.escalate(db, principal_of(request), request.app.state.settings, case_id,
                                        _body(data))
    case = await get_or_404(db, Case, escalation.case_id)
    return _out(escalation, case, case.number, slug)


@post("/escalations/{escalation_id:uuid}/return", opt={"action": "plugin.work", "rule": service.RETURN_RULE},
      tags=["webcare"],
      status_code=200, summary="Hand an escalated case back to the department it came from, with a note")
async def return_escalation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, escalation_id: UUID,
                            data: dict[str, Any]) -> EscalationOut:
    """Body: note, optionally revision. Only the receiving department (or whoever configures webcare)."""
    escalation = await service.hand_back(db, principal_of(request), request.app.state.settings, escalation_id,
                                         _body(data))
    case = await get_or_404(db, Case, escalation.case_id)
    return _out(escalation, case, case.number, slug)


@get("/escalations", opt={"action": "plugin.read"}, tags=["webcare"],
     summary="Open escalations to your departments (all of them for whoever configures webcare, unless mine=1)")
async def list_escalations(request: Request[Any, Any, Any], db: AsyncSession, slug: str, page: int | None = None,
                           mine: bool = False) -> EscalationList:
    found = await paginate(db, service.escalations_query(principal_of(request), mine), page_number(page),
                           scalars=False)
    return EscalationList(items=[_out(row[0], None, row[1], slug) for row in found.items],
                          page=PageInfo(**found.as_json()))


ROUTES = [create_escalation, return_escalation, list_escalations]
