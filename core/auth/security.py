"""Account security: one clock, a rotating session id, and the checks that end a session.

A session holds `uid`, `epoch` (the user's `session_epoch` at sign-in), `since` and `seen` (ISO times).
It ends when the user's epoch moved on (role change, password reset, "sign out everywhere"), after
`session_idle_hours` without a request, or `session_absolute_hours` after sign-in.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Message

from core.db.base import as_utc

ROTATE = "regie.rotate_session"
"""Scope key set at sign-in: the response stores the session under a new id and drops the old one."""
SEEN_EVERY = timedelta(minutes=1)
"""How often `seen` moves on: a session that did not change is not written back with every response
(`core/web/session_store.py`). The idle limit may therefore end a session up to this much early."""


def clock() -> datetime:
    """Now, in UTC; tests replace this one function to move time."""
    return datetime.now(UTC)


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar keeps the cookie's session id for life; this one issues a fresh id when asked (at sign-in),
    so an id planted or seen before sign-in is worthless afterwards (session fixation)."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(ROTATE):
            if not state.get(ROTATE + ".id"):
                state[ROTATE + ".id"] = self.generate_session_id()
            return str(state[ROTATE + ".id"])
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Message,
                               connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        state = connection.scope.get("state", {})
        old = connection.cookies.get(self.config.key)
        if state.get(ROTATE) and old and old != "null":
            await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]


def new_session(user: Any) -> dict[str, Any]:
    now = clock().isoformat()
    return {"uid": str(user.id), "epoch": int(user.session_epoch or 0), "since": now, "seen": now}


def session_valid(raw: dict[str, Any], user: Any, settings: Any) -> bool:
    """Whether this session may still act for `user`; refreshes `seen` when it may."""
    if int(raw.get("epoch", 0)) != int(user.session_epoch or 0):
        return False
    now = clock()
    try:
        since = datetime.fromisoformat(raw["since"])
        seen = datetime.fromisoformat(raw.get("seen") or raw["since"])
    except (KeyError, TypeError, ValueError):
        return False
    if now - as_utc(since) > timedelta(hours=settings.session_absolute_hours):
        return False
    if now - as_utc(seen) > timedelta(hours=settings.session_idle_hours):
        return False
    if now - as_utc(seen) >= SEEN_EVERY:
        raw["seen"] = now.isoformat()
    return True


def client_network(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """What a public form's rate limit counts by: the client's IPv4 address, or the /64 network of an IPv6 one
    (one home or server holds a whole /64, so counting single IPv6 addresses lets it rotate past any limit)."""
    address = client_address(connection)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client address the lockout and the rate limit count by: the connection's peer, which the server
    replaces with X-Forwarded-For only for the proxies named in FORWARDED_ALLOW_IPS (`regie serve`).
    Headers are never read here: any client can send them."""
    client = connection.scope.get("client")
    return str(client[0]) if client else ""
