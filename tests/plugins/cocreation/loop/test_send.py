"""Sending a loop reply through a connector that cannot look a post up by its key (no `find`, as the webhook and
"posted elsewhere" connectors): the reply is published instead of failing for ever on `Unsupported`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import Capability, PostDraft, PostRef, Unsupported
from core.tenancy.scope import tenant_scope
from plugins.cocreation.loop import tell
from plugins.cocreation.models import IdeaLink, LoopMessage, StageChange
from tests.plugins.cocreation.triage.conftest import add_idea
from tests.support import World

PARENT = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kparentpost22"


class PublishOnly:
    """A connector that publishes but cannot find: `find` raises `Unsupported` as the core's base does."""

    name = "publish_only"
    capabilities = frozenset({Capability.connect, Capability.publish})

    def __init__(self) -> None:
        self.drafts: list[PostDraft] = []

    async def find(self, _connection: Any, _key: str) -> PostRef | None:
        raise Unsupported(self.name, "find")

    async def publish(self, _connection: Any, draft: PostDraft) -> PostRef:
        self.drafts.append(draft)
        return PostRef(uri="https://example.org/posted/1", url="https://example.org/posted/1", key=draft.key)


@pytest.fixture
def publish_only(monkeypatch: pytest.MonkeyPatch) -> PublishOnly:
    connector = PublishOnly()

    @asynccontextmanager
    async def opened(_session: Any, _settings: Any, _account_id: Any) -> AsyncIterator[tuple[PublishOnly, Any]]:
        yield connector, object()

    monkeypatch.setattr(tell, "open_channel", opened)
    return connector


async def test_a_connector_without_find_publishes_the_reply(
        cc: World, sessionmaker: async_sessionmaker[AsyncSession], publish_only: PublishOnly) -> None:
    tw = cc.a
    idea = await add_idea(sessionmaker, tw, "Snellere bezorging")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            change = StageChange(idea_id=idea.id, to_key="planned", to_meaning="planned", reason="Komt eraan.")
            link = IdeaLink(idea_id=idea.id, kind="mention", ref_id=str(uuid4()), uri=PARENT,
                            account_id=str(uuid4()), author_handle="klant.test")
            session.add_all([change, link])
            await session.flush()
            message = LoopMessage(idea_id=idea.id, stage_change_id=change.id, link_id=link.id, channel="network",
                                  recipient="@klant.test", text="Je idee is gepland.", state="waiting")
            session.add(message)
            await session.flush()
            await tell.send(session, None, None, idea, change, link, message)
            assert (message.state, message.detail, message.post_uri) == \
                ("sent", "", "https://example.org/posted/1")
    [draft] = publish_only.drafts
    assert draft.text == "Je idee is gepland." and draft.reply_to is not None and draft.reply_to.uri == PARENT
