"""The sign-in between a right password and a started session: a short-lived pending sign-in.

After the password, `challenge` keeps only the user id, the tenant, where to go next and an expiry in the
(freshly re-keyed) session, and sends the person to `/mfa/verify` (enrolled) or `/mfa/setup` (required but
not enrolled). Only a right code turns it into a real session (`complete`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import security
from core.auth import service as auth
from core.auth.models import User
from core.auth.security import ROTATE
from core.db.base import as_utc
from core.mfa import service
from core.tenancy.models import Tenant

PENDING = "mfa_pending"
ENROL = "mfa_enrol"
"""The sealed seed of an enrolment in progress (stored only once confirmed with a code)."""
PENDING_MINUTES = 5


async def challenge(request: Any, db: AsyncSession, user: User, tenant: Tenant | None, target: str
                    ) -> Redirect | None:
    """None when the session may start now; else a redirect to the second step (a pending sign-in)."""
    enrolled = await service.factor_of(db, user.id) is not None
    if not enrolled and not await service.is_required(db, user, request.app.state.settings):
        return None
    expires = security.clock() + timedelta(minutes=PENDING_MINUTES)
    request.clear_session()
    request.scope.setdefault("state", {})[ROTATE] = True
    request.set_session({PENDING: {"uid": str(user.id), "tenant": str(tenant.id) if tenant else "",
                                   "next": target, "exp": expires.isoformat()}})
    return Redirect("/mfa/verify" if enrolled else "/mfa/setup", status_code=303)


def pending_data(request: Any) -> dict[str, str] | None:
    """The pending sign-in of this browser if it has not expired (an expired one is dropped)."""
    session = request.scope.get("session")
    raw = session.get(PENDING) if isinstance(session, dict) else None
    if not isinstance(raw, dict):
        return None
    try:
        expires = datetime.fromisoformat(str(raw.get("exp")))
    except ValueError:
        expires = None
    if expires is None or as_utc(expires) <= security.clock():
        request.clear_session()
        return None
    return raw


async def pending_user(request: Any, db: AsyncSession) -> tuple[User, Tenant | None, str] | None:
    """(user, tenant, next) of a valid pending sign-in, for an active user."""
    raw = pending_data(request)
    if raw is None:
        return None
    try:
        user = await db.get(User, UUID(raw["uid"]))
        tenant = await db.get(Tenant, UUID(raw["tenant"])) if raw.get("tenant") else None
    except (KeyError, ValueError):
        return None
    if user is None or not user.is_active:
        return None
    return user, tenant, str(raw.get("next") or "/")


async def complete(request: Any, db: AsyncSession, user: User, tenant: Tenant | None) -> None:
    """The second factor was right: failures are forgiven, the real session starts (under a new id)."""
    user.failed_logins, user.failed_login_at, user.locked_until = 0, None, None
    await auth.start_session(request, user)
    await auth.audit_account(db, user, "auth.signed_in", tenant, data={"mfa": True})


def login_url(tenant: Tenant | None) -> str:
    return f"/t/{tenant.slug}/login" if tenant is not None else "/login"
