"""Fixtures for listening: the energizing plugin active in both tenants, and mention.received events as
monitoring announces them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import DomainEvent
from tests.plugins.energizing.conftest import activate
from tests.support import World


def mention(handle: str, *, sentiment: str = "positive", reach: int = 600, days_ago: float = 1,
            name: str = "", mention_id: str | None = None) -> DomainEvent:
    """A `mention.received` event with every declared field."""
    published = datetime.now(UTC) - timedelta(days=days_ago)
    mid = mention_id or str(uuid4())
    payload: dict[str, Any] = {
        "mention_id": mid, "profile_ids": [], "sentiment": sentiment,
        "score": {"positive": 0.8, "neutral": 0.0, "negative": -0.7}[sentiment], "language": "nl",
        "source_type": "microblog", "author_handle": handle, "url": f"https://social.example/{handle}/{mid}",
        "title": f"Over de zorgverzekeraar {mid[:4]}", "published_at": published.isoformat(), "author_name": name,
        "author_reach": reach, "text": "Prima geholpen.", "uri": "", "parent_uri": "", "root_uri": "",
        "account_id": ""}
    return DomainEvent("mention.received", payload)


@pytest.fixture
async def energizing(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    for tw in (world.a, world.b):
        await activate(sessionmaker, tw)
    return world
