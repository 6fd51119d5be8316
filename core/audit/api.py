"""API: the audit log with the same filters and pagination as the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import get
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.routes import PER_PAGE, audit_query, clean_filters
from core.web.pagination import PageInfo, page_number, paginate


@dataclass
class AuditEntryOut:
    id: UUID
    created_at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    summary: str
    reason: str
    data: dict[str, Any]


@dataclass
class AuditPage:
    items: list[AuditEntryOut]
    pagination: PageInfo
    filters: dict[str, str]


@get("/t/{slug:str}/audit", opt={"action": "audit.read"}, tags=["audit"],
     summary="The audit log, newest first (filters: action prefix, actor, date_from, date_to, q)")
async def audit_log(db: AsyncSession, action: str | None = None, actor: str | None = None,
                    date_from: str | None = None, date_to: str | None = None, q: str | None = None,
                    page: str | None = None) -> AuditPage:
    filters = clean_filters(action, actor, date_from, date_to, q)
    listing = await paginate(db, audit_query(filters), page_number(page), per_page=PER_PAGE)
    return AuditPage(
        items=[AuditEntryOut(id=e.id, created_at=e.created_at, actor=e.actor_label, action=e.action,
                             subject_type=e.subject_type, subject_id=e.subject_id, summary=e.summary,
                             reason=e.reason, data=e.data or {}) for e in listing.items],
        pagination=PageInfo(**listing.as_json()), filters=filters.params())


ROUTES = [audit_log]
