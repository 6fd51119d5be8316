"""Actions one plugin offers on another plugin's items (hook `regie_item_actions`), so plugins work together
without importing each other: monitoring shows a mention, webcare offers "make it a case"."""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.context import hook_context
from core.plugins.manager import call, hook_for
from core.web.render import permission_check


async def item_actions(request: Request[Any, Any, Any], session: AsyncSession, kind: str,
                       item: dict[str, Any]) -> list[dict[str, Any]]:
    """The actions the tenant's other active plugins offer on `item`, for the signed-in person; [] for viewers
    and anonymous visitors. Each: {"label", "action", "fields"}."""
    state = request.scope.get("state", {})
    principal = state.get("principal")
    if principal is None or principal.user is None or principal.tenant is None \
            or not permission_check(principal)("plugin.work"):
        return []
    ctx = hook_context(session, principal.tenant, state.get("lang", "nl"), principal.user_id, roles=principal.roles)
    hook = hook_for(request.app.state.pm, "regie_item_actions", set(state.get("active_plugins") or ()))
    actions: list[dict[str, Any]] = []
    for result in await call(hook, ctx=ctx, kind=kind, item=item):
        actions.extend(a for a in result or [] if a.get("label") and a.get("action"))
    return actions


async def find_item(session: AsyncSession, pm: Any, kind: str, item_id: Any, lang: str = "nl") -> dict[str, Any] | None:
    """The tenant's item of `kind` by id, as an active plugin that owns such items describes it; None when no
    active plugin knows it (so a body naming another tenant's item, or a made-up id, is refused by the caller)."""
    from core.activation.service import active_plugins
    from core.plugins.lookups import current_tenant

    tenant = await current_tenant(session)
    if tenant is None or pm is None:
        return None
    hook = hook_for(pm, "regie_find_item", await active_plugins(session))
    answers = await call(hook, ctx=hook_context(session, tenant, lang), kind=kind, item_id=item_id)
    return next((a for a in answers if isinstance(a, dict)), None)
