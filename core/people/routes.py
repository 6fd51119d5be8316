"""People pages: members, invitations, departments and API tokens (all under /t/{slug}/people/)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.permissions import can
from core.errors import DomainError
from core.i18n import N_
from core.people import service
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.pagination import page_number, paginate
from core.web.render import form_errors, page
from core.workgroup import service as workgroup


def _base(slug: str) -> str:
    return f"/t/{slug}/people/"


def _department_options(departments: list[Any]) -> list[tuple[str, str]]:
    return [(str(d.id), d.name) for d in departments]


# --- members and invitations ------------------------------------------------------------------------------

async def _people_page(request: Request[Any, Any, Any], db: AsyncSession, number: int = 1, status_code: int = 200,
                       form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                       invitations_page: int = 1) -> Template:
    path = _base(tenant_of(request).slug)
    listing = await paginate(db, service.members_query(), number, base_path=path)
    rows = await service.member_rows(db, listing.items)
    invitations = None
    if can(principal_of(request).roles, "member.invite"):
        invitations = await paginate(db, service.open_invitations_query(), invitations_page,
                                     base_path=path, param="invitations_page")
    departments = await workgroup.list_departments(db)
    return page(request, "people/index.html", status_code=status_code, listing=listing, rows=rows,
                invitations=invitations, departments={d.id: d for d in departments},
                department_options=_department_options(departments), roles=service.ROLES,
                form=form or {"role": "member"}, errors=errors or {})


@get("/t/{slug:str}/people/", opt={"action": "tenant.read"})
async def people(request: Request[Any, Any, Any], db: AsyncSession, page: str | None = None,
                 invitations_page: str | None = None) -> Template:
    return await _people_page(request, db, page_number(page), invitations_page=page_number(invitations_page))


@post("/t/{slug:str}/people/invitations", opt={"action": "member.invite"})
async def invite(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await service.invite(db, principal_of(request), tenant_of(request), data.get("email"), data.get("role"),
                             data.get("department_id"), request.app.state.settings.base_url)
    except DomainError as exc:
        form = {k: data.get(k, "") for k in ("email", "role", "department_id")}
        return await _people_page(request, db, status_code=422, form=form,
                                  errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_base(slug) + "#invitations", status_code=303)


@post("/t/{slug:str}/people/invitations/{invitation_id:uuid}/revoke", opt={"action": "member.invite"})
async def revoke_invitation(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                            invitation_id: UUID) -> Redirect:
    await service.revoke_invitation(db, principal_of(request), invitation_id)
    return Redirect(_base(slug) + "#invitations", status_code=303)


def _member_form(membership: Any) -> dict[str, Any]:
    return {"role": membership.role, "department_id": str(membership.department_id or ""),
            "is_active": "1" if membership.is_active else "0"}


async def _member_page(request: Request[Any, Any, Any], db: AsyncSession, membership: Any,
                       form: dict[str, Any], errors: dict[str, str] | None = None,
                       status_code: int = 200) -> Template:
    departments = await workgroup.list_departments(db)
    return page(request, "people/member.html", status_code=status_code, membership=membership,
                department_options=_department_options(departments), roles=service.ROLES, form=form,
                errors=errors or {})


@get("/t/{slug:str}/people/members/{membership_id:uuid}", opt={"action": "member.manage"})
async def member_form(request: Request[Any, Any, Any], db: AsyncSession, membership_id: UUID) -> Template:
    membership = await service.get_member(db, membership_id)
    return await _member_page(request, db, membership, _member_form(membership))


@post("/t/{slug:str}/people/members/{membership_id:uuid}", opt={"action": "member.manage"})
async def member_update(request: Request[Any, Any, Any], db: AsyncSession, slug: str, membership_id: UUID,
                        data: Form) -> Any:
    membership = await service.get_member(db, membership_id)
    active = data.get("is_active")
    try:
        await service.update_member(db, principal_of(request), membership_id, role=data.get("role", ""),
                                    department_id=data.get("department_id", ""),
                                    is_active=None if active is None else active == "1")
    except DomainError as exc:
        form = {k: data.get(k, "") for k in ("role", "department_id", "is_active")}
        return await _member_page(request, db, membership, form, form_errors(exc.errors, lang_of(request)), 422)
    return Redirect(_base(slug), status_code=303)


# --- departments ----------------------------------------------------------------------------------------

async def _departments_page(request: Request[Any, Any, Any], db: AsyncSession, form: dict[str, Any] | None = None,
                            errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return page(request, "people/departments.html", status_code=status_code,
                departments=await workgroup.list_departments(db), functions=workgroup.BUSINESS_FUNCTIONS,
                form=form or {}, errors=errors or {})


def _department_data(data: dict[str, Any]) -> dict[str, Any]:
    return {"name": data.get("name", ""), "business_function": data.get("business_function", ""),
            "is_hub": data.get("is_hub") in ("1", "on", "true")}


@get("/t/{slug:str}/people/departments/", opt={"action": "tenant.read"})
async def departments(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _departments_page(request, db)


@post("/t/{slug:str}/people/departments/", opt={"action": "department.manage"})
async def department_create(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    values = _department_data(data)
    try:
        await workgroup.create_department(db, principal_of(request), **values)
    except DomainError as exc:
        return await _departments_page(request, db, values, form_errors(exc.errors, lang_of(request)), 422)
    return Redirect(_base(slug) + "departments/", status_code=303)


@get("/t/{slug:str}/people/departments/{department_id:uuid}", opt={"action": "department.manage"})
async def department_form(request: Request[Any, Any, Any], db: AsyncSession, department_id: UUID) -> Template:
    department = await workgroup.get_department(db, department_id)
    form = {"name": department.name, "business_function": department.business_function,
            "is_hub": department.is_hub}
    return page(request, "people/department.html", department=department, functions=workgroup.BUSINESS_FUNCTIONS,
                form=form)


@post("/t/{slug:str}/people/departments/{department_id:uuid}", opt={"action": "department.manage"})
async def department_update(request: Request[Any, Any, Any], db: AsyncSession, slug: str, department_id: UUID,
                            data: Form) -> Any:
    department = await workgroup.get_department(db, department_id)
    values = _department_data(data)
    try:
        await workgroup.update_department(db, principal_of(request), department_id, **values)
    except DomainError as exc:
        return page(request, "people/department.html", status_code=422, department=department,
                    functions=workgroup.BUSINESS_FUNCTIONS, form=values,
                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(_base(slug) + "departments/", status_code=303)


# --- API tokens -----------------------------------------------------------------------------------------

SCOPE_NAMES = {"read": N_("read"), "write": N_("write"), "admin": N_("admin")}
"""Labels of the token scopes (`core.auth.permissions.TOKEN_SCOPES`)."""

async def _tokens_page(request: Request[Any, Any, Any], db: AsyncSession, number: int = 1,
                       form: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                       created: Any = None, status_code: int = 200) -> Template:
    listing = await paginate(db, service.tokens_query(principal_of(request)), number,
                             base_path=request.url.path, scalars=False)
    from core.people.token_input import DEFAULT_SCOPES, default_expiry_date

    defaults = {"scopes": list(DEFAULT_SCOPES), "expires_at": default_expiry_date().isoformat()}
    return page(request, "people/tokens.html", status_code=status_code, listing=listing,
                form=form or defaults, errors=errors or {}, created=created, scope_names=SCOPE_NAMES)


@get("/t/{slug:str}/people/tokens/", opt={"action": "token.create"})
async def tokens(request: Request[Any, Any, Any], db: AsyncSession, page: str | None = None) -> Template:
    return await _tokens_page(request, db, page_number(page))


@post("/t/{slug:str}/people/tokens/", opt={"action": "token.create"})
async def token_create(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Template:
    """The secret is shown on this response only (no redirect), never again."""
    try:
        created = await service.create_token(db, principal_of(request), data.get("name"), data.get("scopes"),
                                             data.get("expires_at"))
    except DomainError as exc:
        scopes = data.get("scopes") or []
        form = {"name": data.get("name", ""), "expires_at": data.get("expires_at", ""),
                "scopes": scopes if isinstance(scopes, list) else [scopes]}
        return await _tokens_page(request, db, form=form, errors=form_errors(exc.errors, lang_of(request)),
                                  status_code=422)
    return await _tokens_page(request, db, created=created, status_code=201)


@post("/t/{slug:str}/people/tokens/{token_id:uuid}/revoke", opt={"action": "token.create"})
async def token_revoke(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token_id: UUID) -> Redirect:
    await service.revoke_token(db, principal_of(request), token_id)
    return Redirect(_base(slug) + "tokens/", status_code=303)


ROUTES = [people, invite, revoke_invitation, member_form, member_update, departments, department_create,
          department_form, department_update, tokens, token_create, token_revoke]
