"""Changing one's own password while signed in (`/account/password`, also under a tenant's path).

The current password is asked again: a borrowed or stolen session alone cannot take over the account.
A wrong one counts as a failed sign-in (the same lockout, per client address), and while the account is
locked for this address nothing is checked. On success every session of the person ends (`session_epoch` is
raised) and this browser gets a fresh session under a new id, so it stays signed in while every other browser
and device is signed out.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth import service
from core.auth.models import User
from core.auth.passwords import hash_password, password_problem, verify_password
from core.auth.permissions import AUTHENTICATED
from core.auth.security import client_address
from core.errors import DomainError, NotFound
from core.i18n import Msg
from core.tenancy.models import Tenant
from core.web.forms import Form, lang_of, principal_of
from core.web.render import form_errors, page

OPT = {"action": AUTHENTICATED}
WRONG_CURRENT = "The current password is not correct."
FAILED = "auth.password_change_failed"


async def change_password(db: AsyncSession, sessionmaker: async_sessionmaker[AsyncSession], settings: Any,
                          user: User, tenant: Tenant | None, data: dict[str, Any], address: str = "") -> User:
    """Check the current password and the new one's rules; set it and end every session of the person."""
    current, new, repeat = (str(data.get(k) or "") for k in ("current_password", "password", "password_repeat"))
    user = await db.get(User, user.id) or user
    if await service.is_locked(db, user, address):
        await service.note_failed_login(sessionmaker, settings, user.email, "locked", tenant, action=FAILED,
                                        address=address)
        raise DomainError(field="current_password", msgid=service.LOCKED)
    if user.password_hash is None:
        raise DomainError(field="current_password",
                          msgid="This account has no password yet; set one with the reset link on the sign-in page.")
    if not verify_password(user.password_hash, current):
        await service.note_failed_login(sessionmaker, settings, user.email, "wrong_password", tenant, action=FAILED,
                                        address=address)
        raise DomainError(field="current_password", msgid=WRONG_CURRENT)
    errors: dict[str, Msg] = {}
    if problem := password_problem(new, email=user.email, tenant_name=tenant.name if tenant else ""):
        errors["password"] = Msg(problem)
    elif new == current:
        errors["password"] = Msg("Choose a new password that differs from the current one.")
    elif new != repeat:
        errors["password_repeat"] = Msg("The passwords do not match.")
    if errors:
        raise DomainError(errors)
    user.password_hash = hash_password(new)
    user = await service.end_all_sessions(db, user)
    await service.audit_account(db, user, "auth.password_changed", tenant)
    return user


def _tenant(request: Request[Any, Any, Any]) -> Tenant | None:
    """The page's tenant; someone with no role there (another tenant's user) finds nothing."""
    principal = principal_of(request)
    if principal.tenant is not None and not principal.roles:
        raise NotFound()
    return principal.tenant  # type: ignore[no-any-return]


def _path(tenant: Tenant | None) -> str:
    return f"/t/{tenant.slug}/account/password" if tenant is not None else "/account/password"


def _page(request: Request[Any, Any, Any], tenant: Tenant | None, status_code: int = 200,
          errors: dict[str, str] | None = None, changed: bool = False) -> Template:
    return page(request, "auth/password_change.html", status_code=status_code, errors=errors or {},
                changed=changed, action=_path(tenant))


@get(["/account/password", "/t/{slug:str}/account/password"], opt=OPT)
async def password_form(request: Request[Any, Any, Any], changed: str | None = None) -> Template:
    return _page(request, _tenant(request), changed=bool(changed))


@post(["/account/password", "/t/{slug:str}/account/password"], opt=OPT)
async def password_change(request: Request[Any, Any, Any], db: AsyncSession, data: Form) -> Any:
    tenant = _tenant(request)
    app = request.app
    try:
        user = await change_password(db, app.state.sessionmaker, app.state.settings, principal_of(request).user,
                                     tenant, data, address=client_address(request))
    except DomainError as exc:
        return _page(request, tenant, status_code=exc.status_code, errors=form_errors(exc.errors, lang_of(request)))
    await service.start_session(request, user)  # this browser: a fresh id under the new epoch
    return Redirect(_path(tenant) + "?changed=1", status_code=303)


ROUTES = [password_form, password_change]
