""""Respond publicly" on a mention (monitoring) or a case (webcare): the action, the prefilled draft, and the
reference checked through the plugin that owns the item."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import select

from core.plugins.api import HookContext, Item, hookimpl
from core.tenancy.scope import tenant_scope
from plugins.talking.models import Post
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.talking.conftest import post_form
from tests.support import login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"


async def _mention(sessionmaker, tw, **fields: Any) -> UUID:
    from plugins.monitoring import models as m

    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            source = m.Source(name="Feed", kind="api", source_type="microblog")
            s.add(source)
            await s.flush()
            mention = m.Mention(source_id=source.id, source_type="microblog", external_id=str(uuid4()),
                                url="https://bsky.app/profile/klant.example/post/3k", author_handle="@klant",
                                author_name="Klant Een", published_at=datetime.now(UTC), title="",
                                body="Waarom is de app traag?", language="nl", sentiment="negative",
                                content_hash=str(uuid4()), **fields)
            s.add(mention)
    return mention.id


async def test_a_mention_page_offers_respond_publicly(client, talk, sessionmaker):
    await activate_monitoring(sessionmaker, talk.world.a)
    mention_id = await _mention(sessionmaker, talk.world.a)
    await login_as(client, talk.world.a, "agent")
    page = unescape((await client.get(f"/t/acme/p/monitoring/mentions/{mention_id}")).text)
    assert "Publiek reageren" in page and f"{BASE}/posts/from-item" in page
    assert f'name="item_id" value="{mention_id}"' in page and 'name="kind" value="mention"' in page


async def test_the_action_opens_a_prefilled_draft_and_saving_keeps_the_reference(client, talk, sessionmaker):
    await activate_monitoring(sessionmaker, talk.world.a)
    mention_id = await _mention(sessionmaker, talk.world.a)
    await login_as(client, talk.world.a, "marketer")
    r = await send(client, f"{BASE}/posts/from-item", {"kind": "mention", "item_id": str(mention_id)})
    assert r.status_code == 200
    page = unescape(r.text)
    assert "Publieke reactie aan @klant: Waarom is de app traag?" in page
    assert "https://bsky.app/profile/klant.example/post/3k" in page and 'name="source_id"' in page
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            assert (await s.scalars(select(Post))).all() == []  # nothing stored until it is saved
    form = post_form(talk, source_kind="mention", source_id=str(mention_id), title="Reactie",
                     # what a form claims about the item is never stored: the item is looked up again
                     source_url="https://evil.example")
    r = await send(client, f"{BASE}/posts", form, follow_redirects=False)
    assert r.status_code == 303
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            [post] = (await s.scalars(select(Post))).all()
    assert (post.source_kind, post.source_id, post.source_author) == ("mention", str(mention_id), "@klant")
    assert post.source_url == "https://bsky.app/profile/klant.example/post/3k" and post.reply_to_uri == ""


async def test_a_mention_of_another_tenant_or_none_at_all_is_refused(client, talk, sessionmaker):
    await activate_monitoring(sessionmaker, talk.world.a)
    await activate_monitoring(sessionmaker, talk.world.b)
    foreign = await _mention(sessionmaker, talk.world.b)
    await login_as(client, talk.world.a, "marketer")
    for data, field_reason in (({"kind": "mention", "item_id": str(foreign)}, "bestaat niet meer"),
                               ({"kind": "mention", "item_id": "geen-id"}, "bestaat niet meer"),
                               ({"kind": "idee", "item_id": str(foreign)}, "Kies een van: mention, case."),
                               ({}, "Kies een van: mention, case.")):
        r = await send(client, f"{BASE}/posts/from-item", data)
        assert r.status_code == 422 and field_reason in unescape(r.text), data
    r = await send(client, f"{BASE}/posts", post_form(talk, source_kind="mention", source_id=str(foreign)))
    assert r.status_code == 422 and "Deze vermelding of zaak bestaat niet meer." in unescape(r.text)
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            assert (await s.scalars(select(Post))).all() == []


class CaseFinder:
    """Stands in for the plugin that owns cases: finds one case of the tenant, with a network URI."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id

    @hookimpl
    def regie_find_item(self, ctx: HookContext, kind: str, item_id: Any) -> Item | None:
        if kind != "case" or str(item_id) != self.case_id:
            return None
        return {"case_id": self.case_id, "number": 12, "subject": "App traag", "author_handle": "klant.bsky.social",
                "url": "https://bsky.app/profile/klant.bsky.social/post/3kx",
                "uri": "at://did:plc:abc/app.bsky.feed.post/3kx"}


async def test_a_case_with_a_network_uri_becomes_a_reply_in_its_thread(app, client, talk, sessionmaker):
    from plugins.talking.content.items import respond_publicly
    from plugins.talking.plugin import regie_item_actions

    case_id = str(uuid4())
    ctx = HookContext(tenant_id=talk.world.a.id, tenant_slug="acme", session=None, lang="en")  # type: ignore[arg-type]
    [action] = regie_item_actions(ctx, "case", {"case_id": case_id, "number": 12})
    assert (action.label, action.action, action.fields) == ("Respond publicly", f"{BASE}/posts/from-item",
                                                            {"kind": "case", "item_id": case_id})
    assert respond_publicly(ctx, "case", {"number": 12}) == [] and respond_publicly(ctx, "idea", {"id": 1}) == []
    finder = CaseFinder(case_id)
    app.state.pm.register(finder)
    try:
        await login_as(client, talk.world.a, "agent")
        r = await send(client, f"{BASE}/posts/from-item", {"kind": "case", "item_id": case_id})
        assert r.status_code == 200
        page = unescape(r.text)
        assert "Een publieke reactie op deze zaak:" in page and "Het gaat uit als antwoord in die draad." in page
        assert "Publieke reactie aan @klant.bsky.social: App traag" in page
        r = await send(client, f"{BASE}/posts", post_form(talk, source_kind="case", source_id=case_id),
                       follow_redirects=False)
        assert r.status_code == 303
    finally:
        app.state.pm.unregister(finder)
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            [post] = (await s.scalars(select(Post))).all()
    assert post.reply_to_uri == "at://did:plc:abc/app.bsky.feed.post/3kx" and post.source_kind == "case"
