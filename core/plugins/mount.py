"""Mounting plugin routes under the tenant, behind the core's guards (tenant, activation, role)."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler

from core.auth.permissions import PUBLIC, action_of, authorise, check_access
from core.errors import PermissionDenied
from core.plugins.host import PluginHost, TenantPlugins


def require_active(plugin: str) -> Any:
    """Guard: a plugin's routes answer 404 'not enabled' unless it is active for the tenant.

    Only to the tenant's members (and the mediator): anyone else gets the refusal they would get on an
    active plugin (sign in, 401 or 403), so strangers cannot tell which plugins a tenant uses. Public pages
    (the webcare community) exist only while their plugin is active: that they show is their purpose.

    It also grants the role `owner` to members of the department that owns the plugin (by membership
    or workgroup seat), so the matrix can give the owning department rights other members lack.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        state = connection.scope.get("state", {})
        tenant = state.get("tenant")
        if tenant is None:
            raise NotFoundException(f"plugin {plugin} is not enabled")
        principal = state.get("principal")
        if not (principal is not None and principal.roles) and action_of(handler) != PUBLIC:
            # not of this tenant (anonymous, another tenant's user or token): refused before the activation
            # is looked at, so the answer is the same for an active and an inactive plugin
            check_access(connection, handler)
            raise PermissionDenied(action_of(handler) or "")
        plugins: TenantPlugins | None = state.get("plugins")  # the request's answer (`RequestContextMiddleware`)
        if plugins is None or plugin not in plugins:
            raise NotFoundException(f"plugin {plugin} is not enabled")
        if principal is not None and principal.user is not None \
                and in_department(principal, plugins.department_of(plugin)):
            principal.roles = principal.roles | {"owner"}

    return guard


def in_department(principal: Any, department_id: Any) -> bool:
    """A (non-viewer) member of the department by membership or workgroup seat: the plugin's `owner` role."""
    membership = principal.membership
    if department_id is None or membership is None or membership.role == "viewer":
        return False
    return membership.department_id == department_id or department_id in (principal.seat_department_ids or ())


def plugin_routers(pm: PluginHost) -> list[Router]:
    """Each plugin's pages under /t/{slug}/p/<plugin> and its API under /api/v1/t/{slug}/<plugin>."""
    routers: list[Router] = []
    for name, web, api in pm.routes():
        for handlers, prefix, in_schema in ((web, "/t/{slug:str}/p/", False), (api, "/api/v1/t/{slug:str}/", True)):
            if handlers:
                routers.append(Router(path=prefix + name, route_handlers=handlers,
                                      guards=[require_active(name), authorise], include_in_schema=in_schema))
    return routers
