"""Any mention can become a case by hand: the mention page (monitoring) shows webcare's action through the core's
`regie_item_actions` hook, one click makes the case (or opens the one the mention is already in), viewers see
no action, and bad form values are refused with the reason."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Mention, Source
from tests.plugins.monitoring.conftest import item
from tests.plugins.webcare.test_intake import INGEST, add_rule, cases, messages
from tests.support import World, api_headers, login_as, post_form

MENTIONS = "/t/acme/p/monitoring/mentions/"
ACTION = "/t/acme/p/webcare/cases/from-mention"


async def _ingest(client: Any, sessionmaker: async_sessionmaker[AsyncSession], wc: World,
                  *items: dict[str, Any]) -> dict[str, Mention]:
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            if await session.scalar(select(Source.id).where(Source.name == "Push")) is None:
                session.add(Source(name="Push", kind="api", source_type="forum"))
    r = await client.post(INGEST, json={"source": "Push", "items": list(items)},
                          headers=await api_headers(sessionmaker, wc.a, "member"))
    assert r.status_code == 200, r.text
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            return {m.external_id: m for m in (await session.scalars(select(Mention))).all()}


def _form(page_text: str) -> dict[str, str]:
    """The hidden fields of webcare's action form on a mention page, as the browser would send them."""
    form = page_text.split(f'action="{ACTION}"', 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"', form))


async def test_a_mention_becomes_a_case_with_one_click(wc: World, client: Any,
                                                       sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    mentions = await _ingest(client, sessionmaker, wc, item("f1", "Mijn pakket is kwijt, wie helpt?", title="Kwijt",
                                                            author_name="Femke", author_reach=1200,
                                                            url="https://forum.test/1"))
    mention = mentions["f1"]
    await login_as(client, wc.a, "agent")
    page = await client.get(f"{MENTIONS}{mention.id}")
    assert page.status_code == 200 and "Webcare-case van maken" in page.text
    fields = _form(page.text)
    assert fields["mention_id"] == str(mention.id) and fields["author_reach"] == "1200"
    response = await post_form(client, ACTION, fields, follow_redirects=False)
    assert response.status_code == 303 and "/p/webcare/cases/" in response.headers["location"]
    [case] = await cases(sessionmaker, wc.a)
    # no author handle on a forum post: the name stands in; the title is the subject
    assert (case.channel, case.author_handle, case.author_reach, case.subject, case.url) == \
        ("mention", "Femke", 1200, "Kwijt", "https://forum.test/1")
    [message] = await messages(sessionmaker, wc.a, case.id)
    assert message.mention_id == mention.id and "pakket is kwijt" in message.body
    # the same mention again: the case it is in, not a second one
    again = await post_form(client, ACTION, fields, follow_redirects=False)
    assert again.headers["location"] == response.headers["location"]
    assert len(await cases(sessionmaker, wc.a)) == 1


async def test_a_mention_a_rule_already_made_a_case_opens_that_case(
        wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_rule(sessionmaker, wc.a, "Storing", 1, {"keywords": ["storing"]})
    mentions = await _ingest(client, sessionmaker, wc, item("s1", "Weer een storing!", author_handle="@jan"))
    [case] = await cases(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    fields = _form((await client.get(f"{MENTIONS}{mentions['s1'].id}")).text)
    response = await post_form(client, ACTION, fields, follow_redirects=False)
    assert response.headers["location"].endswith(f"/cases/{case.id}") and len(await cases(sessionmaker, wc.a)) == 1


async def test_viewers_see_no_action_and_bad_values_are_refused(
        wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    mentions = await _ingest(client, sessionmaker, wc, item("v1", "Een vraag", author_handle="@an"))
    await login_as(client, wc.a, "viewer")
    page = await client.get(f"{MENTIONS}{mentions['v1'].id}")
    assert page.status_code == 200 and ACTION not in page.text
    client.cookies.clear()
    await login_as(client, wc.a, "agent")
    bad = await post_form(client, ACTION, {"mention_id": "not-an-id", "author_handle": "@an", "text": "x",
                                           "url": "ftp://nope", "sentiment": "angry"})
    assert bad.status_code == 422 and "http://" in bad.text and "angry" in bad.text
    assert bad.headers["content-type"].startswith("text/html")
    empty = await post_form(client, ACTION, {"mention_id": str(mentions["v1"].id)})
    assert empty.status_code == 422
    assert await cases(sessionmaker, wc.a) == []


async def test_a_case_names_only_a_mention_of_its_own_tenant(
        wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Another tenant's mention id (or a made-up one) is refused with the field, and no case is stored."""
    mentions = await _ingest(client, sessionmaker, wc, item("x1", "Een vraag van A", author_handle="@an"))
    foreign = str(mentions["x1"].id)
    headers = await api_headers(sessionmaker, wc.b, "agent")
    for mention_id in (foreign, str(uuid4())):
        r = await client.post("/api/v1/t/globex/webcare/cases", headers=headers,
                              json={"author_handle": "@an", "text": "Hallo", "channel": "mention",
                                    "mention_id": mention_id})
        assert r.status_code == 422, r.text
        assert r.json()["errors"] == [{"field": "mention_id",
                                       "reason": "Geen vermelding met dit id in deze organisatie."}]
    await login_as(client, wc.b, "agent")
    form = await post_form(client, "/t/globex/p/webcare/cases/from-mention",
                           {"mention_id": foreign, "author_handle": "@an", "text": "Hallo"})
    assert form.status_code == 422 and "Geen vermelding met dit id in deze organisatie." in form.text
    assert await cases(sessionmaker, wc.b) == []
    # the tenant's own mention is accepted through the API
    own = await client.post("/api/v1/t/acme/webcare/cases", headers=await api_headers(sessionmaker, wc.a, "agent"),
                            json={"author_handle": "@an", "text": "Hallo", "channel": "mention", "mention_id": foreign})
    assert own.status_code == 201, own.text
