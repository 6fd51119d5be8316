"""What single sign-on changes on the password sign-in pages: the button, and refusing passwords when the
organisation switched them off (mediators always keep their password at /login)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import User
from core.auth.service import LoginRefused
from core.i18n import N_
from core.sso import service

BUTTON = "regie.sso_button"
"""Request-state key: the tenant's button, looked up once per sign-in request."""
PASSWORDS_OFF = N_("This organisation signs in with its own identity provider only. "
                   "Use the button \u201cSign in with {name}\u201d.")
PASSWORDS_OFF_ELSEWHERE = N_("Your organisation signs in with its own identity provider only. "
                             "Use the sign-in button on your organisation's sign-in page.")


def _with_next(href: str, next_path: str | None) -> str:
    return f"{href}?next={quote(next_path, safe='/')}" if next_path else href


async def tenant_button(db: AsyncSession, request: Any, next_path: str | None = None) -> dict[str, Any] | None:
    button = service.login_button(await service.provider_of(db))
    if button is not None:
        slug = request.scope["state"]["tenant"].slug
        button["href"] = _with_next(f"/t/{slug}/sso/start", next_path)
    request.scope["state"][BUTTON] = button
    return button


def platform_button(request: Any) -> dict[str, Any] | None:
    """The consultancy's own provider on /login, when configured in the environment."""
    party = service.mediator_party(request.app.state.settings)
    if party is None:
        return None
    return {"name": urlsplit(party.issuer).hostname or "SSO", "passwords": True, "href": "/sso/start"}


async def refuse_tenant_password(db: AsyncSession, request: Any) -> None:
    """Before any password is checked: this tenant may have switched passwords off."""
    button = await tenant_button(db, request)
    if button is not None and not button["passwords"]:
        error = LoginRefused("passwords_off")
        error.errors.clear()
        error.errors.update(_error(PASSWORDS_OFF, name=button["name"]))
        raise error


async def refuse_barred_password(request: Any, user: User) -> None:
    """After a correct password: a member of an SSO-only organisation still may not use it."""
    if await service.password_barred(request.app.state.sessionmaker, user):
        error = LoginRefused("passwords_off")
        error.errors.clear()
        error.errors.update(_error(PASSWORDS_OFF_ELSEWHERE))
        raise error


def _error(msgid: str, **params: Any) -> dict[str, Any]:
    from core.i18n import Msg

    return {"__all__": Msg(msgid, **params)}
