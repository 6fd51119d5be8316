"""Rendering pages: one helper adds what every template needs (language, principal, tenant, nav)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.enums import MediaType
from litestar.exceptions import HTTPException
from litestar.response import Template

from core.auth.permissions import AUTHENTICATED, PUBLIC
from core.auth.permissions import can as allowed
from core.i18n import gettext_for
from core.web.nav import navigation


def permission_check(principal: Any) -> Callable[[str], bool]:
    """`can(action)` for templates: the matrix applied to the principal's roles; False when nobody is signed in."""
    roles: frozenset[str] = principal.roles if principal is not None and principal.user is not None else frozenset()

    def can(action: str) -> bool:
        return allowed(roles, action)

    return can


def reachable(request: Request[Any, Any, Any], principal: Any, href: str) -> bool:
    """Whether the guard would let `principal` open `href` (a GET), so no link leads to a refusal.

    Judged by the route's action in the matrix; a non-viewer member may be the `owner` of a plugin (its
    department), which only that plugin's own routes work out, so such links stay for every member."""
    action = _action_at(request, urlsplit(href).path)
    if action in (None, PUBLIC, AUTHENTICATED):
        return True
    roles = principal.roles if principal is not None and principal.user is not None else frozenset()
    membership = getattr(principal, "membership", None)
    if membership is not None and membership.role != "viewer":
        roles = roles | {"owner"}
    try:
        return allowed(roles, action)
    except KeyError:
        return True


def _action_at(request: Request[Any, Any, Any], path: str) -> str | None:
    """The action a GET of `path` needs (None: no route of this app, or none declared). Routing is fixed for the
    app's life, so each path is looked up once, not for every link of every page."""
    known: dict[str, str | None] = request.app.state.setdefault("_actions_by_path", {})
    if path not in known:
        try:
            handler = request.app.asgi_router.handle_routing(path, "GET")[1]
        except HTTPException:  # not a route of this app: not for this check to hide
            known[path] = None
        else:
            known[path] = handler.opt.get("action")
    return known[path]


def _href(entry: Any) -> str | None:
    return entry.get("href") if isinstance(entry, dict) else getattr(entry, "href", None)


def visible(request: Request[Any, Any, Any], principal: Any, entries: list[Any]) -> list[Any]:
    """The navigation without the links `principal` may not open (a plugin's entries name pages for workers and
    configurers too); groups of entries (`items`) are filtered alike and left out when emptied."""
    kept = []
    for entry in entries:
        href = _href(entry)
        if href and not reachable(request, principal, href):
            continue
        children = entry.get("items") if isinstance(entry, dict) else None
        if isinstance(children, list):
            entry = {**entry, "items": visible(request, principal, children)}
            if not entry["items"] and not href:
                continue
        kept.append(entry)
    return kept


def page(request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any) -> Template:
    """A full page (or, under `partials/`, a fragment) with the shared context filled in."""
    state = request.scope.get("state", {})
    lang = state.get("lang", "nl")
    principal = state.get("principal")
    tenant = state.get("tenant")
    base = {
        "_": gettext_for(lang),
        "lang": lang,
        "principal": principal,
        "can": permission_check(principal),
        "tenant": tenant,
        "nav": visible(request, principal, navigation(request, principal, tenant, lang)),
        "request": request,
        "errors": {},
        "form": {},
    }
    base.update(context)
    # explicit: a handler annotated `-> Any` (a page or a redirect) would otherwise send its page as JSON
    return Template(template_name=template, context=base, status_code=status_code, media_type=MediaType.HTML)


def form_errors(errors: dict[str, Any], lang: str) -> dict[str, str]:
    return {k: (v.render(lang) if hasattr(v, "render") else str(v)) for k, v in errors.items()}
