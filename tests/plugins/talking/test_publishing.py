"""Publishing scheduled posts through the accounts' channel connections, against the local AT Protocol network
(`atproto_network`): a post goes out at its moment (also as a reply), a crash after sending and before recording
is found again instead of posting twice, a failing webhook is tried again with back-off and then fails with a
notice to the author, refused credentials fail at once, an account without a connection waits to be posted by
hand, a moved post's old message does nothing, delete from the network, interactions, followers and their KPIs,
and another tenant reaches none of it.

Jobs are run as the worker runs them (`run_named_job`); the moment is moved into the past instead of waiting.
"""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any
from uuid import UUID

import dramatiq
import pytest
from sqlalchemy import select, update

from core.accounts.models import SocialAccount
from core.channels.models import ChannelConnection
from core.notifications.models import Notification
from core.plugins.api import HookContext, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.talking.measure.hooks import measure
from plugins.talking.models import AccountFollowers, Post, PostVariant, VariantInteractions
from plugins.talking.publishing import service
from tests.atnet import Account, AtprotoNetwork, eventually
from tests.plugins.talking.conftest import Talk, post_and_log
from tests.support import TenantWorld, login_as, post_form

BASE = "/t/acme/p/talking"
JOB = "talking.publish_post"


@pytest.fixture
def allow_localhost(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The local network answers on localhost: allowed the way the test settings allow loopback."""
    monkeypatch.setattr(app.state.settings, "outbound_allow", (*app.state.settings.outbound_allow, "localhost"))


def records(network: AtprotoNetwork, did: str) -> list[dict[str, Any]]:
    """The account's posts as its repository holds them."""
    return network.xrpc("GET", "com.atproto.repo.listRecords",
                        params={"repo": did, "collection": "app.bsky.feed.post"})["records"]


async def bluesky_account(sessionmaker: Any, tw: TenantWorld, handle: str) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            account = SocialAccount(platform="bluesky", handle=handle, department_id=tw.departments["marketing"].id,
                                    status="active", purpose="Nieuws")
            session.add(account)
            await session.flush()
            return account.id


async def connect(client: Any, tw: TenantWorld, account_id: UUID, values: dict[str, str]) -> None:
    await login_as(client, tw, "marketer")
    response = await post_form(client, f"/t/{tw.slug}/accounts/{account_id}/connection", values,
                               follow_redirects=False)
    assert response.status_code in (200, 303), response.text[-1500:]  # 200: a webhook's secret, shown once
    with tenant_scope(tw.id):
        async with client.app.state.sessionmaker() as session:
            row = await session.scalar(select(ChannelConnection)
                                       .where(ChannelConnection.social_account_id == account_id))
            assert row is not None and row.status == "connected", response.text[-1500:]


async def connected_remote(client: Any, sessionmaker: Any, tw: TenantWorld, network: AtprotoNetwork
                           ) -> tuple[Account, UUID]:
    remote = await asyncio.to_thread(network.create_account)
    account_id = await bluesky_account(sessionmaker, tw, remote.handle)
    await connect(client, tw, account_id, {"connector": "atproto", "identifier": remote.handle,
                                           "secret": remote.app_password or "", "service_url": network.pds})
    return remote, account_id


async def due_post(sessionmaker: Any, tw: TenantWorld, accounts: list[UUID], text: str = "Vandaag open tot 20 uur",
                   *, at: datetime | None = None, **values: Any) -> UUID:
    """A scheduled post whose moment has come (or `at`), a variant per account, written by the marketer."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            post = Post(title="Openingstijden", state="scheduled", publish_at=at or datetime.now(UTC) - timedelta(
                seconds=1), author_id=tw.users["marketer"].id, department_id=tw.departments["marketing"].id,
                        **values)
            post.variants = []
            session.add(post)
            for account_id in accounts:
                account = await session.get(SocialAccount, account_id)
                post.variants.append(PostVariant(account_id=account_id, platform=account.platform,
                                                 handle=account.handle, text=text, images=[], links=[]))
            await session.flush()
            return post.id


async def publish(app: Any, tw: TenantWorld, post_id: UUID, at: str = "") -> str:
    return await run_named_job(app, JOB, tw.id, post_id=str(post_id), at=at)


async def notes(sessionmaker: Any, tw: TenantWorld, who: str = "marketer") -> list[Notification]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(Notification).where(
                Notification.user_id == tw.users[who].id, Notification.kind == "talking.publishing"))).all())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- going out ----------------------------------------------------------------------------------------------------

async def test_a_due_post_goes_out_once_is_logged_and_can_be_deleted_from_the_network(
        app, client, talk: Talk, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost) -> None:
    tw = talk.world.a
    remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    post_id = await due_post(sessionmaker, tw, [account_id])
    assert await publish(app, tw, post_id) == "published"

    post, log = await post_and_log(sessionmaker, tw, post_id)
    [variant] = post.variants
    assert (post.state, variant.publish_state, variant.attempts) == ("published", "published", 1)
    assert variant.remote_uri == f"at://{remote.did}/app.bsky.feed.post/{variant.remote_key}"
    assert variant.external_url.endswith(f"/profile/{remote.handle}/post/{variant.remote_key}")
    assert post.published_at == variant.published_at
    assert [(a.outcome, a.attempt, a.remote_uri) for a in log] == [("published", 1, variant.remote_uri)]
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            assert (await session.get(SocialAccount, account_id)).last_post_at == variant.published_at
    [record] = await asyncio.to_thread(records, atproto_network, remote.did)
    assert record["value"]["text"] == "Vandaag open tot 20 uur"

    assert await publish(app, tw, post_id) == "nothing"  # a second message: nothing is sent again
    assert len(await asyncio.to_thread(records, atproto_network, remote.did)) == 1

    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert "Publicatielog" in page and "verzonden" in page and variant.remote_uri in page

    # deleting from the network asks for a confirmation first; without it nothing changes
    url = f"{BASE}/posts/{post_id}/variants/{variant.id}/remove"
    refused = await post_form(client, url, {})
    assert refused.status_code == 422 and "Vink het vakje aan" in unescape(refused.text)
    assert len(await asyncio.to_thread(records, atproto_network, remote.did)) == 1
    done = await post_form(client, url, {"confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    assert await asyncio.to_thread(records, atproto_network, remote.did) == []
    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert post.variants[0].removed_at is not None and log[-1].outcome == "removed"
    assert "verwijderd van het netwerk" in unescape((await client.get(f"{BASE}/posts/{post_id}")).text)


def tiny_png() -> bytes:
    """A valid 1×1 PNG, made here (no file in the repository, nothing downloaded)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x80\x00")) + chunk(b"IEND", b""))


@pytest.fixture
def image_server() -> Any:
    """Images on 127.0.0.1 (allowed for outbound calls in the test settings): a photo, a web page posing as
    one, and an image too large for the network."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answers = {"/photo.png": ("image/png", tiny_png()), "/page.png": ("text/html", b"<html>not an image</html>"),
               "/huge.png": ("image/png", b"\0" * (service.IMAGE_BYTES + 1))}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            kind, body = answers.get(self.path, ("text/plain", b""))
            self.send_response(200 if self.path in answers else 404)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_images_go_out_with_their_alternative_text_and_a_bad_one_is_a_reason(
        app, client, talk: Talk, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost,
        image_server: str) -> None:
    tw = talk.world.a
    remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    post_id = await due_post(sessionmaker, tw, [account_id], "Onze nieuwe wachtruimte")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(PostVariant).where(PostVariant.post_id == post_id).values(images=[
                {"url": f"{image_server}/photo.png", "alt": "Een lichte wachtruimte met groene stoelen"}]))
    assert await publish(app, tw, post_id) == "published"
    [record] = await asyncio.to_thread(records, atproto_network, remote.did)
    [image] = record["value"]["embed"]["images"]
    assert image["alt"] == "Een lichte wachtruimte met groene stoelen"
    assert image["image"]["mimeType"] == "image/png" and image["image"]["size"] == len(tiny_png())

    for path, reason in (("/page.png", "text/html"), ("/huge.png", "larger than")):
        other = await due_post(sessionmaker, tw, [account_id], f"Foto {path}")
        with tenant_scope(tw.id):
            async with sessionmaker() as session, session.begin():
                await session.execute(update(PostVariant).where(PostVariant.post_id == other).values(
                    images=[{"url": f"{image_server}{path}", "alt": "Foto"}]))
        await publish(app, tw, other)
        post, log = await post_and_log(sessionmaker, tw, other)
        assert post.variants[0].publish_state == "retrying" and reason in post.variants[0].last_error
        assert [a.outcome for a in log] == ["retry"]
    assert len(await asyncio.to_thread(records, atproto_network, remote.did)) == 1  # nothing else went out


async def test_a_response_goes_out_as_a_reply_in_its_thread(app, client, talk: Talk, sessionmaker,
                                                             atproto_network: AtprotoNetwork,
                                                             allow_localhost) -> None:
    tw = talk.world.a
    customer = await asyncio.to_thread(atproto_network.create_account)
    theirs = (await asyncio.to_thread(atproto_network.client, customer)).send_post("Is de winkel vandaag open?")
    await asyncio.to_thread(atproto_network.settle)
    remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    post_id = await due_post(sessionmaker, tw, [account_id], "Ja, tot 20 uur!", reply_to_uri=theirs.uri,
                             source_kind="mention")
    assert await publish(app, tw, post_id) == "published"
    [record] = await asyncio.to_thread(records, atproto_network, remote.did)
    assert record["value"]["reply"]["parent"]["uri"] == theirs.uri
    assert record["value"]["reply"]["root"]["uri"] == theirs.uri


async def test_a_crash_after_sending_is_found_on_the_retry_never_posted_twice(
        app, client, talk: Talk, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    tw = talk.world.a
    remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    post_id = await due_post(sessionmaker, tw, [account_id])

    async def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the process died after sending")

    with monkeypatch.context() as patched:
        patched.setattr(service, "record_sent", crash)
        with pytest.raises(RuntimeError):
            await publish(app, tw, post_id)
    post, log = await post_and_log(sessionmaker, tw, post_id)
    [variant] = post.variants
    key = variant.remote_key
    assert key and (variant.remote_uri, variant.published_at, post.state, log) == ("", None, "scheduled", [])
    assert len(await asyncio.to_thread(records, atproto_network, remote.did)) == 1  # it did go out

    assert await publish(app, tw, post_id) == "published"
    post, log = await post_and_log(sessionmaker, tw, post_id)
    [variant] = post.variants
    assert (post.state, variant.remote_key, [a.outcome for a in log]) == ("published", key, ["found"])
    [record] = await asyncio.to_thread(records, atproto_network, remote.did)  # exactly one post
    assert record["uri"] == variant.remote_uri


async def test_two_runs_at_once_send_under_one_key_and_post_once(
        app, client, talk: Talk, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost) -> None:
    """A delayed message and the sweeper's may run together (SQLite has no advisory lock): both take the one key
    stored first, and the network keeps one record per key."""
    tw = talk.world.a
    remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    post_id = await due_post(sessionmaker, tw, [account_id])
    outcomes = await asyncio.gather(publish(app, tw, post_id), publish(app, tw, post_id), return_exceptions=True)
    assert "published" in outcomes, outcomes
    await publish(app, tw, post_id)  # whatever an overlapping run left to do
    post, log = await post_and_log(sessionmaker, tw, post_id)
    [variant] = post.variants
    assert post.state == "published" and {a.remote_uri for a in log if a.remote_uri} == {variant.remote_uri}
    [record] = await asyncio.to_thread(records, atproto_network, remote.did)  # exactly one post
    assert record["uri"] == variant.remote_uri and record["uri"].endswith("/" + variant.remote_key)


# -- failing -------------------------------------------------------------------------------------------------------

async def test_a_failing_webhook_is_tried_again_with_back_off_then_fails_and_the_author_is_told(
        app, client, talk: Talk, sessionmaker) -> None:
    tw = talk.world.a
    account_id = talk.x()
    await connect(client, tw, account_id, {"connector": "webhook",
                                           "service_url": f"http://127.0.0.1:{closed_port()}/hook"})
    post_id = await due_post(sessionmaker, tw, [account_id])
    waits = []
    for attempt in range(1, service.MAX_ATTEMPTS + 1):
        before = datetime.now(UTC)
        await publish(app, tw, post_id)
        post, log = await post_and_log(sessionmaker, tw, post_id)
        [variant] = post.variants
        assert variant.attempts == attempt and log[-1].attempt == attempt and "ConnectError" in log[-1].reason
        if attempt < service.MAX_ATTEMPTS:
            assert (post.state, variant.publish_state, log[-1].outcome) == ("scheduled", "retrying", "retry")
            waits.append(round((variant.next_attempt_at - before).total_seconds()))
            assert await publish(app, tw, post_id) == "pending"  # not due yet: nothing is sent
            assert (await post_and_log(sessionmaker, tw, post_id))[0].variants[0].attempts == attempt
            with tenant_scope(tw.id):  # its time comes
                async with sessionmaker() as session, session.begin():
                    await session.execute(update(PostVariant).where(PostVariant.id == variant.id)
                                          .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert waits == list(service.BACKOFF)
    assert (post.state, variant.publish_state, log[-1].outcome) == ("failed", "failed", "failed")
    assert "ConnectError" in post.state_reason and f"@{variant.handle}" in post.state_reason
    [note] = await notes(sessionmaker, tw)
    assert note.title == "Je bericht kon niet worden geplaatst: Openingstijden" and "ConnectError" in note.body
    assert note.href == f"{BASE}/posts/{post_id}"
    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert "definitief mislukt" in page and "Nu opnieuw proberen" in page

    # trying again by hand: a fresh series of tries, at once
    assert (await post_form(client, f"{BASE}/posts/{post_id}/retry", {}, follow_redirects=False)).status_code == 303
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    assert (post.state, post.variants[0].publish_state, post.variants[0].attempts) == ("scheduled", "", 0)
    again = await post_form(client, f"{BASE}/posts/{post_id}/retry", {})
    assert again.status_code == 409  # only a failed post


async def test_what_goes_out_is_what_was_checked_edits_and_crisis_stop_the_sending(
        app, client, talk: Talk, sessionmaker) -> None:
    """A failed post that is edited goes back to draft (a retry cannot send unchecked text); a variant that had a
    try keeps its place; crisis mode pauses a post at its moment whatever brought it there; a run whose post
    changed after it began sends nothing."""
    from plugins.talking.models import ApprovalSettings
    from tests.plugins.talking.conftest import post_form as editor_form

    tw = talk.world.a
    account_id = talk.x()
    await connect(client, tw, account_id, {"connector": "webhook",
                                           "service_url": f"http://127.0.0.1:{closed_port()}/hook"})
    post_id = await due_post(sessionmaker, tw, [account_id], objective="", theme="service")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Post).where(Post.id == post_id).values(state="failed"))
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    form = editor_form(talk, "acme", title=post.title, revision=str(post.revision), x="Vandaag open tot 21 uur",
                       publish_at="2099-05-14T09:30")
    assert (await post_form(client, f"{BASE}/posts/{post_id}", form, follow_redirects=False)).status_code == 303
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    assert (post.state, post.state_reason) == ("draft", "edited")
    assert (await post_form(client, f"{BASE}/posts/{post_id}/retry", {})).status_code == 409

    # a try was made (its key is stored): the account can no longer be taken off the post
    await publish(app, tw, await due_post(sessionmaker, tw, [account_id]))
    tried = await due_post(sessionmaker, tw, [account_id, talk.fb()])
    await publish(app, tw, tried)
    post, _log = await post_and_log(sessionmaker, tw, tried)
    keyed = next(v for v in post.variants if v.account_id == account_id)
    assert keyed.remote_key
    form = {**editor_form(talk, "acme", title=post.title, revision=str(post.revision), x=None,
                          fb="Vandaag open tot 20 uur"), "publish_at": "2099-05-14T09:30"}
    refused = await post_form(client, f"{BASE}/posts/{tried}", form)
    assert refused.status_code == 422 and "niet meer worden verwijderd" in unescape(refused.text)
    assert {v.account_id for v in (await post_and_log(sessionmaker, tw, tried))[0].variants} == {account_id, talk.fb()}

    # crisis mode: a due post is paused at its moment, nothing is sent
    calm = await due_post(sessionmaker, tw, [account_id], "Tijdens een crisis")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(ApprovalSettings(expiry_days=14, steps=[], keywords=[], platforms=[], account_ids=[],
                                         campaign_ids=[], untrained=False, crisis_since=datetime.now(UTC)))
    assert await publish(app, tw, calm) == "paused"
    post, log = await post_and_log(sessionmaker, tw, calm)
    assert (post.state, post.state_reason, log) == ("paused", "crisis", [])
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(ApprovalSettings).values(crisis_since=None))

    # a run whose post changed after it began (edited, moved, paused) sends nothing
    later = await due_post(sessionmaker, tw, [account_id], "Na een wijziging")
    post, _log = await post_and_log(sessionmaker, tw, later)
    [variant] = post.variants
    stale = service.Work(variant.id, account_id, "3kabcdefghijk", False, post.revision - 1)
    with tenant_scope(tw.id):
        assert await service.send_variant(service_ctx(app, tw), later, stale) == "nothing"
    assert (await post_and_log(sessionmaker, tw, later))[1] == []


def service_ctx(app: Any, tw: TenantWorld) -> Any:
    """A job context for the tenant, as the worker makes one (no transaction around the job)."""
    from core.plugins.api import JobContext

    return JobContext(tenant_id=tw.id, tenant_slug=tw.slug, sessionmaker=app.state.sessionmaker,
                      settings=app.state.settings, pm=app.state.pm)


async def test_refused_credentials_fail_at_once(app, client, talk: Talk, sessionmaker,
                                                atproto_network: AtprotoNetwork, allow_localhost) -> None:
    tw = talk.world.a
    _remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    with tenant_scope(tw.id):  # the stored identity is gone: the network cannot take it from these credentials
        async with sessionmaker() as session, session.begin():
            await session.execute(update(ChannelConnection).where(ChannelConnection.social_account_id == account_id)
                                  .values(remote_did=""))
    post_id = await due_post(sessionmaker, tw, [account_id])
    await publish(app, tw, post_id)
    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert (post.state, post.variants[0].attempts, [a.outcome for a in log]) == ("failed", 1, ["failed"])
    assert len(await notes(sessionmaker, tw)) == 1


async def test_an_account_without_a_sending_connection_waits_to_be_posted_by_hand(
        app, client, talk: Talk, sessionmaker) -> None:
    tw = talk.world.a
    await connect(client, tw, talk.fb(), {"connector": "posted_elsewhere"})
    post_id = await due_post(sessionmaker, tw, [talk.x(), talk.fb()])  # x: no connection; facebook: by hand
    assert await publish(app, tw, post_id) == "by_hand"
    post, log = await post_and_log(sessionmaker, tw, post_id)
    assert (post.state, post.state_reason) == ("scheduled", "by_hand")
    assert {v.publish_state for v in post.variants} == {"by_hand"} and [a.outcome for a in log] == ["by_hand"] * 2
    [note] = await notes(sessionmaker, tw)
    assert note.title == "Plaats dit nu met de hand: Openingstijden" and "acme_x" in note.body
    assert await publish(app, tw, post_id) == "by_hand"
    assert len(await notes(sessionmaker, tw)) == 1  # told once

    await login_as(client, tw, "marketer")
    x = next(v for v in post.variants if v.account_id == talk.x())
    url = f"{BASE}/posts/{post_id}/variants/{x.id}/posted"
    bad = await post_form(client, url, {"url": "geen adres"})
    assert bad.status_code == 422
    assert (await post_and_log(sessionmaker, tw, post_id))[0].variants[0].published_at is None
    await post_form(client, url, {"url": "https://x.example/acme/1"})
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    assert post.state == "scheduled"  # facebook still waits
    fb = next(v for v in post.variants if v.account_id == talk.fb())
    await post_form(client, f"{BASE}/posts/{post_id}/variants/{fb.id}/posted", {"url": "https://fb.example/acme/1"})
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    assert post.state == "published" and post.published_at is not None


# -- planning -------------------------------------------------------------------------------------------------------

def planned(app: Any) -> list[dict[str, Any]]:
    """The publishing messages waiting on the test broker (delayed ones included), oldest first."""
    broker = app.state.broker
    found = []
    for name, queue in broker.queues.items():
        for data in list(queue.queue):
            message = dramatiq.Message.decode(data)
            if message.actor_name == JOB:
                found.append({**message.kwargs, "queue": name, "eta": message.options.get("eta")})
    return found


async def test_submitting_plans_the_moment_and_a_moved_post_leaves_its_old_message_nothing_to_do(
        app, client, talk: Talk, sessionmaker) -> None:
    from core.jobs.outbox import wait_for_relays

    tw = talk.world.a
    moment = (datetime.now(UTC) + timedelta(minutes=30)).replace(second=0, microsecond=0)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            post = Post(title="Straks", state="draft", publish_at=moment, author_id=tw.users["marketer"].id,
                        department_id=tw.departments["marketing"].id)
            post.variants = [PostVariant(account_id=talk.x(), platform="x", handle="acme_x", text="Straks open",
                                         images=[], links=[])]
            session.add(post)
    await login_as(client, tw, "marketer")
    assert (await post_form(client, f"{BASE}/posts/{post.id}/submit", {}, follow_redirects=False)).status_code == 303
    await wait_for_relays()
    [message] = planned(app)
    assert message["post_id"] == str(post.id) and message["at"] == moment.isoformat()
    assert message["queue"].endswith(".DQ")  # delayed until its moment

    later = moment + timedelta(minutes=10)
    r = await post_form(client, f"{BASE}/posts/{post.id}/reschedule",
                        {"publish_at": later.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
                         .strftime("%Y-%m-%dT%H:%M")}, follow_redirects=False)
    assert r.status_code == 303
    await wait_for_relays()
    assert sorted(m["at"] for m in planned(app)) == [moment.isoformat(), later.isoformat()]

    with tenant_scope(tw.id):  # the old moment comes: its message finds nothing to do
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Post).where(Post.id == post.id).values(
                publish_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert await publish(app, tw, post.id, at=moment.isoformat()) == "moved"
    saved, log = await post_and_log(sessionmaker, tw, post.id)
    assert (saved.state, log) == ("scheduled", [])


async def test_the_sweeper_plans_posts_coming_due_and_skips_an_expired_approval(app, talk: Talk,
                                                                                 sessionmaker) -> None:
    tw = talk.world.a
    soon = (datetime.now(UTC) + timedelta(seconds=60)).replace(microsecond=0)
    due = await due_post(sessionmaker, tw, [talk.x()], at=soon)
    far = await due_post(sessionmaker, tw, [talk.x()], at=datetime.now(UTC) + timedelta(days=2))
    assert await run_named_job(app, "talking.publish_sweep", tw.id) == 1
    from core.jobs.outbox import wait_for_relays

    await wait_for_relays()
    assert [m["post_id"] for m in planned(app)] == [str(due)] and str(far) not in str(planned(app))
    assert await publish(app, tw, due, at=soon.isoformat()) == "early"  # a message that came early waits

    moment = datetime.now(UTC) + timedelta(seconds=1.5)  # a message due `AHEAD` of its moment waits for it
    waiting = await due_post(sessionmaker, tw, [talk.x()], at=moment)
    assert await publish(app, tw, waiting, at=moment.isoformat()) == "by_hand"
    _post, [entry] = await post_and_log(sessionmaker, tw, waiting)
    assert entry.at >= moment

    expired = await due_post(sessionmaker, tw, [talk.x()], approval_expires_at=datetime.now(UTC) - timedelta(hours=1))
    assert await publish(app, tw, expired) == "expired"
    post, log = await post_and_log(sessionmaker, tw, expired)
    assert (post.state, post.variants[0].publish_state, log) == ("scheduled", "", [])


# -- what comes back -----------------------------------------------------------------------------------------------

async def test_interactions_followers_and_their_kpis(app, client, talk: Talk, sessionmaker,
                                                     atproto_network: AtprotoNetwork, allow_localhost) -> None:
    tw = talk.world.a
    remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    post_id = await due_post(sessionmaker, tw, [account_id])
    await publish(app, tw, post_id)
    post, _log = await post_and_log(sessionmaker, tw, post_id)
    uri = post.variants[0].remote_uri
    fans = [await asyncio.to_thread(atproto_network.create_account) for _ in range(2)]
    await asyncio.to_thread(atproto_network.settle)
    for fan in fans:
        sdk = await asyncio.to_thread(atproto_network.client, fan)
        cid = records(atproto_network, remote.did)[0]["cid"]
        await asyncio.to_thread(sdk.like, uri, cid)
        await asyncio.to_thread(sdk.follow, remote.did)
    await asyncio.to_thread(sdk.repost, uri, cid)

    async def interactions() -> VariantInteractions | None:
        await run_named_job(app, "talking.interactions", tw.id)
        with tenant_scope(tw.id):
            async with sessionmaker() as session:
                return await session.scalar(select(VariantInteractions))

    row = await eventually(atproto_network, interactions, lambda r: r is not None and r.total == 3)
    assert row is not None and (row.likes, row.reposts, row.account_id) == (2, 1, account_id)

    async def followers() -> list[AccountFollowers]:
        await run_named_job(app, "talking.followers", tw.id)
        with tenant_scope(tw.id):
            async with sessionmaker() as session:
                return list((await session.scalars(select(AccountFollowers))).all())

    rows = await eventually(atproto_network, followers, lambda r: len(r) == 1 and r[0].followers == 2)
    assert [(r.account_id, r.day, r.followers, r.posts) for r in rows] == \
        [(account_id, datetime.now(UTC).date(), 2, 1)]  # one row per account per day, however often it runs

    today = datetime.now(UTC).date()
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            ctx = HookContext(tenant_id=tw.id, tenant_slug=tw.slug, session=session)
            assert await measure(ctx, "talking.interactions", (today, today)) == 3.0
            assert await measure(ctx, "talking.followers", (today, today)) == 2.0
            assert await measure(ctx, "talking.engagement_rate", (today, today)) == 150.0
            long_ago = date(2020, 1, 1)
            assert await measure(ctx, "talking.followers", (long_ago, long_ago)) is None
            assert await measure(ctx, "talking.engagement_rate", (long_ago, long_ago)) is None

    # the other tenant sees none of it, and cannot act on the post
    with tenant_scope(talk.world.b.id):
        async with sessionmaker() as session:
            ctx = HookContext(tenant_id=talk.world.b.id, tenant_slug="globex", session=session)
            assert await measure(ctx, "talking.interactions", (today, today)) == 0.0
            assert await measure(ctx, "talking.followers", (today, today)) is None
    client.cookies.clear()
    await login_as(client, talk.world.b, "marketer")
    foreign = await post_form(client, f"/t/globex/p/talking/posts/{post_id}/variants/{post.variants[0].id}/remove",
                              {"confirm": "yes"})
    assert foreign.status_code == 404
    assert len(await asyncio.to_thread(records, atproto_network, remote.did)) == 1
