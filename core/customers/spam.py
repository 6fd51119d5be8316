"""Spam signals and moderation of what customers post on a plugin's public pages (a community question, an idea,
a comment).

Cheap, explainable signals a moderator can check; a post with one waits for a moderator whatever the tenant's
moderation mode (`moderated_status`). Each plugin keeps the signals on its own rows (`spam_reasons`) and shows
them with `SPAM_SIGNALS`, so the names read the same on every moderation page.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.base import utcnow
from core.i18n import N_

MAX_LINKS = 2
"""More links than this in one post is a signal."""
URL = re.compile(r"https?://|www\.", re.IGNORECASE)
SPAM_SIGNALS: dict[str, str] = {
    "links": N_("more than two links"), "shouting": N_("mostly capitals"), "duplicate": N_("posted before"),
    "forbidden_words": N_("words the policy does not allow"),
}
"""Signal → msgid a moderator reads (translated on the page)."""


def normal(text: str) -> str:
    """Lower case with single spaces: how a post is compared with the customer's recent ones."""
    return " ".join(text.lower().split())


def _shouts(text: str, min_letters: int) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= min_letters and sum(c.isupper() for c in letters) / len(letters) > 0.7


def spam_signals(parts: list[str], forbidden: Iterable[object], recent_texts: list[str], *,
                 shout_min_letters: int) -> list[str]:
    """Why a post looks like spam (empty: it does not), as keys of `SPAM_SIGNALS`.

    `parts` are the post's fields (title, body); shouting counts per field, so a title in capitals is not hidden
    by a body in normal case, and only from `shout_min_letters` letters on (a short title may be an acronym). A
    post is a duplicate when a field repeats one of `recent_texts`; `forbidden` are the policy's words.
    """
    text = "\n".join(parts)
    found = []
    if len(URL.findall(text)) > MAX_LINKS:
        found.append("links")
    if any(_shouts(part, shout_min_letters) for part in parts):
        found.append("shouting")
    recent = {normal(t) for t in recent_texts} - {""}
    if any(normal(part) in recent for part in parts if part):
        found.append("duplicate")
    lowered = text.lower()
    if any(w and re.search(rf"\b{re.escape(str(w).lower())}\b", lowered) for w in forbidden):
        found.append("forbidden_words")
    return found


async def recent_texts(session: AsyncSession, customer_id: UUID, *fields: tuple[Any, ...]) -> list[str]:
    """What the customer wrote in the last day, to see a post repeated (`spam_signals`' `recent_texts`): per
    tuple of `fields`, text columns of one model with `customer_id` and `created_at` (`(Idea.title,
    Idea.description)`, `(Comment.body,)`), the latest 50 rows each."""
    since = utcnow() - timedelta(hours=24)
    found: list[str] = []
    for columns in fields:
        model = columns[0].class_
        rows = await session.execute(select(*columns).where(model.customer_id == customer_id,
                                                             model.created_at >= since).limit(50))
        found += [value for row in rows.all() for value in row]
    return found


async def moderated_status(session: AsyncSession, customer_id: UUID, reasons: list[str],
                           mode: Callable[[], Awaitable[str]], posts: Iterable[Any]) -> str:
    """`pending` or `published` for a customer's new post. A spam signal (`reasons`) always waits; else the
    tenant's moderation mode, read only then (`mode()`): "all" waits, "first_post" waits until one of the
    customer's posts (rows of the models `posts`, with `customer_id` and `status`) was published, any other
    publishes at once."""
    if reasons:
        return "pending"
    chosen = await mode()
    if chosen == "all" or (chosen == "first_post" and not await _has_published_post(session, customer_id, posts)):
        return "pending"
    return "published"


async def _has_published_post(session: AsyncSession, customer_id: UUID, posts: Iterable[Any]) -> bool:
    for model in posts:
        if await session.scalar(select(model.id).where(model.customer_id == customer_id,
                                                       model.status == "published").limit(1)):
            return True
    return False
