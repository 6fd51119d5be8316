"""Rendering pages: one helper adds what every template needs (language, principal, tenant, nav)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.enums import MediaType
from litestar.response import Template

from core.auth.permissions import can as allowed
from core.i18n import gettext_for
from core.web.nav import navigation


def permission_check(principal: Any) -> Callable[[str], bool]:
    """`can(action)` for templates: the matrix applied to the principal's roles; False when nobody is signed in."""
    roles: frozenset[str] = principal.roles if principal is not None and principal.user is not None else frozenset()

    def can(action: str) -> bool:
        return allowed(roles, action)

    return can


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
        "nav": navigation(request, principal, tenant, lang),
        "request": request,
        "errors": {},
        "form": {},
    }
    base.update(context)
    # explicit: a handler annotated `-> Any` (a page or a redirect) would otherwise send its page as JSON
    return Template(template_name=template, context=base, status_code=status_code, media_type=MediaType.HTML)


def form_errors(errors: dict[str, Any], lang: str) -> dict[str, str]:
    return {k: (v.render(lang) if hasattr(v, "render") else str(v)) for k, v in errors.items()}
