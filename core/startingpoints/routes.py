"""Pages: the starting points' versions, writing a new version, approving, acknowledging, comparing."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.permissions import can
from core.errors import DomainError, Refused
from core.i18n import gettext_for
from core.roadmap.models import STARTING_POINT_SECTIONS
from core.startingpoints import service
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page

BASE = "/t/{slug:str}/starting-points"


def _url(slug: str, rest: str = "") -> str:
    return f"/t/{slug}/starting-points/{rest}"


@get(BASE, opt={"action": "tenant.read"})
async def versions(request: Request[Any, Any, Any], db: AsyncSession,
                   number: str | None = Parameter(query="page", default=None)) -> Template:
    represented = await service.represented_departments(db)
    newest = [v.number for v in await db.scalars(service.versions_query().limit(2))]
    listing = await paginate(db, service.versions_query(), page_number(number), base_path=request.url.path)
    latest_no = newest[0] if newest else 0
    statuses = [await service.status_of(db, v, represented, latest_no) for v in listing.items]
    holds, reason, params = await service.approved_and_acknowledged(db)
    return page(request, "startingpoints/list.html", statuses=statuses, listing=listing, newest=newest,
                represented=represented,
                gate_holds=holds, gate_reason=reason, gate_params=params)


async def _form_page(request: Request[Any, Any, Any], db: AsyncSession, form: dict[str, Any],
                     errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    previous = await service.latest(db)
    return page(request, "startingpoints/form.html", status_code=status_code, form=form, errors=errors or {},
                departments=await service.departments(db), sections=STARTING_POINT_SECTIONS,
                titles=service.SECTION_TITLES, previous=previous)


@get(BASE + "/new", opt={"action": "starting_points.write"})
async def new_version_form(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    previous = await service.latest(db)
    form: dict[str, Any] = service.sections_of(previous)
    form["note"] = ""
    form.update({f"wish_{k}": v for k, v in service.wishes_of(previous).items()})
    return await _form_page(request, db, form)


@post(BASE, opt={"action": "starting_points.write"})
async def create_version(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    # a field missing from the post (not merely empty) is taken over from the latest version, as in the API
    payload: dict[str, Any] = {k: data.get(k) for k in (*STARTING_POINT_SECTIONS, "note")}
    payload["wishes"] = {k[5:]: str(v) for k, v in data.items() if k.startswith("wish_")}
    try:
        version = await service.write_version(db, principal_of(request), payload)
    except DomainError as exc:
        form = {k: v for k, v in data.items() if k != "_csrf_token"}
        return await _form_page(request, db, form, form_errors(exc.errors, lang_of(request)), 422)
    return Redirect(_url(slug, str(version.number)), status_code=303)


@get(BASE + "/compare", opt={"action": "tenant.read"})
async def compare(request: Request[Any, Any, Any], db: AsyncSession, a: int | None = None,
                  b: int | None = None, view: str = "unified") -> Template:
    rows = await service.list_versions(db)
    if a is None or b is None:
        if len(rows) < 2:
            raise Refused(field="a", msgid="There must be at least two versions to compare.")
        a, b = (a or rows[1].number), (b or rows[0].number)
    old, new, diffs = await service.compare(db, a, b)
    titles = dict(service.SECTION_TITLES)
    titles["note"] = "Note"
    _ = gettext_for(lang_of(request))
    return page(request, "partials/compare_versions.html", old=old, new=new, diffs=diffs, titles=titles,
                back_href=f"/t/{tenant_of(request).slug}/starting-points/", back_label=_("All versions"),
                document_title=_("Starting points"),
                numbers=[v.number for v in rows], latest_no=rows[0].number if rows else 0,
                view="side" if view == "side" else "unified")


@get(BASE + "/{number:int}", opt={"action": "tenant.read"})
async def detail(request: Request[Any, Any, Any], db: AsyncSession, number: int) -> Template:
    return await _detail_page(request, db, number)


async def _detail_page(request: Request[Any, Any, Any], db: AsyncSession, number: int,
                       errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    version = await service.get_version(db, number)
    status = await service.status_of(db, version)
    principal = principal_of(request)
    deps = {str(d.id): d for d in await service.departments(db)}
    can_ack = [d for d in status.missing if d.id in principal.seat_department_ids] \
        if status.approved and can(principal.roles, "starting_points.acknowledge") else []
    rows = await service.list_versions(db)
    return page(request, "startingpoints/detail.html", status_code=status_code, s=status, version=version,
                sections=STARTING_POINT_SECTIONS, titles=service.SECTION_TITLES, departments=deps,
                can_ack=can_ack, numbers=[v.number for v in rows], errors=errors or {})


@post(BASE + "/{number:int}/approve", opt={"action": "starting_points.approve"})
async def approve(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int,
                  data: Form) -> Any:
    try:
        await service.approve(db, principal_of(request), number, str(data.get("reason", "")))
    except DomainError as exc:
        return await _detail_page(request, db, number, form_errors(exc.errors, lang_of(request)),
                                  exc.status_code)
    return Redirect(_url(slug, str(number)), status_code=303)


@post(BASE + "/{number:int}/acknowledge", opt={"action": "starting_points.acknowledge"})
async def acknowledge(request: Request[Any, Any, Any], db: AsyncSession, slug: str, number: int,
                      data: Form) -> Any:
    try:
        await service.acknowledge(db, principal_of(request), number, data.get("department_id"))
    except DomainError as exc:
        return await _detail_page(request, db, number, form_errors(exc.errors, lang_of(request)),
                                  exc.status_code)
    return Redirect(_url(slug, str(number)), status_code=303)


ROUTES = [versions, new_version_form, create_version, compare, detail, approve, acknowledge]
