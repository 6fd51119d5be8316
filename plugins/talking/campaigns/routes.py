"""Campaign and stream pages: the lists (paginated, each with its number of posts) and their forms."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import (
    DomainError,
    Form,
    department_choices,
    form_errors,
    get_or_404,
    gettext_for,
    lang_of,
    page,
    page_number,
    paginate,
    principal_of,
    starting_point_objectives,
)
from plugins.talking.campaigns import service
from plugins.talking.models import OBJECTIVES, Campaign, Stream

CONFIGURE = {"action": "plugin.configure"}


def _base(slug: str) -> str:
    return f"/t/{slug}/p/talking"


async def _form_page(request: Request[Any, Any, Any], db: AsyncSession, template: str, *, form: dict[str, Any],
                     row: Any = None, errors: dict[str, str] | None = None, status: int = 200) -> Template:
    _ = gettext_for(lang_of(request))
    objectives = await starting_point_objectives(db)
    current = str(form.get("starting_point") or "")
    return page(request, template, status_code=status, form=form, errors=errors or {}, row=row,
                objective_options=[(k, _(v)) for k, v in OBJECTIVES.items()],
                starting_points=[(o, o) for o in objectives] + ([(current, current)] if current and current
                                                                not in objectives else []),
                departments=await department_choices(db))


def _campaign_form(c: Campaign) -> dict[str, Any]:
    return {"name": c.name, "slug": c.slug, "goal": c.goal, "budget": "" if c.budget is None else str(c.budget),
            "objective": c.objective, "starting_point": c.starting_point, "starts_on": c.starts_on.isoformat(),
            "ends_on": c.ends_on.isoformat(), "department_id": str(c.department_id or "")}


@get("/campaigns/", opt={"action": "plugin.read"})
async def campaigns(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    found = await paginate(db, service.campaigns_query(), page_number(request.query_params.get("page")),
                           base_path=f"{_base(slug)}/campaigns/", scalars=False)
    return page(request, "talking/campaigns/campaigns.html", rows=found, objectives=OBJECTIVES,
                departments=dict(await department_choices(db)))


@get("/campaigns/new", opt=CONFIGURE)
async def new_campaign(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _form_page(request, db, "talking/campaigns/campaign_form.html", form={"objective": "awareness"})


@post("/campaigns", opt=CONFIGURE)
async def create_campaign(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.create_campaign(db, principal_of(request), dict(data))
    except DomainError as exc:
        return await _form_page(request, db, "talking/campaigns/campaign_form.html", form=dict(data),
                                errors=form_errors(exc.errors, lang_of(request)), status=exc.status_code)
    return Redirect(f"{_base(slug)}/campaigns/", status_code=303)


@get("/campaigns/{campaign_id:uuid}/edit", opt=CONFIGURE)
async def edit_campaign(request: Request[Any, Any, Any], db: AsyncSession, campaign_id: UUID) -> Template:
    row = await get_or_404(db, Campaign, campaign_id)
    return await _form_page(request, db, "talking/campaigns/campaign_form.html", form=_campaign_form(row), row=row)


@post("/campaigns/{campaign_id:uuid}", opt=CONFIGURE)
async def update_campaign(request: Request[Any, Any, Any], db: AsyncSession, slug: str, campaign_id: UUID,
                          data: Form) -> Any:
    try:
        await service.update_campaign(db, principal_of(request), campaign_id, dict(data))
    except DomainError as exc:
        row = await get_or_404(db, Campaign, campaign_id)
        return await _form_page(request, db, "talking/campaigns/campaign_form.html", form=dict(data), row=row,
                                errors=form_errors(exc.errors, lang_of(request)), status=exc.status_code)
    return Redirect(f"{_base(slug)}/campaigns/", status_code=303)


@get("/streams/", opt={"action": "plugin.read"})
async def streams(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Template:
    found = await paginate(db, service.streams_query(), page_number(request.query_params.get("page")),
                           base_path=f"{_base(slug)}/streams/", scalars=False)
    return page(request, "talking/campaigns/streams.html", rows=found, departments=dict(await department_choices(db)))


@get("/streams/new", opt=CONFIGURE)
async def new_stream(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _form_page(request, db, "talking/campaigns/stream_form.html", form={})


@post("/streams", opt=CONFIGURE)
async def create_stream(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.create_stream(db, principal_of(request), dict(data))
    except DomainError as exc:
        return await _form_page(request, db, "talking/campaigns/stream_form.html", form=dict(data),
                                errors=form_errors(exc.errors, lang_of(request)), status=exc.status_code)
    return Redirect(f"{_base(slug)}/streams/", status_code=303)


@get("/streams/{stream_id:uuid}/edit", opt=CONFIGURE)
async def edit_stream(request: Request[Any, Any, Any], db: AsyncSession, stream_id: UUID) -> Template:
    row = await get_or_404(db, Stream, stream_id)
    form = {"name": row.name, "slug": row.slug, "description": row.description,
            "starting_point": row.starting_point, "department_id": str(row.department_id or ""),
            "is_active": "1" if row.is_active else ""}
    return await _form_page(request, db, "talking/campaigns/stream_form.html", form=form, row=row)


@post("/streams/{stream_id:uuid}", opt=CONFIGURE)
async def update_stream(request: Request[Any, Any, Any], db: AsyncSession, slug: str, stream_id: UUID,
                        data: Form) -> Any:
    try:
        await service.update_stream(db, principal_of(request), stream_id, dict(data))
    except DomainError as exc:
        row = await get_or_404(db, Stream, stream_id)
        return await _form_page(request, db, "talking/campaigns/stream_form.html", form=dict(data), row=row,
                                errors=form_errors(exc.errors, lang_of(request)), status=exc.status_code)
    return Redirect(f"{_base(slug)}/streams/", status_code=303)


ROUTES = [campaigns, new_campaign, create_campaign, edit_campaign, update_campaign, streams, new_stream,
          create_stream, edit_stream, update_stream]
