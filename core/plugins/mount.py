"""Mounting plugin routes under the tenant, behind the core's guards (tenant, activation, role)."""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from sqlalchemy import select

from core.activation.models import ActivationStatus, PluginActivation
from core.auth.permissions import authorise
from core.plugins.manager import plugin_infos, plugin_module


def require_active(plugin: str) -> Any:
    """Guard: a plugin's routes answer 404 'not enabled' unless it is active for the tenant."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        tenant = connection.scope.get("state", {}).get("tenant")
        if tenant is None:
            raise NotFoundException(f"plugin {plugin} is not enabled")
        async with connection.app.state.sessionmaker() as session:
            status = await session.scalar(
                select(PluginActivation.status).where(PluginActivation.plugin == plugin))
        if status != ActivationStatus.active.value:
            raise NotFoundException(f"plugin {plugin} is not enabled")

    return guard


def plugin_routers(pm: Any) -> list[Router]:
    routers: list[Router] = []
    for info in plugin_infos(pm):
        module = plugin_module(pm, info.name)
        for hook, prefix, in_schema in (("regie_routes", "/t/{slug:str}/p/", False),
                                        ("regie_api_routes", "/api/v1/t/{slug:str}/", True)):
            fn = getattr(module, hook, None)
            handlers = fn() if fn else None
            if handlers:
                routers.append(Router(path=prefix + info.name, route_handlers=list(handlers),
                                      guards=[authorise, require_active(info.name)],
                                      include_in_schema=in_schema))
    return routers
