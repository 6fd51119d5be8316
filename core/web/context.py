"""Per-request context: the tenant from the path, the principal, the language.

This middleware is where a request gets its tenant; it binds the tenancy context variable, so
everything downstream (queries, inserts, hooks) is scoped without a handler doing anything.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from sqlalchemy import select

from core.auth.models import User
from core.auth.principal import Principal, principal_from_token, tenant_roles
from core.auth.security import session_valid
from core.i18n import normalise
from core.mediator.reads import audit_mediator_read, is_cross_tenant_read
from core.notifications.service import unread_count
from core.plugins.context import hook_context
from core.plugins.host import TenantPlugins, close_activations_scope, open_activations_scope
from core.plugins.records import BANNER_LEVELS, Banner, NavEntry
from core.tenancy.models import Tenant
from core.tenancy.scope import _cross, _tenant

SLUG_FORM = re.compile(r"[a-z0-9][a-z0-9-]*")
TENANT_PATH = re.compile(rf"^/(?:api/v1/)?t/(?P<slug>{SLUG_FORM.pattern})(?:/|$)")
TENANT_SEGMENT = re.compile(r"^/(?:api/v1/)?t/(?P<slug>[^/]*)(?:/|$)")
"""Any path under a tenant, also with a slug TENANT_PATH refuses (upper case, other characters)."""
RAW_TENANT_SEGMENT = re.compile(rb"^(/(?:api/v1/)?t/)([^/?]*)")
LANG_COOKIE = "regie_lang"


class RequestContextMiddleware(ASGIMiddleware):
    scopes = ("http",)  # type: ignore[assignment]

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope["path"]
        if path.startswith("/static/"):
            await next_app(scope, receive, send)
            return
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        match = TENANT_PATH.match(path)
        if match is None and TENANT_SEGMENT.match(path):
            await _not_canonical(scope, send)
            return
        tenant_token = _tenant.set(None)
        cross_token = _cross.set(False)
        answers_token = open_activations_scope()  # the request's one answer to "which plugins are active here"
        app_state = scope["app"].state
        # the request's one database session: the handler's `db` is this same session (one connection, one
        # transaction, committed or rolled back as the response starts), and what is read here (the tenant, the
        # user) is already in its identity map when the handler asks again
        session = app_state.db_config.provide_session(app_state, scope)
        try:
            principal = Principal()
            if match:
                tenant = await _tenant_of(session, match["slug"])
                if tenant is None:
                    raise NotFoundException()
                _tenant.set(tenant.id)
                principal.tenant = tenant
            user = await _user(session, connection, path)
            if user is not None:
                principal = await tenant_roles(session, user, principal.tenant) if principal.tenant \
                    else Principal(user=user, roles=frozenset({"mediator"} if user.is_mediator else ()))
            elif match and path.startswith("/api/"):
                principal = await _token_principal(session, connection, principal)
                if connection.headers.get("authorization"):
                    # a token's use or refusal is on record whatever the call then answers
                    await session.commit()
            if principal.user is not None and scope["method"] == "GET" and is_cross_tenant_read(principal):
                # its own short transaction: a mediator's read is on record even when the page then fails
                async with app_state.sessionmaker() as audit, audit.begin():
                    await audit_mediator_read(audit, principal, path, scope.get("session"))
            lang = _language(connection, principal)
            plugins = await app_state.pm.for_tenant(session) if principal.tenant is not None else None
            # what only the layout shows (navigation, banners, the bell's count) is left out of API calls and htmx
            # fragments: a poll every second per open inbox reads none of it
            page = principal.user is not None and _full_page(connection, path)
            # no roles here (another tenant's user): no plugin entries, they would tell which plugins are active
            full = page and bool(principal.roles)
            nav = await _plugin_nav(scope, session, principal, plugins, lang) if full else []
            banners = await _plugin_banners(session, principal, plugins, lang) if full else []
            unread = await unread_count(session, principal.user.id) \
                if page and principal.tenant is not None else 0
            state = scope.setdefault("state", {})
            state["principal"] = principal
            state["tenant"] = principal.tenant
            state["lang"] = lang
            # the tenant's active plugins (None outside a tenant); services get the same answer from
            # `pm.for_tenant(session)` without asking the database again
            state["plugins"] = plugins
            state["plugin_nav"] = nav
            state["unread"] = unread
            state["banners"] = banners
            await next_app(scope, receive, send)
        finally:
            await session.close()  # the response already committed it; after an error this rolls back
            close_activations_scope(answers_token)
            _cross.reset(cross_token)
            _tenant.reset(tenant_token)


KNOWN_SLUGS: dict[str, Any] = {}
"""Slug → tenant id, as this process has seen them (a slug never changes; a handful of tenants)."""


async def _tenant_of(session: Any, slug: str) -> Tenant | None:
    """The tenant of a slug. A slug seen before puts its tenant in scope before the transaction's first
    statement, so on PostgreSQL the transaction's tenant setting is made once, not again after the lookup; the
    row read by its key is checked to still carry that slug (a tenant removed since is looked up again)."""
    known = KNOWN_SLUGS.get(slug)
    if known is not None:
        _tenant.set(known)
        tenant = await session.get(Tenant, known)
        if tenant is not None and tenant.slug == slug:
            return tenant
        _tenant.set(None)
        KNOWN_SLUGS.pop(slug, None)
    tenant = await session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None:
        KNOWN_SLUGS[slug] = tenant.id
    return tenant


async def _not_canonical(scope: Scope, send: Send) -> None:
    """A tenant path whose slug is not in canonical form: never routed without a tenant (handlers expect one).

    Slugs are lower case (`clean_slug`), so `/t/ACME/...` means `/t/acme/...`: a GET or HEAD is sent there
    with a 301, the query kept; any other method, and a slug that is no slug in any case, is a 404. The
    answer is the same whether such a tenant exists, so it tells nobody which slugs are taken.
    """
    source = (scope.get("raw_path") or scope["path"].encode()).split(b"?", 1)[0]  # some servers keep the query
    raw = RAW_TENANT_SEGMENT.match(source)
    slug = unquote(raw.group(2).decode("latin-1")).lower() if raw else ""
    if raw is None or scope["method"] not in ("GET", "HEAD") or not SLUG_FORM.fullmatch(slug):
        raise NotFoundException()
    location = raw.group(1) + slug.encode() + source[raw.end():]
    if scope.get("query_string"):
        location += b"?" + scope["query_string"]
    await send({"type": "http.response.start", "status": 301,
                "headers": [(b"location", location), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})


async def _user(session: Any, connection: ASGIConnection[Any, Any, Any, Any], path: str) -> User | None:
    """The session's user for web pages; API calls authenticate by token only (no CSRF exposure)."""
    if path.startswith("/api/"):
        return None
    raw = connection.scope.get("session") or {}
    uid = raw.get("uid") if isinstance(raw, dict) else None
    if not uid:
        return None
    from uuid import UUID

    try:
        user = await session.get(User, UUID(uid))
    except ValueError:
        return None
    if user is None or not user.is_active:
        return None
    if not session_valid(raw, user, connection.scope["app"].state.settings):
        connection.scope["session"] = Empty  # ended: the response clears the cookie and the stored session
        return None
    return user


