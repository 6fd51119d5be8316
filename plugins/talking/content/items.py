""""Respond publicly": the action talking offers on another plugin's mention or case (`regie_item_actions`).
One click opens a new draft prefilled with the item; nothing is stored until the draft is saved."""

from __future__ import annotations

from core.plugins.api import HookContext, Item, ItemAction, gettext_for

ID_FIELDS = {"mention": "mention_id", "case": "case_id"}
"""The field of each kind's item that holds its id."""


def respond_publicly(ctx: HookContext, kind: str, item: Item) -> list[ItemAction]:
    item_id = str(item.get(ID_FIELDS.get(kind, "")) or "") if kind in ID_FIELDS else ""
    if not item_id:
        return []
    _ = gettext_for(ctx.lang)
    return [ItemAction(_("Respond publicly"), f"/t/{ctx.tenant_slug}/p/talking/posts/from-item",
                       {"kind": kind, "item_id": item_id})]
