"""Web routes of mfa: the second sign-in step, enrolment, the account page, the tenant's setting."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit.service import record
from core.auth import service as auth
from core.auth.models import Membership, User
from core.auth.permissions import AUTHENTICATED, PUBLIC
from core.auth.security import client_address
from core.auth.service import LOCKED
from core.db.lookup import get_or_404
from core.errors import DomainError
from core.i18n import N_, Msg
from core.mfa import flow, service, totp
from core.tenancy.models import Tenant
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.render import form_errors, page

EXPIRED = N_("This sign-in took too long. Sign in again.")
NOT_REQUIRED_CHOICES = {"yes": True, "no": False}


def _errors(request: Request[Any, Any, Any], errors: dict[str, Any]) -> dict[str, str]:
    return form_errors(errors, lang_of(request))


async def _refused(request: Request[Any, Any, Any], user: User, tenant: Tenant | None) -> None:
    """A wrong code counts towards the sign-in lockout (own transaction) and is audited."""
    await auth.note_failed_login(request.app.state.sessionmaker, request.app.state.settings, user.email,
                                 "wrong_code", tenant, action="auth.mfa_failed", address=client_address(request))


@get("/mfa/verify", opt={"action": PUBLIC})
async def verify_form(request: Request[Any, Any, Any], db: AsyncSession) -> Any:
    found = await flow.pending_user(request, db)
    if found is None:
        return Redirect("/login", status_code=303)
    return page(request, "mfa/verify.html", login_url=flow.login_url(found[1]))


@post("/mfa/verify", opt={"action": PUBLIC})
async def verify(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    """The code from the app (or a recovery code) turns the pending sign-in into a session."""
    found = await flow.pending_user(request, db)
    if found is None:
        return page(request, "mfa/verify.html", status_code=400, expired=True, login_url="/login",
                    errors=_errors(request, {"code": Msg(EXPIRED)}))
    user, tenant, target = found
    if await auth.is_locked(db, user, client_address(request)):
        request.clear_session()
        await auth.note_failed_login(request.app.state.sessionmaker, request.app.state.settings, user.email,
                                     "locked", tenant, action="auth.mfa_failed", address=client_address(request))
        return page(request, "mfa/verify.html", status_code=400, expired=True, login_url=flow.login_url(tenant),
                    errors=_errors(request, {"code": Msg(LOCKED)}))
    method = await service.check_code(db, request.app.state.settings, user, data.get("code", ""))
    if method is None:
        await _refused(request, user, tenant)
        return page(request, "mfa/verify.html", status_code=400, login_url=flow.login_url(tenant),
                    errors=_errors(request, {"code": Msg(service.WRONG_CODE)}))
    await auth.audit_account(db, user, "auth.mfa_verified", tenant, data={"method": method})
    if method == "recovery":
        left = await service.unused_recovery_codes(db, user.id)
        await auth.audit_account(db, user, "auth.mfa_recovery_used", tenant, data={"left": left})
    await flow.complete(request, db, user, tenant)
    return Redirect(target, status_code=303)


async def _enrolling(request: Request[Any, Any, Any], db: AsyncSession
                     ) -> tuple[User, Tenant | None, str | None] | None:
    """Who is enrolling: a pending sign-in (forced setup, next = its target) or a signed-in person (None)."""
    found = await flow.pending_user(request, db)
    if found is not None:
        return found
    principal = principal_of(request)
    if principal.user is None:
        return None
    return principal.user, principal.tenant, None


def _enrol_secret(request: Request[Any, Any, Any]) -> str:
    """The seed being enrolled, kept sealed in the session until a code confirms it."""
    settings = request.app.state.settings
    session = request.scope.get("session")
    session = dict(session) if isinstance(session, dict) else {}
    secret = service.unseal_secret(settings, session.get(flow.ENROL, "")) if session.get(flow.ENROL) else None
    if secret is None:
        secret = totp.new_secret()
        request.set_session({**session, flow.ENROL: service.seal_secret(settings, secret)})
    return secret


def _setup_page(request: Request[Any, Any, Any], user: User, secret: str, status_code: int = 200,
                errors: dict[str, str] | None = None, forced: bool = False) -> Template:
    uri = totp.provisioning_uri(secret, user.email)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return _no_store(page(request, "mfa/setup.html", status_code=status_code, qr=totp.qr_data_uri(uri),
                          secret=grouped, errors=errors or {}, forced=forced))


def _no_store(response: Template) -> Template:
    """Pages showing a seed or recovery codes stay out of every cache (and the browser's history cache)."""
    response.headers["Cache-Control"] = "no-store"
    return response


@get("/mfa/setup", opt={"action": PUBLIC})
async def setup_form(request: Request[Any, Any, Any], db: AsyncSession) -> Any:
    who = await _enrolling(request, db)
    if who is None:
        return Redirect("/login", status_code=303)
    if await service.factor_of(db, who[0].id) is not None:  # never a second seed past the first one's check
        return Redirect("/account/mfa" if who[2] is None else "/mfa/verify", status_code=303)
    return _setup_page(request, who[0], _enrol_secret(request), forced=who[2] is not None)


@post("/mfa/setup", opt={"action": PUBLIC})
async def setup(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    """A right code stores the seed; the recovery codes are shown this once."""
    who = await _enrolling(request, db)
    if who is None:
        return page(request, "mfa/verify.html", status_code=400, expired=True, login_url="/login",
                    errors=_errors(request, {"code": Msg(EXPIRED)}))
    user, tenant, target = who
    if await service.factor_of(db, user.id) is not None:
        return Redirect("/account/mfa" if target is None else "/mfa/verify", status_code=303)
    secret = _enrol_secret(request)
    try:
        codes = await service.confirm_enrolment(db, request.app.state.settings, user, secret, data.get("code", ""))
    except DomainError as exc:
        return _setup_page(request, user, secret, status_code=422, errors=_errors(request, exc.errors),
                           forced=target is not None)
    await auth.audit_account(db, user, "auth.mfa_enrolled", tenant)
    if target is not None:
        await flow.complete(request, db, user, tenant)
    else:
        session = dict(request.scope.get("session") or {})
        session.pop(flow.ENROL, None)
        request.set_session(session)
    return _no_store(page(request, "mfa/codes.html", codes=codes, next=target or "/account/mfa"))


@get("/account/mfa", opt={"action": AUTHENTICATED})
async def account(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _account_page(request, db)


async def _account_page(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                        errors: dict[str, str] | None = None) -> Template:
    user = principal_of(request).user
    factor = await service.factor_of(db, user.id)
    return page(request, "mfa/account.html", status_code=status_code, factor=factor, errors=errors or {},
                required=await service.is_required(db, user, request.app.state.settings),
                unused=await service.unused_recovery_codes(db, user.id) if factor else 0)


async def _current_code(request: Request[Any, Any, Any], db: AsyncSession, data: dict[str, str]
                        ) -> tuple[User, Template | None]:
    """The signed-in user, or the account page with an error when the code is wrong (counted, audited)."""
    principal = principal_of(request)
    user = await db.get(User, principal.user.id) or principal.user
    if await service.check_code(db, request.app.state.settings, user, data.get("code", "")) is None:
        await _refused(request, user, principal.tenant)
        return user, await _account_page(request, db, status_code=400,
                                         errors=_errors(request, {"code": Msg(service.WRONG_CODE)}))
    return user, None


@post("/account/mfa/disable", opt={"action": AUTHENTICATED})
async def disable(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    """Turn the second factor off with a current code; not when it is required for this person."""
    principal = principal_of(request)
    if await service.is_required(db, principal.user, request.app.state.settings):
        return await _account_page(request, db, status_code=422, errors=_errors(request, {
            "code": Msg("Your role requires a second factor, so it cannot be turned off.")}))
    user, refused = await _current_code(request, db, data)
    if refused is not None:
        return refused
    await service.disable(db, user)
    await auth.audit_account(db, user, "auth.mfa_disabled", principal.tenant)
    return Redirect("/account/mfa", status_code=303)


@post("/account/mfa/recovery-codes", opt={"action": AUTHENTICATED})
async def renew_codes(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    """Ten new recovery codes (the old ones stop working), with a current code."""
    user, refused = await _current_code(request, db, data)
    if refused is not None:
        return refused
    codes = await service.new_recovery_codes(db, user)
    await auth.audit_account(db, user, "auth.mfa_recovery_codes_renewed", principal_of(request).tenant)
    return _no_store(page(request, "mfa/codes.html", codes=codes, next="/account/mfa"))


@get("/t/{slug:str}/mfa/settings", opt={"action": "mfa.configure"})
async def tenant_settings(request: Request[Any, Any, Any], slug: str) -> Template:
    return page(request, "mfa/settings.html", form={})


@post("/t/{slug:str}/mfa/settings", opt={"action": "mfa.configure"})
async def save_tenant_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    """Whether this tenant's admins must use a second factor (mediators always must)."""
    choice = data.get("mfa_required_for_admins", "")
    if choice not in NOT_REQUIRED_CHOICES:
        return page(request, "mfa/settings.html", status_code=422, form={}, errors=_errors(request, {
            "mfa_required_for_admins": Msg("Choose yes or no.")}))
    tenant = await db.get(Tenant, tenant_of(request).id)
    assert tenant is not None  # the middleware found it by its slug
    required = NOT_REQUIRED_CHOICES[choice]
    if tenant.mfa_required_for_admins != required:
        tenant.mfa_required_for_admins = required
        await record(db, principal_of(request), "mfa.admins_required_changed", subject=tenant,
                     summary="on" if required else "off", data={"required": required})
    return Redirect(f"/t/{slug}/mfa/settings?saved=1", status_code=303)


async def _reset_page(request: Request[Any, Any, Any], db: AsyncSession, membership: Any,
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
    has_factor = await service.factor_of(db, membership.user_id) is not None
    return page(request, "mfa/reset.html", status_code=status_code, membership=membership, has_factor=has_factor,
                errors=errors or {})


@get("/t/{slug:str}/people/members/{membership_id:uuid}/mfa", opt={"action": "mfa.reset"})
async def reset_form(request: Request[Any, Any, Any], db: AsyncSession, membership_id: UUID) -> Template:
    return await _reset_page(request, db, await get_or_404(db, Membership, membership_id))


@post("/t/{slug:str}/people/members/{membership_id:uuid}/mfa", opt={"action": "mfa.reset"})
async def reset(request: Request[Any, Any, Any], db: AsyncSession, slug: str, membership_id: UUID) -> Any:
    """A member lost both authenticator and recovery codes: the admin (or the mediator) removes the factor."""
    membership = await get_or_404(db, Membership, membership_id)
    principal = principal_of(request)
    try:
        user = await service.reset_for_member(db, principal, membership)
    except DomainError as exc:
        return await _reset_page(request, db, membership, _errors(request, exc.errors), 422)
    await record(db, principal, "mfa.reset", subject=membership, summary=user.email,
                 data={"user_id": str(user.id)})
    return Redirect(f"/t/{slug}/people/members/{membership_id}/mfa?done=1", status_code=303)


ROUTES: list[Any] = [verify_form, verify, setup_form, setup, account, disable, renew_codes, tenant_settings,
                     save_tenant_settings, reset_form, reset]
