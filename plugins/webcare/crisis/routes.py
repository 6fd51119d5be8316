"""Crisis pages: switch crisis mode on and off, the timeline with notes, holding statements, past crises and
their frozen reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    NotFound,
    form_errors,
    get_or_404,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    user_names,
)
from plugins.webcare.crisis import service
from plugins.webcare.models import PRIORITIES, CannedResponse, Crisis


def _base(slug: str) -> str:
    return f"/t/{slug}/p/webcare/crisis/"


async def _index_context(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                         form: dict[str, Any] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    params = request.query_params
    base = _base(slug)
    crisis = await service.open_crisis(db)
    entries = await paginate(db, service.entries_query(crisis.id), page_number(params.get("page")),
                             base_path=base) if crisis else None
    statements = await paginate(db, service.statements_query(), page_number(params.get("spage")), base_path=base,
                                param="spage")
    past = await paginate(db, service.past_query(), page_number(params.get("ppage")), base_path=base,
                          param="ppage")
    ids = {e.user_id for e in (entries.items if entries else [])}
    if crisis:
        ids.add(crisis.started_by_id)
    return {"base": base, "crisis": crisis, "entries": entries, "statements": statements, "past": past,
            "people": await user_names(db, ids), "kinds": service.ENTRY_KINDS, "form": form or {},
            "errors": errors or {}, "may_switch": await service.may_switch(db, principal_of(request)),
            "lead_id": (await service.config_of(db)).lead_user_id, "leads": await service.lead_choices(db)}


@get("/crisis/", opt={"action": "plugin.read"})
async def index(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    return page(request, "webcare/crisis/index.html", **await _index_context(request, db, slug))


async def _form_failed(request: Request[Any, Any, Any], db: AsyncSession, slug: str, exc: DomainError,
                       values: dict[str, Any]) -> Template:
    return page(request, "webcare/crisis/index.html", status_code=exc.status_code,
                **await _index_context(request, db, slug, values, form_errors(exc.errors, lang_of(request))))


@post("/crisis/start", opt={"action": "plugin.work", "rule": service.SWITCH_RULE})
async def start(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("title", "reason")}
    try:
        await service.start(db, principal_of(request), values, request.app.state.settings, request.app.state.pm)
    except DomainError as exc:
        return await _form_failed(request, db, slug, exc, values)
    return Redirect(_base(slug), status_code=303)


@post("/crisis/stop", opt={"action": "plugin.work", "rule": service.SWITCH_RULE})
async def stop(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"note": data.get("note", "")}
    try:
        crisis = await service.stop(db, principal_of(request), values, request.app.state.settings,
                                    request.app.state.pm)
    except DomainError as exc:
        return await _form_failed(request, db, slug, exc, values)
    return Redirect(f"{_base(slug)}{crisis.id}", status_code=303)


@post("/crisis/lead", opt={"action": "plugin.configure"})
async def set_lead(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """Name the webcare lead (or nobody): with the regie holder, the one who switches crisis mode."""
    values = {"lead_user_id": data.get("lead_user_id")}
    try:
        await service.set_lead(db, principal_of(request), values)
    except DomainError as exc:
        return await _form_failed(request, db, slug, exc, values)
    return Redirect(_base(slug), status_code=303)


@post("/crisis/notes", opt={"action": "plugin.work"})
async def add_note(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {"text": data.get("text", "")}
    try:
        await service.add_note(db, principal_of(request), values)
    except DomainError as exc:
        return await _form_failed(request, db, slug, exc, values)
    return Redirect(_base(slug), status_code=303)


@get("/crisis/{crisis_id:uuid}", opt={"action": "plugin.read"})
async def report(request: Request[Any, Any, Any], db: AsyncSession, slug: str, crisis_id: UUID) -> Any:
    crisis = await get_or_404(db, Crisis, crisis_id)
    if crisis.ended_at is None:
        return Redirect(_base(slug), status_code=303)
    frozen = crisis.report or {}
    timeline = [{**e, "at": datetime.fromisoformat(e["at"])} for e in frozen.get("timeline", [])]
    return page(request, "webcare/crisis/report.html", base=_base(slug), crisis=crisis, report=frozen,
                timeline=timeline, priorities=PRIORITIES, kinds=service.ENTRY_KINDS)


async def _statement(db: AsyncSession, statement_id: UUID) -> CannedResponse:
    statement = await get_or_404(db, CannedResponse, statement_id)
    if not statement.is_holding_statement:
        raise NotFound()
    return statement


@get("/crisis/statements/new", opt={"action": "plugin.configure"})
async def new_statement(request: Request[Any, Any, Any], slug: str) -> Template:
    return page(request, "webcare/crisis/statement_form.html", base=_base(slug), statement=None,
                form={"title": "", "body": ""})


@post("/crisis/statements/new", opt={"action": "plugin.configure"})
async def create_statement(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = {k: data.get(k, "") for k in ("title", "body")}
    try:
        await service.create_statement(db, principal_of(request), values)
    except DomainError as exc:
        return page(request, "webcare/crisis/statement_form.html", status_code=exc.status_code, base=_base(slug),
                    statement=None, form=values, errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_base(slug), status_code=303)


@get("/crisis/statements/{statement_id:uuid}/edit", opt={"action": "plugin.configure"})
async def edit_statement(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                         statement_id: UUID) -> Template:
    statement = await _statement(db, statement_id)
    return page(request, "webcare/crisis/statement_form.html", base=_base(slug), statement=statement,
                form={"title": statement.title, "body": statement.body})


@post("/crisis/statements/{statement_id:uuid}/edit", opt={"action": "plugin.configure"})
async def update_statement(request: Request[Any, Any, Any], db: AsyncSession, slug: str, statement_id: UUID,
                           data: Form) -> Any:
    statement = await _statement(db, statement_id)
    values = {k: data.get(k, "") for k in ("title", "body")}
    try:
        await service.update_statement(db, principal_of(request), statement.id, values)
    except DomainError as exc:
        await db.refresh(statement)
        return page(request, "webcare/crisis/statement_form.html", status_code=exc.status_code, base=_base(slug),
                    statement=statement, form=values, errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_base(slug), status_code=303)


ROUTES = [index, start, stop, set_lead, add_note, report, new_statement, create_statement, edit_statement,
          update_statement]
