"""The promoter candidates' pages: the review queue (by state), a candidate with their evidence and the decision
forms, and the thresholds' settings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    form_errors,
    get_or_404,
    gettext_for,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    tenant_of,
    user_names,
)
from plugins.energizing.ambassadors.service import portal_base
from plugins.energizing.listening import review
from plugins.energizing.listening.models import BASES, CONTACTS, STATES, Candidate

READ = {"action": "plugin.read"}
WORK = {"action": "plugin.work"}
CONFIGURE = {"action": "plugin.configure"}
QUEUES = ("open", "taken_up", "dismissed")


def _base(slug: str) -> str:
    return f"/t/{slug}/p/energizing/candidates/"


@get("/candidates/", opt=READ)
async def queue(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    state = request.query_params.get("state", "open")
    state = state if state in QUEUES else "open"
    query = select(Candidate).where(Candidate.state == state).order_by(
        Candidate.positive_count.desc() if state == "open" else Candidate.updated_at.desc(), Candidate.id)
    rows = await paginate(db, query, page_number(request.query_params.get("page")), base_path=_base(slug),
                          params={"state": state})
    return page(request, "energizing/listening/queue.html", rows=rows, state=state, queues=QUEUES, states=STATES,
                thresholds=await review.thresholds(db))


async def _detail(request: Request[Any, Any, Any], db: AsyncSession, candidate_id: UUID, *, status: int = 200,
                  errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                  which: str = "") -> Template:
    _ = gettext_for(lang_of(request))
    candidate = await get_or_404(db, Candidate, candidate_id)
    decisions = await review.decisions_of(db, candidate.id)
    return page(request, "energizing/listening/candidate.html", status_code=status, candidate=candidate,
                evidence=await review.evidence_of(db, candidate.id), decisions=decisions,
                names=await user_names(db, {d.decided_by_id for d in decisions if d.decided_by_id}),
                states=STATES, bases=BASES, contacts=CONTACTS, errors=errors or {},
                basis_options=[(k, _(v)) for k, v in BASES.items()],
                contact_options=[(k, _(v)) for k, v in CONTACTS.items()],
                form=form or {"name": candidate.name}, which=which)


@get("/candidates/{candidate_id:uuid}", opt=READ)
async def candidate_page(request: Request[Any, Any, Any], db: AsyncSession, candidate_id: UUID) -> Template:
    return await _detail(request, db, candidate_id)


@post("/candidates/{candidate_id:uuid}/take-up", opt=WORK)
async def take_up(request: Request[Any, Any, Any], db: AsyncSession, slug: str, candidate_id: UUID,
                  data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("basis", "contact", "email", "name", "reason")}
    tenant = tenant_of(request)
    try:
        await review.take_up(db, principal_of(request), candidate_id, values,
                             link_base=portal_base(request.app.state.settings.base_url, slug),
                             tenant_name=tenant.name, lang=lang_of(request))
    except DomainError as exc:
        return await _detail(request, db, candidate_id, status=exc.status_code, form=values, which="take_up",
                             errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"{_base(slug)}{candidate_id}", status_code=303)


@post("/candidates/{candidate_id:uuid}/dismiss", opt=WORK)
async def dismiss(request: Request[Any, Any, Any], db: AsyncSession, slug: str, candidate_id: UUID,
                  data: Form) -> Any:
    values = {"reason": data.get("reason", "")}
    try:
        await review.dismiss(db, principal_of(request), candidate_id, values)
    except DomainError as exc:
        return await _detail(request, db, candidate_id, status=exc.status_code, form=values, which="dismiss",
                             errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_base(slug), status_code=303)


@get("/candidates/settings", opt=CONFIGURE)
async def settings_page(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return page(request, "energizing/listening/settings.html", form=await review.settings_form(db), errors={})


@post("/candidates/settings", opt=CONFIGURE)
async def save_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: data.get(k, "") for k in review.LIMITS}
    try:
        await review.save_settings(db, principal_of(request), values)
    except DomainError as exc:
        return page(request, "energizing/listening/settings.html", status_code=exc.status_code, form=values,
                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_base(slug), status_code=303)


ROUTES = [queue, candidate_page, take_up, dismiss, settings_page, save_settings]
