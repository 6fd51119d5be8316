"""The loop slice's part in the plugin's per-tenant hooks: "Create an idea" and "Link to an idea" on mentions,
webcare cases and community questions; an idea as an item other plugins find. (The loop page is in the plugin's
navigation with the other pages: see `measure.hooks.NAV`.)"""

from __future__ import annotations

from typing import Any

from core.plugins.api import HookContext, Item, ItemAction, gettext_for
from plugins.cocreation.loop.links import ID_FIELDS, find_idea

PRODUCT_IDEA = "product_idea"
"""The `purpose` field of the actions: webcare shows them next to its escalation reason "product idea"."""


def _base(slug: str) -> str:
    return f"/t/{slug}/p/cocreation/loop"


def item_actions(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    item_id = str(item.get(ID_FIELDS[kind]) or "") if kind in ID_FIELDS else ""
    if not item_id:
        return []
    _ = gettext_for(ctx.lang)
    fields = {"kind": kind, "item_id": item_id, "purpose": PRODUCT_IDEA}
    return [ItemAction(_("Create an idea"), f"{_base(ctx.tenant_slug)}/from-item", fields),
            ItemAction(_("Link to an idea"), f"{_base(ctx.tenant_slug)}/pick", fields)]


async def find_item(ctx: HookContext, kind: str, item_id: Any) -> Item | None:
    if kind != "idea":
        return None
    return await find_idea(ctx.session, item_id, ctx.tenant_slug)
