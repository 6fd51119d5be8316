"""Feed polling against a local HTTP server: conditional GET, 304, 500 with backoff, timeouts, malformed XML,
redirects (checked hop by hop), the size cap, RSS and Atom; and the parser on its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Mention, Source
from plugins.monitoring.sources import feeds
from plugins.monitoring.sources.feeds import FeedError, backoff, error_text, parse_feed, strip_html
from tests.support import World

Reply = tuple[int, dict[str, str], bytes]

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Nieuws</title><link>https://www.nieuws.example/</link>
<item><title>Acme opent &amp; sluit</title><link>https://www.nieuws.example/a</link><guid>a-1</guid>
  <description>&lt;p&gt;De &lt;b&gt;klanten&lt;/b&gt; zijn boos.&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</description>
  <pubDate>Mon, 06 Jan 2025 10:00:00 +0100</pubDate><author>jan@nieuws.example (Jan Jansen)</author>
  <category>zorg</category></item>
<item><title>Tweede bericht</title><link>/b</link><description>Kort.</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><link href="https://blog.example.org/"/>
<id>urn:blog</id><updated>2025-01-02T00:00:00Z</updated>
<entry><title>Eerste post</title><id>urn:post:1</id><updated>2025-01-02T08:00:00Z</updated>
  <summary>Samenvatting</summary><content type="html">&lt;p&gt;Hele tekst over Acme&lt;/p&gt;</content>
  <link href="https://blog.example.org/1"/><author><name>Piet</name></author></entry>
</feed>"""


