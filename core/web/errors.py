"""Turning errors into responses: JSON with field and reason under /api, a page otherwise. Never a 500 page
for bad input."""

from __future__ import annotations

import logging
import re
from typing import Any, TypedDict

from litestar import Litestar, MediaType, Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect
from sqlalchemy.exc import IntegrityError

from core.auth.permissions import NotAuthenticated
from core.errors import DomainError, NotFound, PermissionDenied
from core.i18n import N_, gettext_for
from core.tenancy.scope import TenantScopeError
from core.web.render import page

log = logging.getLogger("regie.web")
SECRET_IN_PATH = re.compile(r"(/invitation/|/digest/unsubscribe/|/community/signin/)[^/?#]+")


def _loggable(path: str) -> str:
    """Paths with secrets (invitation tokens) are masked before they reach a log."""
    return SECRET_IN_PATH.sub(r"\1***", path)


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _lang(request: Request[Any, Any, Any]) -> str:
    return request.scope.get("state", {}).get("lang", "nl")


def _stranger(request: Request[Any, Any, Any]) -> bool:
    """Nobody of the tenant in the path (anonymous, or another tenant's user): has no roles in it."""
    principal = request.scope.get("state", {}).get("principal")
    return not (principal is not None and principal.roles)


def _error(request: Request[Any, Any, Any], status: int, errors: list[dict[str, str]], title: str) -> Response:
    if _is_api(request):
        return Response({"status": status, "errors": errors}, status_code=status, media_type=MediaType.JSON)
    # a stranger's error page under /t/<slug>/ names nothing of that tenant (its name, its phase, its links)
    hidden: dict[str, Any] = {"tenant": None} if _stranger(request) else {}
    return page(request, "error.html", status_code=status, title=title, messages=errors, **hidden)


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response:
    lang = _lang(request)
    errors = [{"field": f, "reason": m} for f, m in exc.rendered(lang).items()]
    return _error(request, exc.status_code, errors, gettext_for(lang)("That did not work"))


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            errors.append({"field": str(item.get("key") or item.get("source") or "body"),
                           "reason": str(item.get("message", "invalid"))})
    if not errors:
        errors.append({"field": "body", "reason": str(exc.detail)})
    return _error(request, 400, errors, gettext_for(_lang(request))("Invalid input"))


def permission_denied(request: Request[Any, Any, Any], exc: PermissionDenied) -> Response:
    _ = gettext_for(_lang(request))
    return _error(request, 403, [{"field": "__all__", "reason": _("You are not allowed to do this.")}],
                  _("Not allowed"))


def not_authenticated(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response:
    _ = gettext_for(_lang(request))
    if _is_api(request):
        return Response({"status": 401, "errors": [{"field": "authorization",
                                                     "reason": _("A valid API token is required.")}]},
                        status_code=401, headers={"WWW-Authenticate": "Bearer"})
    tenant = request.scope.get("state", {}).get("tenant")
    login = f"/t/{tenant.slug}/login" if tenant else "/login"
    if request.headers.get("hx-request"):
        return Response("", status_code=401, headers={"HX-Redirect": login})
    return Redirect(f"{login}?next={request.url.path}", status_code=303)


def not_found(request: Request[Any, Any, Any], exc: Exception) -> Response:
    _ = gettext_for(_lang(request))
    if isinstance(exc, TenantScopeError):
        log.error("tenant scope violation on %s: %s", _loggable(request.url.path), exc)
    return _error(request, 404, [{"field": "__all__", "reason": _("This page does not exist.")}],
                  _("Not found"))


HTTP_REASONS = {
    403: ("csrf", N_("This form has expired. Reload the page and try again.")),
    405: ("__all__", N_("This action is not possible here.")),
    413: ("file", N_("The upload is too large.")),
    415: ("content-type", N_("Send the body as JSON with Content-Type: application/json.")),
    429: ("__all__", N_("Too many attempts. Wait a minute and try again.")),
}


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response:
    """Framework errors in the user's language; only the CSRF 403 reaches here (permissions have their own)."""
    _ = gettext_for(_lang(request))
    status = exc.status_code
    if status in HTTP_REASONS and (status != 403 or "csrf" in str(exc.detail).lower()):
        field, msgid = HTTP_REASONS[status]
        reason = _(msgid)
    elif status >= 500:
        field, reason = "__all__", _("Something went wrong on our side.")
    else:
        field, reason = "__all__", str(exc.detail)
    return _error(request, status, [{"field": field, "reason": reason}], _("That did not work"))


def conflict(request: Request[Any, Any, Any], exc: IntegrityError) -> Response:
    """Two people saving at once (a version number or a unique name taken meanwhile): ask to retry."""
    _ = gettext_for(_lang(request))
    log.info("integrity conflict on %s: %s", _loggable(request.url.path), exc.orig)
    return _error(request, 409, [{"field": "__all__", "reason": _(
        "Someone else changed this at the same moment. Reload the page and try again.")}],
        _("That did not work"))


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response:
    log.exception("unhandled error on %s", _loggable(request.url.path), exc_info=exc)
    _ = gettext_for(_lang(request))
    return _error(request, 500, [{"field": "__all__", "reason": _("Something went wrong on our side.")}],
                  _("That did not work"))


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    ValidationException: validation_error,
    PermissionDenied: permission_denied,
    NotAuthenticated: not_authenticated,
    NotFound: not_found,
    NotFoundException: not_found,
    TenantScopeError: not_found,
    HTTPException: http_error,
    IntegrityError: conflict,
    Exception: server_error,
}


class FieldError(TypedDict):
    field: str
    reason: str


class ApiError(TypedDict):
    """The one error body every /api answer uses (see `_error`), so clients can rely on field + reason."""

    status: int
    errors: list[FieldError]


API_ERROR_RESPONSES: dict[int, ResponseSpec] = {
    code: ResponseSpec(data_container=ApiError, description=description, generate_examples=False)
    for code, description in ((400, "Bad request: malformed or invalid input"),
                              (401, "No valid API token"),
                              (403, "Not allowed for this token's role"),
                              (404, "Not found in this tenant"),
                              (409, "Conflict: the current state does not allow this"),
                              (413, "Upload too large"),
                              (415, "The body is not application/json on a route that takes JSON"),
                              (422, "Invalid input: field and reason"),
                              (429, "Too many requests"))
}


def document_api_errors(app: Litestar) -> None:
    """Declare the error answers on every API operation, so the OpenAPI schema is true to what is returned.

    Litestar only documents 400 (with its own body shape, not ours) and routers cannot carry `responses`,
    so the shared error body is added to each /api handler once, before the schema is first built.
    """
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            handler.responses = {**API_ERROR_RESPONSES, **(handler.responses or {})}
