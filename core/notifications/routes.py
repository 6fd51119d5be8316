"""Pages: my notifications (newest first, paginated), mark read; a job's progress bar as an htmx fragment."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.lookup import get_or_404
from core.jobs.models import JobProgress
from core.notifications import service
from core.web.forms import principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import page


@get("/t/{slug:str}/notifications/", opt={"action": "tenant.read"})
async def inbox(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    principal = principal_of(request)
    items = await paginate(db, service.inbox_query(principal.user_id), page_number(request.query_params.get("page")),
                           base_path=f"/t/{slug}/notifications/")
    return page(request, "notifications/inbox.html", page_=items)


@post("/t/{slug:str}/notifications/{notification_id:uuid}/read", opt={"action": "tenant.read"})
async def read_one(request: Request[Any, Any, Any], db: AsyncSession, slug: str, notification_id: UUID) -> Redirect:
    from core.notifications.models import Notification

    note = await get_or_404(db, Notification, notification_id)
    principal = principal_of(request)
    await service.mark_read(db, principal.user_id, note.id)
    target = note.href if note.href.startswith(f"/t/{tenant_of(request).slug}/") and note.user_id == \
        principal.user_id else f"/t/{slug}/notifications/"
    return Redirect(target, status_code=303)


@post("/t/{slug:str}/notifications/read", opt={"action": "tenant.read", "takes_input": False})
async def read_all(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Redirect:
    await service.mark_read(db, principal_of(request).user_id)
    return Redirect(f"/t/{slug}/notifications/", status_code=303)


@get("/t/{slug:str}/jobs/{progress_id:uuid}", opt={"action": "tenant.read"})
async def progress(request: Request[Any, Any, Any], db: AsyncSession, slug: str, progress_id: UUID) -> Template:
    """The progress bar fragment; it polls itself every second until the job is done or failed."""
    job = await get_or_404(db, JobProgress, progress_id)
    return page(request, "partials/progress.html", job=job)


ROUTES = [inbox, read_one, read_all, progress]