class FeedServer:
    """A programmable HTTP server on 127.0.0.1: `routes[path]` is a reply or a function of the handler."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | Callable[[BaseHTTPRequestHandler], Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = owner.routes.get(self.path, (404, {}, b""))
                try:
                    status, headers, body = route(self) if callable(route) else route
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer()
    s.thread.start()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


def conditional(body: bytes, etag: str = '"v1"',
                modified: str = "Mon, 06 Jan 2025 10:00:00 GMT") -> Callable[..., Reply]:
    """200 with validators, 304 when the request carries them."""
    def reply(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == etag or handler.headers.get("If-Modified-Since") == modified:
            return 304, {"ETag": etag}, b""
        headers = {"Content-Type": "application/rss+xml; charset=utf-8", "ETag": etag, "Last-Modified": modified}
        return 200, headers, body
    return reply


async def add_feed(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID, url: str, name: str = "Feed",
                   **fields: Any) -> UUID:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            source = Source(name=name, kind="feed", source_type=fields.pop("source_type", "news"), url=url,
                            poll_minutes=fields.pop("poll_minutes", 15), **fields)
            s.add(source)
            await s.flush()
            return source.id


async def state(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: UUID, source_id: UUID) -> tuple[Source, int]:
    with tenant_scope(tenant_id):
        async with sessionmaker() as s:
            source = await s.get(Source, source_id)
            count = await s.scalar(select(func.count()).select_from(Mention).where(Mention.source_id == source_id))
            return source, count or 0


async def poll(app: Any, tenant_id: UUID, source_id: UUID | None = None) -> dict[str, Any]:
    payload = {"source_id": str(source_id)} if source_id else {}
    return await run_named_job(app, "monitoring.poll_feeds", tenant_id, **payload)


def near(moment: datetime | None, expected: datetime, slack: timedelta = timedelta(seconds=30)) -> bool:
    assert moment is not None
    return abs(moment - expected) < slack


# -- the parser ---------------------------------------------------------------------------------------------------

def test_rss_2_and_atom_are_read_into_items_with_parts_kept_apart() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    first, second = parse_feed(RSS, "https://feeds.nieuws.example/rss", now=now)
    assert first == {"external_id": "a-1", "published_at": datetime(2025, 1, 6, 9, 0, tzinfo=UTC),
                     "title": "Acme opent & sluit", "lead": "De klanten zijn boos.", "body": "",
                     "url": "https://www.nieuws.example/a", "place": "nieuws.example",
                     "author_handle": "jan@nieuws.example", "author_name": "Jan Jansen", "tags": ["zorg"]}
    # no guid: the (resolved) link is the id; no date: now
    assert (second["external_id"], second["url"], second["published_at"]) == (
        "https://www.nieuws.example/b", "https://www.nieuws.example/b", now)
    [entry] = parse_feed(ATOM, "https://blog.example.org/atom.xml", now=now)
    assert (entry["external_id"], entry["title"], entry["lead"], entry["body"], entry["author_name"], entry["place"]) \
        == ("urn:post:1", "Eerste post", "Samenvatting", "Hele tekst over Acme", "Piet", "blog.example.org")
    assert entry["published_at"] == datetime(2025, 1, 2, 8, 0, tzinfo=UTC)


def test_an_entry_without_id_or_link_gets_a_stable_hash_and_future_dates_become_now() -> None:
    feed = b"""<rss version="2.0"><channel><title>x</title><item><title>Zonder id</title>
    <pubDate>Mon, 06 Jan 2098 10:00:00 +0000</pubDate></item></channel></rss>"""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    [a], [b] = parse_feed(feed, "https://x.example/rss", now=now), parse_feed(feed, "https://x.example/rss", now=now)
    assert a["external_id"] == b["external_id"] and a["external_id"].startswith("sha256:")
    assert a["published_at"] == now and a["place"] == "x.example"


def test_unreadable_feeds_are_errors_with_the_reason() -> None:
    for content in (b"<rss><channel><title>x</channel", b"\x00\xff not xml at all", b""):
        with pytest.raises(FeedError) as caught:
            parse_feed(content, "https://x.example/rss")
        assert str(caught.value).startswith("The feed could not be read: ")
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Leeg</title></channel></rss>'
    assert parse_feed(empty, "https://x.example/rss") == []  # a valid feed without entries is fine


def test_html_is_stripped_to_readable_text() -> None:
    assert strip_html("<p>Een&nbsp;<b>vet</b> woord</p><script>alert(1)</script><p>Twee &amp; drie</p>") == \
        "Een vet woord Twee & drie"
    assert strip_html("geen html") == "geen html" and strip_html("") == ""


def test_backoff_doubles_with_each_failure_up_to_a_day() -> None:
    assert [backoff(15, n) for n in (1, 2, 3)] == [timedelta(minutes=30), timedelta(minutes=60),
                                                   timedelta(minutes=120)]
    assert backoff(15, 10) == timedelta(hours=24) and backoff(1440, 1) == timedelta(hours=24)
    assert backoff(15, 10_000) == timedelta(hours=24)


def test_stored_errors_are_shown_in_the_readers_language() -> None:
    from core.plugins.manager import build_plugin_manager

    build_plugin_manager()  # registers the plugin's translations
    stored = "The server answered with HTTP 503."
    assert error_text(stored, "en") == stored
    assert error_text(stored, "nl") == "De server antwoordde met HTTP 503."
    refused = "The address was refused: This address points into a private network, which is not allowed."
    assert error_text(refused, "nl") == \
        "Het adres werd geweigerd: Dit adres wijst naar een privé-netwerk; dat is niet toegestaan."
    assert error_text("something unforeseen", "nl") == "something unforeseen"


# -- polling --------------------------------------------------------------------------------------------------

async def test_first_poll_stores_entries_and_a_second_gets_304_and_adds_nothing(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], server: FeedServer) -> None:
    server.routes["/rss"] = conditional(RSS)
    source_id = await add_feed(sessionmaker, mon.a.id, server.url("/rss"))
    result = await poll(app, mon.a.id)
    assert (result["polled"], result["succeeded"], result["created"]) == (1, 1, 2)
    source, count = await state(sessionmaker, mon.a.id, source_id)
    now = datetime.now(UTC)
    assert count == 2 and source.failures == 0 and source.last_error == ""
    assert source.etag == '"v1"' and source.last_modified == "Mon, 06 Jan 2025 10:00:00 GMT"
    assert near(source.last_success_at, now) and near(source.next_poll_at, now + timedelta(minutes=15))
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            m = await s.scalar(select(Mention).where(Mention.external_id == "a-1"))
    assert (m.title, m.lead, m.place, m.author_name, m.source_type) == (
        "Acme opent & sluit", "De klanten zijn boos.", "nieuws.example", "Jan Jansen", "news")
    path, headers = server.requests[-1]
    assert headers["user-agent"] == "Regie-monitoring/1.0" and "if-none-match" not in headers

    assert (await poll(app, mon.a.id))["polled"] == 0  # not due yet
    result = await poll(app, mon.a.id, source_id)  # 'poll now'
    _, headers = server.requests[-1]
    assert headers["if-none-match"] == '"v1"' and headers["if-modified-since"] == "Mon, 06 Jan 2025 10:00:00 GMT"
    assert (result["succeeded"], result["created"]) == (1, 0)
    source, count = await state(sessionmaker, mon.a.id, source_id)
    assert count == 2 and source.etag == '"v1"' and source.failures == 0

    server.routes["/rss"] = (200, {"Content-Type": "application/rss+xml"}, RSS)  # no validators: same content
    result = await poll(app, mon.a.id, source_id)
    source, count = await state(sessionmaker, mon.a.id, source_id)
    assert result["created"] == 0 and count == 2 and source.etag is None  # idempotent on the entry ids


async def test_server_errors_back_off_exponentially_and_one_failure_never_stops_the_others(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], server: FeedServer) -> None:
    server.routes["/broken"] = (500, {}, b"oops")
    server.routes["/atom"] = (200, {"Content-Type": "application/atom+xml"}, ATOM)
    broken = await add_feed(sessionmaker, mon.a.id, server.url("/broken"), "Kapot")
    fine = await add_feed(sessionmaker, mon.a.id, server.url("/atom"), "Blog", source_type="blog")
    result = await poll(app, mon.a.id)
    assert (result["polled"], result["succeeded"], result["failed"], result["created"]) == (2, 1, 1, 1)
    source, count = await state(sessionmaker, mon.a.id, broken)
    now = datetime.now(UTC)
    assert (source.failures, source.last_error, count) == (1, "The server answered with HTTP 500.", 0)
    assert near(source.next_poll_at, now + timedelta(minutes=30)) and source.last_success_at is None
    assert (await state(sessionmaker, mon.a.id, fine))[1] == 1

    await poll(app, mon.a.id, broken)
    source, _ = await state(sessionmaker, mon.a.id, broken)
    assert source.failures == 2 and near(source.next_poll_at, datetime.now(UTC) + timedelta(minutes=60))

    server.routes["/broken"] = (200, {"Content-Type": "application/rss+xml"}, RSS)
    await poll(app, mon.a.id, broken)
    source, count = await state(sessionmaker, mon.a.id, broken)
    assert (source.failures, source.last_error, count) == (0, "", 2)
    assert near(source.next_poll_at, datetime.now(UTC) + timedelta(minutes=15))


async def test_a_slow_server_times_out_and_malformed_xml_is_an_error(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], server: FeedServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "TIMEOUT", 0.3)

    def slow(_handler: BaseHTTPRequestHandler) -> Reply:
        time.sleep(1.2)
        return 200, {}, RSS

    server.routes["/slow"] = slow
    server.routes["/bad"] = (200, {"Content-Type": "application/rss+xml"}, b"<rss><channel><title>x</channel")
    slow_id = await add_feed(sessionmaker, mon.a.id, server.url("/slow"), "Traag")
    bad_id = await add_feed(sessionmaker, mon.a.id, server.url("/bad"), "Stuk")
    result = await poll(app, mon.a.id)
    assert result["failed"] == 2
    slow_source, _ = await state(sessionmaker, mon.a.id, slow_id)
    bad_source, count = await state(sessionmaker, mon.a.id, bad_id)
    assert slow_source.last_error == "No answer within 0.3 seconds." and slow_source.failures == 1
    assert bad_source.last_error.startswith("The feed could not be read: ") and count == 0


async def test_redirects_are_followed_but_every_hop_is_checked(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], server: FeedServer) -> None:
    server.routes["/moved"] = (301, {"Location": "/rss"}, b"")
    server.routes["/rss"] = (200, {"Content-Type": "application/rss+xml"}, RSS)
    server.routes["/to-private"] = (302, {"Location": "http://10.0.0.1/feed"}, b"")
    server.routes["/to-metadata"] = (307, {"Location": "http://169.254.169.254/latest/meta-data/"}, b"")
    server.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    moved = await add_feed(sessionmaker, mon.a.id, server.url("/moved"), "Verhuisd")
    private = await add_feed(sessionmaker, mon.a.id, server.url("/to-private"), "Privé")
    metadata = await add_feed(sessionmaker, mon.a.id, server.url("/to-metadata"), "Metadata")
    loop = await add_feed(sessionmaker, mon.a.id, server.url("/loop"), "Rondje")
    await poll(app, mon.a.id)
    assert (await state(sessionmaker, mon.a.id, moved))[1] == 2
    refused = "The address was refused: This address points into a private network, which is not allowed."
    assert (await state(sessionmaker, mon.a.id, private))[0].last_error == refused
    assert (await state(sessionmaker, mon.a.id, metadata))[0].last_error == refused
    assert (await state(sessionmaker, mon.a.id, loop))[0].last_error == "Too many redirects (more than 5)."
    assert sum(1 for path, _ in server.requests if path == "/loop") == 6


async def test_a_feed_over_the_size_cap_is_refused(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], server: FeedServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "MAX_BYTES", 1024 * 1024)
    big = RSS.replace(b"Kort.", b"x" * (1024 * 1024 + 10))
    server.routes["/big"] = (200, {"Content-Type": "application/rss+xml"}, big)
    source_id = await add_feed(sessionmaker, mon.a.id, server.url("/big"))
    await poll(app, mon.a.id)
    source, count = await state(sessionmaker, mon.a.id, source_id)
    assert source.last_error == "The feed is larger than 1 MB." and count == 0


async def test_only_due_active_feeds_are_polled_and_a_refused_address_counts_as_a_failure(
        app: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession], server: FeedServer) -> None:
    server.routes["/rss"] = (200, {"Content-Type": "application/rss+xml"}, RSS)
    later = datetime.now(UTC) + timedelta(hours=1)
    await add_feed(sessionmaker, mon.a.id, server.url("/rss"), "Later", next_poll_at=later)
    await add_feed(sessionmaker, mon.a.id, server.url("/rss"), "Uit", is_active=False)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            s.add(Source(name="Export", kind="import", source_type="social"))
    rebound = await add_feed(sessionmaker, mon.a.id, "http://10.1.2.3/rss", "Herbonden")  # saved, then rebound
    await add_feed(sessionmaker, mon.b.id, server.url("/rss"), "Ander")  # another tenant's feed
    result = await poll(app, mon.a.id)
    assert (result["polled"], result["failed"]) == (1, 1)
    source, _ = await state(sessionmaker, mon.a.id, rebound)
    assert source.failures == 1 and source.last_error.startswith("The address was refused: ")
    assert not server.requests
