"""Web routes of privacy: the retention setting, erasure requests with their records, the tenant export.

For the tenant's admin and the mediator (`privacy.manage`). Every form answers bad input with 422 and the
field's reason; the export runs as a job with a progress bar and is downloaded when ready.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import File, Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.db.lookup import get_or_404
from core.errors import DomainError, NotFound
from core.jobs.models import JobProgress
from core.jobs.plugin_jobs import enqueue_job
from core.jobs.progress import start_progress
from core.privacy import service
from core.privacy.archive import PROGRESS_KIND, export_path
from core.privacy.jobs import EXPORT_JOB
from core.privacy.models import MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS, MODES
from core.tenancy.models import Tenant
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.render import form_errors, page

MANAGE = "privacy.manage"


async def _page(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                **extra: Any) -> Template:
    setting = await service.setting_of(db)
    exports = (await db.scalars(select(JobProgress).where(JobProgress.kind == PROGRESS_KIND)
                                .order_by(JobProgress.created_at.desc()).limit(10))).all()
    context: dict[str, Any] = {
        "setting": setting, "records": await service.records(db), "members": await service.erasable_members(db),
        "exports": exports, "modes": MODES, "min_months": MIN_RETENTION_MONTHS, "max_months": MAX_RETENTION_MONTHS,
        "errors": {}, "form": {}, "which": "",
    }
    context.update(extra)
    return page(request, "privacy/index.html", status_code=status_code, **context)


async def _fail(request: Request[Any, Any, Any], db: AsyncSession, exc: DomainError, which: str,
                data: Form) -> Template:
    return await _page(request, db, status_code=exc.status_code, errors=form_errors(exc.errors, lang_of(request)),
                       form=dict(data), which=which)


@get("/t/{slug:str}/privacy/", opt={"action": MANAGE})
async def privacy_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _page(request, db)


@post("/t/{slug:str}/privacy/retention", opt={"action": MANAGE})
async def save_retention(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.save_setting(db, principal_of(request), dict(data))
    except DomainError as exc:
        return await _fail(request, db, exc, "retention", data)
    return Redirect(f"/t/{slug}/privacy/", status_code=303)


@post("/t/{slug:str}/privacy/retention/run", opt={"action": MANAGE, "takes_input": False})
async def run_retention_now(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Redirect:
    """The daily job, now (after lowering the period, say); the run is recorded like the job's."""
    tenant = await db.get(Tenant, tenant_of(request).id)
    row = await service.run_retention(db, request.app.state.pm, tenant, principal=principal_of(request))
    await record(db, principal_of(request), "privacy.retention_run", subject=row, data={"counts": row.counts})
    return Redirect(f"/t/{slug}/privacy/", status_code=303)


@post("/t/{slug:str}/privacy/erase/author", opt={"action": MANAGE})
async def erase_author(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    tenant = await db.get(Tenant, tenant_of(request).id)
    try:
        await service.erase_author(db, request.app.state.pm, tenant, principal_of(request), dict(data))
    except DomainError as exc:
        return await _fail(request, db, exc, "author", data)
    return Redirect(f"/t/{slug}/privacy/#records", status_code=303)


@post("/t/{slug:str}/privacy/erase/user", opt={"action": MANAGE})
async def erase_user(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    tenant = await db.get(Tenant, tenant_of(request).id)
    try:
        await service.erase_user(db, request.app.state.pm, tenant, principal_of(request), dict(data))
    except DomainError as exc:
        return await _fail(request, db, exc, "user", data)
    return Redirect(f"/t/{slug}/privacy/#records", status_code=303)


@post("/t/{slug:str}/privacy/export", opt={"action": MANAGE, "takes_input": False})
async def start_export(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Redirect:
    principal = principal_of(request)
    progress = start_progress(db, PROGRESS_KIND, title="Export", started_by_id=principal.user_id)
    await db.flush()
    await record(db, principal, "privacy.export_requested", subject=progress)
    enqueue_job(db, EXPORT_JOB, progress_id=str(progress.id))
    return Redirect(f"/t/{slug}/privacy/#exports", status_code=303)


@get("/t/{slug:str}/privacy/exports/{progress_id:uuid}", opt={"action": MANAGE})
async def download_export(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                          progress_id: UUID) -> File:
    job = await get_or_404(db, JobProgress, progress_id)
    path = export_path(request.app.state.settings, job.tenant_id, job.id)
    if job.kind != PROGRESS_KIND or job.status != "done" or not path.exists():
        raise NotFound()
    await record(db, principal_of(request), "privacy.export_downloaded", subject=job, touch=False)
    return File(path=path, filename=f"regie-{slug}-{job.created_at:%Y%m%d-%H%M}.zip", media_type="application/zip")


ROUTES = [privacy_page, save_retention, run_retention_now, erase_author, erase_user, start_export,
          download_export]
