"""Report pages: the list (paginated, with status) and the request form; one report (its stored HTML, or its
progress bar while it is generated); the PDF download; management's approval."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.jobs.models import JobProgress
from core.reports import service
from core.roadmap.routes import user_names
from core.web.forms import Form, lang_of, principal_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page


async def _defaults(db: AsyncSession, lang: str) -> dict[str, str]:
    start, end = await service.default_period(db, datetime.now(UTC).date())
    return {"period_start": start.isoformat(), "period_end": end.isoformat(),
            "title": service.default_title(start, end, lang)}


async def _list(request: Request[Any, Any, Any], db: AsyncSession, slug: str, status_code: int = 200,
                errors: dict[str, Any] | None = None, form: dict[str, Any] | None = None) -> Template:
    lang = lang_of(request)
    reports = await paginate(db, service.reports_query(), page_number(request.query_params.get("page")),
                             base_path=f"/t/{slug}/reports/")
    return page(request, "reports/index.html", status_code=status_code, reports=reports,
                errors=form_errors(errors or {}, lang), form=form or await _defaults(db, lang))


@get("/t/{slug:str}/reports/", opt={"action": "measurement.read"})
async def index(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return await _list(request, db, slug)


@post("/t/{slug:str}/reports/", opt={"action": "report.generate"})
async def request_report(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        report = await service.request_report(db, principal_of(request), data, datetime.now(UTC).date(),
                                              lang_of(request))
    except DomainError as exc:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        return await _list(request, db, slug, exc.status_code, exc.errors, form)
    return Redirect(f"/t/{slug}/reports/{report.id}", status_code=303)


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, quarterly_report_id: UUID,
                  status_code: int = 200, errors: dict[str, Any] | None = None) -> Template:
    report = await service.get_report(db, quarterly_report_id, with_html=True)
    job = await db.get(JobProgress, report.progress_id) if report.progress_id else None
    presentation = await service.presentation_of(db, report)
    names = await user_names(db, {report.requested_by_id, presentation.approved_by_id if presentation else None})
    return page(request, "reports/detail.html", status_code=status_code, report=report, job=job,
                presentation=presentation, names=names, errors=form_errors(errors or {}, lang_of(request)))


@get("/t/{slug:str}/reports/{quarterly_report_id:uuid}", opt={"action": "measurement.read"})
async def detail(request: Request[Any, Any, Any], db: AsyncSession, quarterly_report_id: UUID) -> Template:
    return await _detail(request, db, quarterly_report_id)


@get("/t/{slug:str}/reports/{quarterly_report_id:uuid}/pdf", opt={"action": "measurement.read"})
async def download_pdf(db: AsyncSession, quarterly_report_id: UUID) -> Response[bytes]:
    report, data = await service.report_pdf(db, quarterly_report_id)
    name = "".join(c if c.isalnum() or c in "-_" else "-" for c in report.title)[:80].strip("-") or "report"
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}.pdf"',
                             "X-Content-Type-Options": "nosniff"})


@post("/t/{slug:str}/reports/{quarterly_report_id:uuid}/approve", opt={"action": "presentation.approve"})
async def approve(request: Request[Any, Any, Any], db: AsyncSession, slug: str, quarterly_report_id: UUID,
                  data: Form) -> Any:
    try:
        await service.approve_report(db, principal_of(request), quarterly_report_id, data.get("note", ""))
    except DomainError as exc:
        return await _detail(request, db, quarterly_report_id, exc.status_code, exc.errors)
    return Redirect(f"/t/{slug}/reports/{quarterly_report_id}", status_code=303)


ROUTES = [index, request_report, detail, download_pdf, approve]
