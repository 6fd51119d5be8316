"""Sources: pages and API to create, edit, deactivate and delete them; the feed address check on save;
'poll now'; the list with each feed's health; who may do what; tenant isolation."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import DomainError
from core.jobs.models import OutboxMessage
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Mention, Source
from plugins.monitoring.sources import service
from tests.support import World, api_headers, login_as, post_form

PAGES = "/t/acme/p/monitoring"
API = "/api/v1/t/acme/monitoring"
FEED = "http://127.0.0.1:9/feed.xml"


async def queued(app: Any, actor: str) -> list[dict[str, Any]]:
    """The payloads of `actor` jobs relayed from the outbox to the (stub) broker."""
    import dramatiq

    from core.jobs.outbox import relay, wait_for_relays

    await wait_for_relays()
    await relay(app.state.sessionmaker)
    queue = app.state.broker.queues.get("default")
    messages = [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue else []
    return [m.kwargs for m in messages if m.actor_name == actor]


async def english(client: Any) -> None:
    """Show the signed-in person's pages in English (the default is Dutch)."""
    response = await post_form(client, "/lang", {"lang": "en", "next": "/"}, follow_redirects=False)
    assert response.status_code in (302, 303)


async def sources(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID) -> list[Source]:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(Source).order_by(Source.name))).all())


async def add_source(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID, name: str, kind: str = "feed",
                     **fields: Any) -> UUID:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            source = Source(name=name, kind=kind, source_type=fields.pop("source_type", "news"),
                            url=fields.pop("url", FEED if kind == "feed" else None), **fields)
            s.add(source)
            await s.flush()
            return source.id


