"""A mention as other plugins see it: the item of `regie_item_actions` and `regie_find_item` (kind "mention")."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from plugins.monitoring.models import Mention


def mention_item(m: Mention) -> dict[str, Any]:
    """The fields another plugin may use (webcare makes a case of them); the same shape for both hooks. A post
    read from a network also names its address (`uri`, to reply in its thread), its thread and the account
    whose connection read it (`account_id`)."""
    return {"mention_id": str(m.id), "author_handle": m.author_handle, "author_name": m.author_name,
            "author_reach": m.author_reach, "title": m.title, "text": " ".join(p for p in (m.lead, m.body) if p),
            "url": m.url, "sentiment": m.sentiment, "published_at": m.published_at.isoformat(),
            "uri": m.uri or "", "parent_uri": m.parent_uri or "", "root_uri": m.root_uri or "",
            "account_id": str(m.social_account_id) if m.social_account_id else ""}


async def find_mention(session: AsyncSession, item_id: Any) -> dict[str, Any] | None:
    """The tenant's mention by id (the session is tenant-scoped), or None for a malformed or unknown id."""
    try:
        mention_id = item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except ValueError:
        return None
    mention = await session.get(Mention, mention_id)
    return mention_item(mention) if mention is not None else None
