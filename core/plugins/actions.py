"""Actions one plugin offers on another plugin's items (hook `regie_item_actions`), so plugins work together
without importing each other: monitoring shows a mention, webcare offers "make it a case"."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.context import hook_context
from core.plugins.host import PluginHost, TenantPlugins, call
from core.plugins.lookups import current_tenant
from core.plugins.records import Item, ItemAction
from core.web.render import permission_check


async def item_actions(request: Request[Any, Any, Any], session: AsyncSession, kind: str,
                       item: Item) -> list[ItemAction]:
    """The actions the tenant's other active plugins offer on `item`, for the signed-in person; [] for viewers
    and anonymous visitors."""
    state = request.scope.get("state", {})
    principal = state.get("principal")
    plugins: TenantPlugins | None = state.get("plugins")
    if plugins is None or principal is None or principal.user is None or principal.tenant is None \
            or not permission_check(principal)("plugin.work"):
        return []
    ctx = hook_context(session, principal.tenant, state.get("lang", "nl"), principal.user_id, roles=principal.roles)
    return [action for _plugin, action in await plugins.collect("regie_item_actions", ItemAction, ctx=ctx,
                                                                kind=kind, item=item)]


async def find_item(session: AsyncSession, pm: PluginHost | None, kind: str, item_id: str | UUID,
                    lang: str = "nl") -> Item | None:
    """The tenant's item of `kind` by id, as an active plugin that owns such items describes it; None when no
    active plugin knows it (so a body naming another tenant's item, or a made-up id, is refused by the caller)."""
    tenant = await current_tenant(session)
    if tenant is None or pm is None:
        return None
    plugins = await pm.for_tenant(session)
    answers = await call(plugins.hook("regie_find_item"), ctx=hook_context(session, tenant, lang), kind=kind,
                         item_id=item_id)
    return next((a for a in answers if isinstance(a, dict)), None)
