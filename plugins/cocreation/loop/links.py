"""Links from an idea to what led to it elsewhere: a mention (monitoring), a webcare case, a community question.

Another plugin shows the item and offers "Create an idea" and "Link to an idea" on it (`regie_item_actions`);
the item itself is always looked up again through the core's `find_item`, so a posted id the tenant does not
have (or a forged field) links nothing. What the loop needs to answer the item's author later (their handle,
the post's network address, the organisation's account that read it) is copied onto the link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins.api import DomainError, Msg, current_tenant, find_item, record_audit
from plugins.cocreation.models import LINK_KINDS, Idea, IdeaLink

ID_FIELDS = {"mention": "mention_id", "case": "case_id", "question": "question_id"}
"""The field of each kind's item that holds its id (docs/hooks.md, `regie_item_actions`)."""
TITLE_MAX = 160


def clean_kind(value: Any) -> str:
    kind = str(value or "").strip()
    if kind not in LINK_KINDS:
        raise DomainError(field="kind", msgid="Choose one of: {choices}.", choices=", ".join(LINK_KINDS))
    return kind


async def checked_item(session: AsyncSession, pm: Any, kind: str, item_id: Any, lang: str = "nl") -> dict[str, Any]:
    """The item as its own plugin describes it now; DomainError when the tenant has no such item."""
    kind = clean_kind(kind)
    raw = str(item_id or "").strip()
    item = await find_item(session, pm, kind, raw, lang) if raw else None
    if item is None or str(item.get(ID_FIELDS[kind]) or "") != raw:
        raise DomainError(field="item_id", msgid="This mention, case or question no longer exists.")
    return dict(item)


def link_fields(kind: str, item: dict[str, Any]) -> dict[str, str]:
    """What a link keeps of the item, taken from the owner's answer (never from the posted form)."""
    text = str(item.get("text") or item.get("body") or "")
    if kind == "case":
        title = f"#{item.get('number')} {item.get('subject') or ''}".strip()
    else:
        title = str(item.get("title") or item.get("subject") or "")
    return {"ref_id": str(item.get(ID_FIELDS[kind]) or ""), "title": (title or text)[:300], "excerpt": text[:5000],
            "author_handle": str(item.get("author_handle") or "")[:200],
            "author_name": str(item.get("author_name") or "")[:200], "url": str(item.get("url") or "")[:2000],
            "uri": str(item.get("uri") or "")[:500], "account_id": str(item.get("account_id") or "")[:64]}


def prefill(kind: str, item: dict[str, Any]) -> dict[str, str]:
    """The new idea's title and description as the item suggests them (staff edit before saving)."""
    fields = link_fields(kind, item)
    text = fields["excerpt"]
    title = str(item.get("title") or item.get("subject") or "") or text
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX - 1].rstrip() + "…"
    return {"title": title, "description": text[:5000] if text != title else ""}


async def link(session: AsyncSession, principal: Any, idea: Idea, kind: str, item: dict[str, Any]) -> IdeaLink:
    """Link `idea` to the checked `item`; linking the same item again changes nothing."""
    fields = link_fields(kind, item)
    found = await session.scalar(select(IdeaLink).where(IdeaLink.idea_id == idea.id, IdeaLink.kind == kind,
                                                        IdeaLink.ref_id == fields["ref_id"]))
    if found is not None:
        return found
    user = getattr(principal, "user", None)
    row = IdeaLink(idea_id=idea.id, kind=kind, linked_by_id=user.id if user is not None else None, **fields)
    session.add(row)
    await session.flush()
    await record_audit(session, principal, "cocreation.idea_linked", subject=idea,
                       summary=Msg("Idea #{number} linked to a {kind}", number=idea.number, kind=kind),
                       data={"number": idea.number, "kind": kind, "ref_id": fields["ref_id"]})
    return row


async def create_from_item(session: AsyncSession, principal: Any, pm: Any, kind: str, item_id: Any,
                           values: dict[str, Any], *, lang: str) -> Idea:
    """A staff idea made from another plugin's item, published at once in the organisation's name, with the link
    to the item."""
    from plugins.cocreation import ideas

    item = await checked_item(session, pm, kind, item_id, lang)
    idea = await ideas.create_idea(session, values, lang=lang, user_id=getattr(principal, "user_id", None),
                                   source=kind)
    tenant = await current_tenant(session)
    if tenant is not None:  # on the board in the organisation's name, as the form says; the audit keeps who
        idea.author_name = tenant.name[:120]
    await record_audit(session, principal, "cocreation.idea_created_from_item", subject=idea,
                       summary=Msg("Idea #{number} created from a {kind}", number=idea.number, kind=kind),
                       data={"number": idea.number, "kind": kind})
    await link(session, principal, idea, kind, item)
    return idea


async def links_of(session: AsyncSession, idea_id: UUID) -> list[IdeaLink]:
    return list((await session.scalars(select(IdeaLink).where(IdeaLink.idea_id == idea_id)
                                       .order_by(IdeaLink.created_at, IdeaLink.id).limit(200))).all())


async def ideas_linked_to(session: AsyncSession, kind: str, ref_id: str) -> list[Idea]:
    """The ideas an item is already linked to (shown on the pick page)."""
    return list((await session.scalars(select(Idea).join(IdeaLink, IdeaLink.idea_id == Idea.id)
                                       .where(IdeaLink.kind == kind, IdeaLink.ref_id == ref_id)
                                       .order_by(Idea.number).limit(20))).all())


async def link_counts(session: AsyncSession, idea_id: UUID) -> dict[str, int]:
    rows = await session.execute(select(IdeaLink.kind, func.count()).where(IdeaLink.idea_id == idea_id)
                                 .group_by(IdeaLink.kind))
    return {kind: int(n) for kind, n in rows.all()}


def idea_item(idea: Idea, slug: str) -> dict[str, Any]:
    """An idea as other plugins see it (`regie_find_item(kind="idea")`)."""
    return {"idea_id": str(idea.id), "number": idea.number, "title": idea.title, "description": idea.description,
            "status": idea.status, "stage": idea.stage_key, "vote_count": idea.vote_count,
            "follower_count": idea.follower_count, "source": idea.source,
            "href": f"/t/{slug}/p/cocreation/board/ideas/{idea.number}"}


async def find_idea(session: AsyncSession, item_id: Any, slug: str) -> dict[str, Any] | None:
    try:
        idea_id = item_id if isinstance(item_id, UUID) else UUID(str(item_id))
    except ValueError:
        return None
    idea = await session.get(Idea, idea_id)
    return idea_item(idea, slug) if idea is not None else None
