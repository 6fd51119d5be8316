"""Web routes of sso: the sign-in redirect and callback (per tenant, and for mediators), the admin's settings.

The flow: `start` keeps a fresh state, nonce and PKCE verifier in the session and sends the browser to the
provider; `callback` takes them out again (single use), exchanges the code, validates the ID token and
then starts the session exactly as a password sign-in does. Every refusal is audited with its reason and
answered with one plain, translated page (400) that names the kind of problem and nothing more.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.permissions import PUBLIC
from core.auth.routes import _safe_next
from core.auth.service import audit_account, start_session
from core.errors import DomainError
from core.i18n import N_
from core.sso import config, oidc, service
from core.sso.oidc import Pending, RelyingParty, SsoFailure
from core.web.forms import Form, lang_of, principal_of, tenant_of
from core.web.render import form_errors, page

CONFIGURE = "sso.configure"
PUBLIC_OPT = {"action": PUBLIC}
SESSION_KEY = "oidc"

MESSAGES = {
    "state": N_("This sign-in was started in another window or took too long. Please start again."),
    "denied": N_("The sign-in was cancelled at the identity provider."),
    "issuer": N_("The answer did not come from this organisation's identity provider."),
    "audience": N_("The identity provider's answer was meant for another application."),
    "expired": N_("The sign-in at the identity provider has expired. Please sign in again."),
    "signature": N_("The identity provider's answer could not be verified."),
    "token": N_("The identity provider's answer could not be verified."),
    "nonce": N_("This answer does not belong to this sign-in. Please start again."),
    "email": N_("The identity provider did not send a verified e-mail address."),
    "domain": N_("Your e-mail address may not sign in to this organisation."),
    "inactive": N_("Your account has been deactivated. Ask your administrator."),
    "no_account": N_("There is no account for you here. Ask your administrator for an invitation."),
    "unreachable": N_("The identity provider could not be reached. Try again later."),
    "not_configured": N_("Single sign-on is not set up here."),
}


def _redirect_uri(request: Request[Any, Any, Any], slug: str | None) -> str:
    base = request.app.state.settings.base_url
    return f"{base}/t/{slug}/sso/callback" if slug else f"{base}/sso/callback"


def _failed(request: Request[Any, Any, Any], failure: SsoFailure, slug: str | None) -> Template:
    message = MESSAGES.get(failure.reason, MESSAGES["token"])
    return page(request, "sso/failed.html", status_code=400, message=message,
                login_url=f"/t/{slug}/login" if slug else "/login")


async def _start(request: Request[Any, Any, Any], rp: RelyingParty, slug: str | None, next_path: str) -> Redirect:
    doc = await oidc.discover(rp.issuer, request.app.state.settings)
    pending = Pending.new()
    session = dict(request.session or {})
    session[SESSION_KEY] = {"state": pending.state, "nonce": pending.nonce, "verifier": pending.verifier,
                            "where": slug or "", "issuer": rp.issuer, "next": next_path}
    request.set_session(session)
    return Redirect(oidc.authorization_url(doc, rp, _redirect_uri(request, slug), pending), status_code=303)


def _take_pending(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    """The pending sign-in, removed from the session so a callback URL works once."""
    session = dict(request.session or {})
    pending = session.pop(SESSION_KEY, None)
    if pending is not None:
        request.set_session(session)
    return pending if isinstance(pending, dict) else None


async def _complete(request: Request[Any, Any, Any], rp: RelyingParty, slug: str | None) -> tuple[dict[str, Any],
                                                                                                 dict[str, Any]]:
    """The validated ID-token claims of this callback, and what its start kept."""
    pending = _take_pending(request)
    query = request.query_params
    given = str(query.get("state") or "")
    if (pending is None or pending.get("where") != (slug or "") or pending.get("issuer") != rp.issuer
            or not given or not secrets.compare_digest(given, str(pending.get("state", "")))):
        raise SsoFailure("state")
    if query.get("error"):
        raise SsoFailure("denied")
    code = str(query.get("code") or "")
    if not code:
        raise SsoFailure("token")
    settings = request.app.state.settings
    doc = await oidc.discover(rp.issuer, settings)
    tokens = await oidc.exchange_code(doc, rp, code, _redirect_uri(request, slug), str(pending["verifier"]),
                                      settings)
    claims = await oidc.verify_id_token(tokens["id_token"], doc, rp, str(pending["nonce"]), settings)
    return claims, pending


@get("/t/{slug:str}/sso/start", opt=PUBLIC_OPT)
async def tenant_start(request: Request[Any, Any, Any], db: AsyncSession, slug: str,
                       next: str | None = None) -> Any:
    try:
        provider = await service.provider_of(db)
        if service.login_button(provider) is None:
            raise SsoFailure("not_configured")
        rp = service.relying_party(provider, request.app.state.settings)  # type: ignore[arg-type]
        return await _start(request, rp, slug, _safe_next(next, f"/t/{slug}/"))
    except SsoFailure as failure:
        await service.audit_failure(request.app.state.sessionmaker, tenant_of(request), failure)
        return _failed(request, failure, slug)


@get("/t/{slug:str}/sso/callback", opt=PUBLIC_OPT)
async def tenant_callback(request: Request[Any, Any, Any], db: AsyncSession, slug: str) -> Any:
    tenant = tenant_of(request)
    try:
        provider = await service.provider_of(db)
        if service.login_button(provider) is None:
            raise SsoFailure("not_configured")
        rp = service.relying_party(provider, request.app.state.settings)  # type: ignore[arg-type]
        claims, pending = await _complete(request, rp, slug)
        user = await service.member_for(db, provider, claims)  # type: ignore[arg-type]
    except SsoFailure as failure:
        await service.audit_failure(request.app.state.sessionmaker, tenant, failure)
        return _failed(request, failure, slug)
    # no local second factor after SSO, by design: the organisation's provider owns sign-in strength
    await start_session(request, user)
    await audit_account(db, user, "auth.signed_in", tenant, data={"method": "oidc"})
    return Redirect(_safe_next(pending.get("next"), f"/t/{slug}/"), status_code=303)


@get("/sso/start", opt=PUBLIC_OPT)
async def mediator_start(request: Request[Any, Any, Any], next: str | None = None) -> Any:
    rp = service.mediator_party(request.app.state.settings)
    try:
        if rp is None:
            raise SsoFailure("not_configured")
        return await _start(request, rp, None, _safe_next(next, "/mediator/"))
    except SsoFailure as failure:
        await service.audit_failure(request.app.state.sessionmaker, None, failure)
        return _failed(request, failure, None)


@get("/sso/callback", opt=PUBLIC_OPT)
async def mediator_callback(request: Request[Any, Any, Any], db: AsyncSession) -> Any:
    rp = service.mediator_party(request.app.state.settings)
    try:
        if rp is None:
            raise SsoFailure("not_configured")
        claims, pending = await _complete(request, rp, None)
        user = await service.mediator_for(db, claims)
    except SsoFailure as failure:
        await service.audit_failure(request.app.state.sessionmaker, None, failure)
        return _failed(request, failure, None)
    # no local second factor here either: the consultancy's provider owns the mediators' sign-in strength
    await start_session(request, user)
    await audit_account(db, user, "auth.signed_in", None, data={"method": "oidc"})
    return Redirect(_safe_next(pending.get("next"), "/mediator/"), status_code=303)


async def _settings_page(request: Request[Any, Any, Any], db: AsyncSession, status_code: int = 200,
                         **extra: Any) -> Template:
    provider = await service.provider_of(db)
    context: dict[str, Any] = {
        "provider": provider, "form": await config.form_of(db, provider),
        "secret_set": bool(provider and provider.client_secret_sealed),
        "redirect_uri": _redirect_uri(request, tenant_of(request).slug),
        "saved": bool(request.query_params.get("saved")),
    }
    context.update(extra)
    return page(request, "sso/settings.html", status_code=status_code, **context)


@get("/t/{slug:str}/sso/", opt={"action": CONFIGURE})
async def settings_form(request: Request[Any, Any, Any], db: AsyncSession) -> Template:
    return await _settings_page(request, db)


@post("/t/{slug:str}/sso/", opt={"action": CONFIGURE})
async def save_settings(request: Request[Any, Any, Any], db: AsyncSession, slug: str, data: Form) -> Any:
    try:
        await config.save_settings(db, principal_of(request), dict(data), request.app.state.settings)
    except DomainError as exc:
        form = {k: v for k, v in dict(data).items() if k != "client_secret"}
        for flag in ("jit_enabled", "enabled", "local_passwords_enabled"):
            form[flag] = flag in data
        return await _settings_page(request, db, status_code=exc.status_code, form=form,
                                    errors=form_errors(exc.errors, lang_of(request)))
    return Redirect(f"/t/{slug}/sso/?saved=1", status_code=303)


ROUTES: list[Any] = [tenant_start, tenant_callback, mediator_start, mediator_callback, settings_form, save_settings]