async def test_the_owner_creates_a_feed_on_the_page_and_the_list_shows_its_health(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, mon.a, "regie")
    form = await client.get(f"{PAGES}/sources/new")
    assert form.status_code == 200, form.text[-3000:]
    assert 'name="url"' in form.text and "nieuws" in form.text
    response = await post_form(client, f"{PAGES}/sources/new", {
        "name": "NOS binnenland", "kind": "feed", "source_type": "news", "url": FEED, "poll_minutes": "30"},
        follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{PAGES}/sources/"
    [source] = await sources(sessionmaker, mon.a.id)
    assert (source.name, source.kind, source.source_type, source.url, source.poll_minutes, source.is_active) == (
        "NOS binnenland", "feed", "news", FEED, 30, True)
    assert source.next_poll_at is None  # due at the next tick

    await add_source(sessionmaker, mon.a.id, "Kapotte feed", failures=3,
                     last_error="The server answered with HTTP 502.", last_polled_at=datetime.now(UTC),
                     next_poll_at=datetime.now(UTC) + timedelta(hours=2))
    await add_source(sessionmaker, mon.a.id, "Twitter-export", kind="import", source_type="microblog")
    page = await client.get(f"{PAGES}/sources/")
    assert page.status_code == 200
    text = page.text
    assert "NOS binnenland" in text and "Kapotte feed" in text and "Twitter-export" in text
    assert "De server antwoordde met HTTP 502." in text  # stored in English, shown in Dutch
    assert "microblog" in text and "platformexport" in text and "RSS/Atom-feed" in text
    assert text.count("/poll\"") == 2  # 'poll now' for the two feeds only
    assert f"{PAGES}/imports/?source=" in text


async def test_bad_source_input_is_refused_per_field_and_changes_nothing(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_source(sessionmaker, mon.a.id, "Bestaat al")
    await login_as(client, mon.a, "regie")
    cases = [
        ({"name": "", "kind": "feed", "source_type": "news", "url": FEED}, "name", "This field is required"),
        ({"name": "bestaat AL", "kind": "feed", "source_type": "news", "url": FEED}, "name", "already exists"),
        ({"name": "x", "kind": "mail", "source_type": "news"}, "kind", "Choose one of"),
        ({"name": "x", "kind": "api", "source_type": "tv"}, "source_type", "Choose one of"),
        ({"name": "x", "kind": "feed", "source_type": "news", "url": ""}, "url", "This field is required"),
        ({"name": "x", "kind": "feed", "source_type": "news", "url": "ftp://x.example/f"}, "url", "http://"),
        ({"name": "x", "kind": "feed", "source_type": "news", "url": "http://10.0.0.1/rss"}, "url", "private network"),
        ({"name": "x", "kind": "feed", "source_type": "news", "url": FEED, "poll_minutes": "4"}, "poll_minutes",
         "from 5 to 1440"),
        ({"name": "x", "kind": "feed", "source_type": "news", "url": FEED, "poll_minutes": "1441"}, "poll_minutes",
         "from 5 to 1440"),
        ({"name": "x", "kind": "feed", "source_type": "news", "url": FEED, "poll_minutes": "vijf"}, "poll_minutes",
         "whole number"),
    ]
    await english(client)
    for data, field, reason in cases:
        response = await post_form(client, f"{PAGES}/sources/new", data, follow_redirects=False)
        assert response.status_code == 422, (data, response.status_code)
        assert f'id="f-{field}"' in response.text and reason in response.text, (field, reason)
    api = await api_headers(sessionmaker, mon.a, "regie")
    response = await client.post(f"{API}/sources", json={"name": "x", "kind": "feed", "url": "http://localhost:1/"},
                                 headers=api)
    assert response.status_code == 201  # the test settings allow 127.0.0.1, and localhost resolves there
    response = await client.post(f"{API}/sources", json={"name": "y", "kind": "feed", "url": "http://10.9.9.9/"},
                                 headers=api)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "url"
    assert [s.name for s in await sources(sessionmaker, mon.a.id)] == ["Bestaat al", "x"]


async def test_feed_addresses_in_private_networks_are_refused_unless_the_operator_allows_them(
        app: Any) -> None:
    strict = dataclasses.replace(app.state.settings, outbound_allow=())
    for url in ("http://localhost/rss", "http://127.0.0.1:8080/rss", "http://10.0.0.8/rss", "http://[::1]/rss",
                "http://169.254.169.254/latest", "http://192.168.1.1/feed"):
        with pytest.raises(DomainError) as caught:
            await service.clean_feed_url(url, strict)
        assert list(caught.value.errors) == ["url"], url
    assert await service.clean_feed_url("http://10.0.0.8/rss", dataclasses.replace(
        strict, outbound_allow=("10.0.0.0/8",))) == "http://10.0.0.8/rss"
    assert await service.clean_feed_url(" http://127.0.0.1:8080/rss ", app.state.settings) == \
        "http://127.0.0.1:8080/rss"
    with pytest.raises(DomainError) as caught:
        await service.clean_feed_url("http://user:secret@feeds.example/rss", strict)
    assert "user name or password" in caught.value.errors["url"].render("en")


async def test_editing_deactivating_and_deleting_a_source(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    feed = await add_source(sessionmaker, mon.a.id, "Feed", etag='"x"', failures=4, last_error="HTTP 500",
                            next_poll_at=datetime.now(UTC) + timedelta(hours=9))
    await login_as(client, mon.a, "regie")
    page = await client.get(f"{PAGES}/sources/{feed}")
    assert page.status_code == 200 and FEED in page.text
    response = await post_form(client, f"{PAGES}/sources/{feed}", {
        "name": "Feed (nieuw)", "kind": "feed", "source_type": "blog", "url": "http://127.0.0.1:9/other.xml",
        "poll_minutes": "60"}, follow_redirects=False)
    assert response.status_code == 303
    [source] = await sources(sessionmaker, mon.a.id)
    assert (source.name, source.source_type, source.poll_minutes, source.url) == (
        "Feed (nieuw)", "blog", 60, "http://127.0.0.1:9/other.xml")
    # a new address starts afresh: no old validators, no backoff
    assert (source.etag, source.failures, source.last_error, source.next_poll_at) == (None, 0, "", None)

    response = await post_form(client, f"{PAGES}/sources/{feed}/active", {"active": "0"}, follow_redirects=False)
    assert response.status_code == 303 and not (await sources(sessionmaker, mon.a.id))[0].is_active
    response = await post_form(client, f"{PAGES}/sources/{feed}/poll", {}, follow_redirects=False)
    assert response.status_code == 409  # inactive: nothing to poll

    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            s.add(Mention(source_id=feed, source_type="blog", external_id="1", published_at=datetime.now(UTC),
                          body="x", content_hash="h"))
    await english(client)
    response = await post_form(client, f"{PAGES}/sources/{feed}/delete", {}, follow_redirects=False)
    assert response.status_code == 409 and "deactivate it instead" in response.text
    assert len(await sources(sessionmaker, mon.a.id)) == 1
    empty = await add_source(sessionmaker, mon.a.id, "Leeg", kind="api")
    response = await post_form(client, f"{PAGES}/sources/{empty}/delete", {}, follow_redirects=False)
    assert response.status_code == 303 and [s.name for s in await sources(sessionmaker, mon.a.id)] == ["Feed (nieuw)"]


async def test_poll_now_queues_the_polling_job_for_that_feed(
        app: Any, client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    feed = await add_source(sessionmaker, mon.a.id, "Feed")
    export = await add_source(sessionmaker, mon.a.id, "Export", kind="import")
    await login_as(client, mon.a, "regie")
    await english(client)
    response = await post_form(client, f"{PAGES}/sources/{feed}/poll", {}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith(f"?polled={feed}")
    assert "polled in a moment" in (await client.get(response.headers["location"])).text
    response = await post_form(client, f"{PAGES}/sources/{export}/poll", {}, follow_redirects=False)
    assert response.status_code == 409
    payloads = await queued(app, "monitoring.poll_feeds")
    assert [p["source_id"] for p in payloads] == [str(feed)] and payloads[0]["tenant_id"] == str(mon.a.id)


async def test_who_may_do_what_with_sources(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    feed = await add_source(sessionmaker, mon.a.id, "Feed")
    for who in ("viewer", "member"):  # a member outside the owning department may read, not configure
        client.cookies.clear()
        await login_as(client, mon.a, who)
        assert (await client.get(f"{PAGES}/sources/")).status_code == 200
        assert "/poll" not in (await client.get(f"{PAGES}/sources/")).text
        assert (await client.get(f"{PAGES}/sources/new")).status_code == 403
        assert (await post_form(client, f"{PAGES}/sources/new", {"name": "x", "kind": "api"})).status_code == 403
        assert (await post_form(client, f"{PAGES}/sources/{feed}/poll", {})).status_code == 403
        assert (await post_form(client, f"{PAGES}/sources/{feed}/delete", {})).status_code == 403
        headers = await api_headers(sessionmaker, mon.a, who)
        assert (await client.get(f"{API}/sources", headers=headers)).status_code == 200
        assert (await client.post(f"{API}/sources", json={"name": "x", "kind": "api"}, headers=headers)).status_code \
            == 403
        assert (await client.delete(f"{API}/sources/{feed}", headers=headers)).status_code == 403
    client.cookies.clear()
    await login_as(client, mon.a, "admin")
    assert (await client.get(f"{PAGES}/sources/new")).status_code == 200
    assert len(await sources(sessionmaker, mon.a.id)) == 1


async def test_source_api_crud_and_tenant_isolation(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    headers = await api_headers(sessionmaker, mon.a, "regie")
    created = await client.post(f"{API}/sources", headers=headers, json={
        "name": "Reviews", "kind": "feed", "source_type": "review", "url": FEED, "poll_minutes": 20})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["kind"], body["source_type"], body["poll_minutes"], body["mentions"]) == (
        "Reviews", "feed", "review", 20, 0)
    sid = body["id"]
    listing = (await client.get(f"{API}/sources", headers=headers)).json()
    assert [s["name"] for s in listing["items"]] == ["Reviews"] and listing["total"] == 1

    bad = await client.patch(f"{API}/sources/{sid}", headers=headers, json={"poll_minutes": 3})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "poll_minutes"
    changed = await client.patch(f"{API}/sources/{sid}", headers=headers,
                                 json={"name": "Reviewsites", "is_active": False})
    assert changed.status_code == 200 and (changed.json()["name"], changed.json()["is_active"]) == ("Reviewsites",
                                                                                                   False)
    assert changed.json()["url"] == FEED  # left out: kept
    assert (await client.post(f"{API}/sources/{sid}/poll", headers=headers)).status_code == 409
    await client.patch(f"{API}/sources/{sid}", headers=headers, json={"is_active": True})
    polled = await client.post(f"{API}/sources/{sid}/poll", headers=headers)
    assert polled.status_code == 202 and polled.json() == {"source_id": sid, "queued": True}

    other = await add_source(sessionmaker, mon.b.id, "Globex-feed")
    for method, url in (("GET", f"{API}/sources/{other}"), ("PATCH", f"{API}/sources/{other}"),
                        ("DELETE", f"{API}/sources/{other}"), ("POST", f"{API}/sources/{other}/poll")):
        response = await client.request(method, url, headers=headers, json={"name": "gekaapt"} if method == "PATCH"
                                        else None)
        assert response.status_code == 404, (method, url)
    await login_as(client, mon.a, "regie")
    assert (await client.get(f"{PAGES}/sources/{other}")).status_code == 404
    assert "Globex-feed" not in (await client.get(f"{PAGES}/sources/")).text
    assert [s.name for s in await sources(sessionmaker, mon.b.id)] == ["Globex-feed"]

    assert (await client.delete(f"{API}/sources/{sid}", headers=headers)).status_code == 204
    assert (await client.get(f"{API}/sources/{sid}", headers=headers)).status_code == 404
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.actor == "monitoring.poll_feeds")) == 1
