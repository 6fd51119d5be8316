"""Signing in and out, the language switch, accepting an invitation."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import ghosts, service
from core.auth.permissions import AUTHENTICATED, PUBLIC
from core.auth.security import client_address
from core.errors import DomainError
from core.i18n import normalise
from core.mfa import flow as mfa_flow
from core.sso import login as sso_login
from core.web.context import LANG_COOKIE
from core.web.render import form_errors, page

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC_OPT = {"action": PUBLIC}


def _safe_next(target: str | None, default: str) -> str:
    """Only same-site paths, never a scheme-relative or absolute URL (no open redirect).

    Browsers drop tabs and newlines and read backslashes as slashes, so any of those is refused too.
    """
    if not target or not target.startswith("/") or any(c in target for c in "\\\t\r\n ") \
            or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


@get("/", opt=PUBLIC_OPT)
async def home(request: Request[Any, Any, Any]) -> Redirect:
    principal = request.scope["state"]["principal"]
    if principal.user is None:
        return Redirect("/login")
    if principal.is_mediator:
        return Redirect("/mediator/")
    slug = await service.first_tenant_slug(request.app.state.sessionmaker, principal.user.id)
    return Redirect(f"/t/{slug}/" if slug else "/login")


@get("/login", opt=PUBLIC_OPT)
async def platform_login_form(request: Request[Any, Any, Any], next: str | None = None) -> Template:
    return page(request, "auth/login.html", form={"next": next or ""}, tenant_login=False,
                sso=sso_login.platform_button(request))


@post("/login", opt=PUBLIC_OPT)
async def platform_login(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    """Mediators sign in at platform level; tenant members are sent to their tenant."""
    try:
        user = await service.authenticate(db, data.get("email", ""), data.get("password", ""),
                                          ghost_store=ghosts.ghost_store(request.app.state.settings),
                                          address=client_address(request))
        await sso_login.refuse_barred_password(request, user)
    except DomainError as exc:
        await _note_failure(request, exc, data, None)
        return _login_failed(request, exc, data, tenant_login=False)
    if user.is_mediator:
        target = _safe_next(data.get("next"), "/mediator/")
    else:
        slug = await service.first_tenant_slug(request.app.state.sessionmaker, user.id)
        target = _safe_next(data.get("next"), f"/t/{slug}/" if slug else "/")
    if (second_step := await mfa_flow.challenge(request, db, user, None, target)) is not None:
        return second_step  # the session starts only after the code (core/mfa)
    await service.start_session(request, user)
    await service.audit_account(db, user, "auth.signed_in", None)
    return Redirect(target, status_code=303)


@get("/t/{slug:str}/login", opt=PUBLIC_OPT)
async def tenant_login_form(request: Request[Any, Any, Any], db: AsyncSession, next: str | None = None) -> Template:
    return page(request, "auth/login.html", form={"next": next or ""}, tenant_login=True,
                sso=await sso_login.tenant_button(db, request, next))


@post("/t/{slug:str}/login", opt=PUBLIC_OPT)
async def tenant_login(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    tenant = request.scope["state"]["tenant"]
    try:
        await sso_login.refuse_tenant_password(db, request)
        user = await service.authenticate(db, data.get("email", ""), data.get("password", ""), tenant=tenant,
                                          ghost_store=ghosts.ghost_store(request.app.state.settings),
                                          address=client_address(request))
        await sso_login.refuse_barred_password(request, user)
    except DomainError as exc:
        await _note_failure(request, exc, data, tenant)
        return _login_failed(request, exc, data, tenant_login=True)
    target = _safe_next(data.get("next"), f"/t/{slug}/")
    if (second_step := await mfa_flow.challenge(request, db, user, tenant, target)) is not None:
        return second_step  # the session starts only after the code (core/mfa)
    await service.start_session(request, user)
    await service.audit_account(db, user, "auth.signed_in", tenant)
    return Redirect(target, status_code=303)


async def _note_failure(request: Request[Any, Any, Any], exc: DomainError, data: dict[str, str],
                        tenant: Any) -> None:
    await service.note_failed_login(request.app.state.sessionmaker, request.app.state.settings,
                                    data.get("email", ""), getattr(exc, "kind", "refused"), tenant,
                                    address=client_address(request))


def _login_failed(request: Request[Any, Any, Any], exc: DomainError, data: dict[str, str],
                  tenant_login: bool) -> Template:
    lang = request.scope["state"]["lang"]
    form = {"email": data.get("email", ""), "next": data.get("next", "")}
    sso = request.scope["state"].get(sso_login.BUTTON) if tenant_login else sso_login.platform_button(request)
    return page(request, "auth/login.html", status_code=400, form=form,
                errors=form_errors(exc.errors, lang), tenant_login=tenant_login, sso=sso)


@post("/logout", opt={"action": AUTHENTICATED})
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    tenant = request.scope["state"].get("principal").tenant
    request.clear_session()
    return Redirect("/login" if tenant is None else f"/t/{tenant.slug}/login", status_code=303)


@post("/t/{slug:str}/logout", opt={"action": AUTHENTICATED})
async def tenant_logout(request: Request[Any, Any, Any], slug: str) -> Redirect:
    request.clear_session()
    return Redirect(f"/t/{slug}/login", status_code=303)


@post("/lang", opt=PUBLIC_OPT)
async def switch_language(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Response[Any]:
    """The visible switch: remembered on the user when signed in, in a cookie otherwise."""
    lang = normalise(data.get("lang"))
    principal = request.scope["state"]["principal"]
    if principal.user is not None:
        await service.set_locale(db, principal.user.id, lang)
    target = _safe_next(data.get("next"), "/")
    response: Response[Any] = Redirect(target, status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True,
                        secure=request.app.state.settings.secure_cookies)
    return response


@get("/t/{slug:str}/invitation/{token:str}", opt=PUBLIC_OPT)
async def invitation_form(request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Template:
    invitation = await service.open_invitation(db, token)
    return page(request, "auth/invitation.html", invitation=invitation, form={},
                existing=await service.has_account(db, invitation), status_code=200 if invitation else 404)


@post("/t/{slug:str}/invitation/{token:str}", opt=PUBLIC_OPT)
async def accept_invitation(request: Request[Any, Any, Any], db: AsyncSession, slug: str, token: str,
                            data: Form) -> Any:
    try:
        user = await service.accept_invitation(db, token, data.get("name", ""), data.get("password", ""),
                                               data.get("password_repeat", ""))
    except DomainError as exc:
        invitation = await service.open_invitation(db, token)
        return page(request, "auth/invitation.html", status_code=400 if invitation else 404,
                    invitation=invitation, form={"name": data.get("name", "")},
                    existing=await service.has_account(db, invitation),
                    errors=form_errors(exc.errors, request.scope["state"]["lang"]))
    await db.flush()  # the new membership counts when deciding whether a second factor is required
    if (second_step := await mfa_flow.challenge(request, db, user, request.scope["state"]["tenant"],
                                                f"/t/{slug}/")) is not None:
        return second_step  # an invitation never skips the second factor
    await service.start_session(request, user)
    return Redirect(f"/t/{slug}/", status_code=303)


@post("/sign-out-everywhere", opt={"action": AUTHENTICATED})
async def sign_out_everywhere(request: Request[Any, Any, Any], db: AsyncSession) -> Redirect:
    """End every session of this person (other browsers, a lost phone), this one included."""
    principal = request.scope["state"]["principal"]
    user = await service.end_all_sessions(db, principal.user)
    await service.audit_account(db, user, "auth.signed_out_everywhere", principal.tenant)
    request.clear_session()
    tenant = principal.tenant
    return Redirect("/login" if tenant is None else f"/t/{tenant.slug}/login", status_code=303)


@post("/t/{slug:str}/sign-out-everywhere", opt={"action": AUTHENTICATED})
async def tenant_sign_out_everywhere(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Redirect:
    return await sign_out_everywhere.fn(request, db)  # type: ignore[no-any-return]


@get("/password/forgot", opt=PUBLIC_OPT)
async def forgot_form(request: Request[Any, Any, Any]) -> Template:
    return page(request, "auth/forgot.html", form={}, sent=False)


@post("/password/forgot", opt=PUBLIC_OPT)
async def forgot(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Template:
    """The same answer whether or not the address has an account."""
    settings = request.app.state.settings
    await service.request_reset(db, data.get("email", ""), settings.base_url, settings.reset_minutes)
    return page(request, "auth/forgot.html", form={}, sent=True)


@get("/password/reset/{token:str}", opt=PUBLIC_OPT)
async def reset_form(request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Template:
    """Only shows the form (a mail scanner following the link changes nothing)."""
    user = await service.open_reset(db, token)
    return page(request, "auth/reset.html", valid=user is not None, form={}, status_code=200 if user else 404)


@post("/password/reset/{token:str}", opt=PUBLIC_OPT)
async def reset_password(request: Request[Any, Any, Any], db: AsyncSession, token: str, data: Form) -> Any:
    try:
        await service.reset_password(db, token, data.get("password", ""), data.get("password_repeat", ""))
    except DomainError as exc:
        valid = await service.open_reset(db, token) is not None
        return page(request, "auth/reset.html", status_code=422 if valid else 404, valid=valid, form={},
                    errors=form_errors(exc.errors, request.scope["state"]["lang"]))
    request.clear_session()
    return Redirect("/login?reset=1", status_code=303)


@get("/login/unlock/{token:str}", opt=PUBLIC_OPT)
async def unlock_form(request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Template:
    """Only shows a button (a mail scanner following the link changes nothing)."""
    valid = await service.open_link(db, service.UNLOCK, token) is not None
    return page(request, "auth/unlock.html", valid=valid, status_code=200 if valid else 404)


@post("/login/unlock/{token:str}", opt=PUBLIC_OPT)
async def unlock(request: Request[Any, Any, Any], db: AsyncSession, token: str) -> Any:
    """The owner's link from the lockout mail: every failure count of the account is cleared, once."""
    try:
        await service.unlock_account(db, token)
    except DomainError:
        return page(request, "auth/unlock.html", valid=False, status_code=404)
    return Redirect("/login?unlocked=1", status_code=303)


ROUTES = [home, platform_login_form, platform_login, tenant_login_form, tenant_login, logout, tenant_logout,
          switch_language, invitation_form, accept_invitation, sign_out_everywhere, tenant_sign_out_everywhere,
          forgot_form, forgot, reset_form, reset_password, unlock_form, unlock]
