"""The loop slice's part in the plugin's per-tenant hooks: "Create an idea" and "Link to an idea" on mentions,
webcare cases and community questions; an idea as an item other plugins find; the community's answers to the
askers of linked questions recorded on the idea's loop. (The loop page is in the plugin's navigation with the
other pages: see `measure.hooks.NAV`.)"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from core.plugins.api import DomainEvent, HookContext, Item, ItemAction, as_utc, gettext_for, utcnow
from plugins.cocreation.loop.links import ID_FIELDS, find_idea
from plugins.cocreation.models import IdeaLink, LoopMessage, StageChange

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


ASKER = "asker:"
"""A community message's detail: "asker:<customer id>", so erasing the customer finds the message."""


async def on_events(ctx: HookContext, events: list[DomainEvent]) -> None:
    """`question.loop_answered`: the community answered the asker of a linked question about a stage change;
    the answer joins the idea's loop as a sent "community" message (once per change and question)."""
    for event in events:
        if event.name == "question.loop_answered":
            await _record_answer(ctx, event.payload)


async def _record_answer(ctx: HookContext, payload: dict[str, Any]) -> None:
    session = ctx.session
    try:
        change = await session.get(StageChange, UUID(str(payload.get("change_id"))))
    except ValueError:
        return
    if change is None or str(change.idea_id) != str(payload.get("idea_id")):
        return
    link = await session.scalar(select(IdeaLink).where(IdeaLink.idea_id == change.idea_id,
                                                       IdeaLink.kind == "question",
                                                       IdeaLink.ref_id == str(payload.get("question_id") or "")))
    if link is None:
        return
    told = await session.scalar(select(LoopMessage.id).where(LoopMessage.stage_change_id == change.id,
                                                             LoopMessage.channel == "community",
                                                             LoopMessage.link_id == link.id))
    if told is not None:
        return
    recipient = (str(payload.get("asker") or "") or link.title or "?")[:200]
    taken = await session.scalar(select(LoopMessage.id).where(LoopMessage.stage_change_id == change.id,
                                                              LoopMessage.channel == "community",
                                                              LoopMessage.recipient == recipient))
    if taken is not None:  # the same asker, another question: the table's key holds one row per recipient
        recipient = f"{recipient} · {link.title}"[:254]
    try:
        at = as_utc(datetime.fromisoformat(str(payload.get("answered_at"))))
    except (TypeError, ValueError):
        at = utcnow()
    customer_id = str(payload.get("customer_id") or "")
    session.add(LoopMessage(idea_id=change.idea_id, stage_change_id=change.id, link_id=link.id, channel="community",
                            recipient=recipient, text=str(payload.get("text") or ""), state="sent", sent_at=at,
                            detail=ASKER + customer_id if customer_id else "",
                            post_url=str(payload.get("url") or "")[:2000]))
    await session.flush()
