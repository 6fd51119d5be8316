"""Sending a loop reply through a connector that cannot look a post up by its key (no `find`, as the webhook and
"posted elsewhere" connectors): the reply is published instead of failing for ever on `Unsupported`. A sent
reply keeps its web address, which the idea's loop panel links."""

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
from tests.support import World, login_as

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


async def _waiting_reply(session: AsyncSession, idea: Any) -> tuple[StageChange, IdeaLink, LoopMessage]:
    """A planned change of `idea`, a linked mention on the network and the reply to its author, waiting."""
    change = StageChange(idea_id=idea.id, to_key="planned", to_meaning="planned", reason="Komt eraan.")
    link = IdeaLink(idea_id=idea.id, kind="mention", ref_id=str(uuid4()), uri=PARENT, account_id=str(uuid4()),
                    author_handle="klant.test")
    session.add_all([change, link])
    await session.flush()
    message = LoopMessage(idea_id=idea.id, stage_change_id=change.id, link_id=link.id, channel="network",
                          recipient="@klant.test", text="Je idee is gepland.", state="waiting")
    session.add(message)
    await session.flush()
    return change, link, message


async def test_a_connector_without_find_publishes_the_reply(
        cc: World, sessionmaker: async_sessionmaker[AsyncSession], publish_only: PublishOnly) -> None:
    tw = cc.a
    idea = await add_idea(sessionmaker, tw, "Snellere bezorging")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            change, link, message = await _waiting_reply(session, idea)
            await tell.send(session, None, None, idea, change, link, message)
            assert (message.state, message.detail, message.post_uri) == \
                ("sent", "", "https://example.org/posted/1")
    [draft] = publish_only.drafts
    assert draft.text == "Je idee is gepland." and draft.reply_to is not None and draft.reply_to.uri == PARENT


async def test_a_sent_reply_keeps_its_web_address_and_the_panel_links_it(
        client: Any, cc: World, sessionmaker: async_sessionmaker[AsyncSession], publish_only: PublishOnly,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tw = cc.a
    posted_uri = "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kreplypost222"
    posted_url = "https://bsky.app/profile/acme.test/post/3kreplypost222"

    async def publish(_connection: Any, draft: PostDraft) -> PostRef:
        return PostRef(uri=posted_uri, url=posted_url, key=draft.key)

    monkeypatch.setattr(publish_only, "publish", publish)
    idea = await add_idea(sessionmaker, tw, "Snellere bezorging")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            change, link, sent = await _waiting_reply(session, idea)
            older = LoopMessage(idea_id=idea.id, stage_change_id=change.id, channel="network",
                                recipient="@eerder.test", text="Eerder verstuurd.", state="sent",
                                post_uri="at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3kolderpost22")
            session.add(older)
            await session.flush()
            await tell.send(session, None, None, idea, change, link, sent)
            assert (sent.state, sent.post_uri, sent.post_url) == ("sent", posted_uri, posted_url)
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            stored = await session.get(LoopMessage, sent.id)
            assert stored is not None and stored.post_url == posted_url
    await login_as(client, tw, "regie")
    panel = (await client.get(f"/t/{tw.slug}/p/cocreation/loop/ideas/{idea.number}/panel")).text
    assert f'<a href="{posted_url}" target="_blank" rel="noopener noreferrer">Bekijk het antwoord</a>' in panel
    assert posted_uri not in panel  # the link, not the network address
    assert f'<small class="muted">{older.post_uri}</small>' in panel  # no web address: the address, muted