async def _token_principal(session: Any, connection: ASGIConnection[Any, Any, Any, Any],
                           principal: Principal) -> Principal:
    header = connection.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or principal.tenant is None:
        return principal
    found = await principal_from_token(session, principal.tenant, header[7:].strip(),
                                       method=connection.scope["method"], path=connection.scope["path"])
    return found or principal


async def _plugin_nav(scope: Scope, session: Any, principal: Principal, plugins: TenantPlugins | None,
                      lang: str) -> list[dict[str, Any]]:
    """Navigation entries from the tenant's active plugins (`regie_nav`), the one for this page marked."""
    if not plugins or principal.tenant is None:
        return []
    ctx = hook_context(session, principal.tenant, lang, principal.user_id, roles=principal.roles)
    found = await plugins.collect("regie_nav", NavEntry, ctx=ctx)
    # the router drops a path's trailing slash: compare both with one, so ".../approvals/" is not the inbox
    path = scope["path"].rstrip("/") + "/"
    best = max((e.href for _p, e in found if path.startswith(e.href.rstrip("/") + "/")), key=len, default=None)
    # the plugin and its name: the navigation shows each plugin's entries under it (`core.web.nav`)
    return [{"label": e.label, "href": e.href, "active": e.href == best, "plugin": plugin,
             "group": plugins.host.label(plugin, lang)} for plugin, e in found]


def _full_page(connection: ASGIConnection[Any, Any, Any, Any], path: str) -> bool:
    """Pages get banners; the API and htmx fragments (polls, panels; not boosted navigation) do not."""
    if path.startswith("/api/"):
        return False
    headers = connection.headers
    return headers.get("hx-request") != "true" or headers.get("hx-boosted") == "true"


async def _plugin_banners(session: Any, principal: Principal, plugins: TenantPlugins | None,
                          lang: str) -> list[Banner]:
    """Banners from the tenant's active plugins (`regie_banners`), most severe first; one hook call per page."""
    if not plugins or principal.tenant is None or not plugins.host.implementers("regie_banners", plugins.names):
        return []
    ctx = hook_context(session, principal.tenant, lang, principal.user_id, roles=principal.roles)
    found = [b for _plugin, b in await plugins.collect("regie_banners", Banner, ctx=ctx)]
    return sorted(found, key=lambda b: BANNER_LEVELS.index(b.level))


def _language(connection: ASGIConnection[Any, Any, Any, Any], principal: Principal) -> str:
    if principal.user is not None:
        return normalise(principal.user.locale)
    return normalise(connection.cookies.get(LANG_COOKIE))
