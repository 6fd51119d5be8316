"""The AT Protocol connector against the local reference network (PLC, PDS, AppView): connect, publish under a
chosen key, a retry that finds the post instead of posting twice, replies in the right thread, delete,
interactions, followers, mentions and replies with a cursor, search.

The AppView indexes what the PDS writes asynchronously: `eventually` settles the network and asks again until
a deadline (a bound only a network that stopped indexing would break, not a timing assertion).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from atproto import AsyncClient, client_utils, models

from core.channels.atproto import Atproto, post_url
from core.channels.connector import (
    Capability,
    ChannelError,
    Connection,
    Credentials,
    Link,
    NotOnNetwork,
    PostDraft,
    PostRef,
    new_key,
)
from core.settings import Settings
from tests.atnet import Account, AtprotoNetwork, eventually

"""Seconds an indexed change may take to show: only a network that stopped indexing exceeds it."""


@dataclass(frozen=True)
class RegisteredAccount:
    """What `connect` reads of a social account of the registry."""

    id: Any
    handle: str


def loopback_settings() -> Settings:
    """The tests' network runs on localhost: allowed the way the test settings allow loopback."""
    return Settings(outbound_allow=("127.0.0.1", "::1", "localhost"))


async def signed_in(network: AtprotoNetwork, account: Account) -> AsyncClient:
    client = AsyncClient(base_url=network.pds)
    await client.login(account.handle, account.password)
    return client


@pytest.fixture
async def pair(atproto_network: AtprotoNetwork) -> AsyncIterator[tuple[Account, Account, AsyncClient]]:
    """The organisation's account and a customer's, with the customer signed in."""
    ours, theirs = await asyncio.to_thread(atproto_network.create_account), \
        await asyncio.to_thread(atproto_network.create_account)
    customer = await signed_in(atproto_network, theirs)
    yield ours, theirs, customer
    await customer.request.close()


async def connected(network: AtprotoNetwork, account: Account) -> tuple[Atproto, Connection]:
    connector = Atproto(loopback_settings())
    connection = await connector.connect(RegisteredAccount(id=None, handle=account.handle),
                                         Credentials(account.handle, account.app_password or "", network.pds))
    return connector, connection


async def feed_count(customer: AsyncClient, did: str) -> int:
    return len((await customer.get_author_feed(did, limit=100)).feed)


async def test_connect_names_the_account_and_a_wrong_password_says_why(atproto_network, pair) -> None:
    ours, _theirs, _customer = pair
    connector, connection = await connected(atproto_network, ours)
    assert (connection.did, connection.handle, connection.service_url) == (ours.did, ours.handle, atproto_network.pds)
    assert connection.session and ours.app_password not in repr(connection)
    assert connector.capabilities == frozenset(Capability)

    with pytest.raises(ChannelError) as refused:
        await connector.connect(RegisteredAccount(id=None, handle=ours.handle),
                                Credentials(ours.handle, "wrong-password", atproto_network.pds))
    assert refused.value.auth and refused.value.status_code == 401
    assert refused.value.reason == "Invalid identifier or password"


async def test_a_private_service_is_refused_unless_the_operator_allows_it(atproto_network, pair) -> None:
    ours, _theirs, _customer = pair
    connector = Atproto(Settings(outbound_allow=()))
    with pytest.raises(ChannelError, match="private network"):
        await connector.connect(RegisteredAccount(id=None, handle=ours.handle),
                                Credentials(ours.handle, ours.app_password or "", atproto_network.pds))


async def test_publish_under_a_key_and_a_retry_after_a_crash_finds_it(atproto_network, pair) -> None:
    ours, _theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    key = new_key()
    assert await connector.find(connection, key) is None  # before sending: nothing under the key

    text = "Nieuw: ons spreekuur. Lees meer"
    ref = await connector.publish(connection, PostDraft(
        text=text, key=key, links=(Link("Lees meer", "https://example.org/l/abc?utm_source=bluesky"),), lang="nl"))
    assert ref.uri == f"at://{ours.did}/app.bsky.feed.post/{key}" and ref.cid and ref.key == key
    assert ref.url == post_url(atproto_network.pds, ours.handle, key) == \
        f"{atproto_network.pds}/profile/{ours.handle}/post/{key}"

    # the process died after sending, before recording: the retry finds the post, and publishing again is safe
    found = await connector.find(connection, key)
    assert found is not None and (found.uri, found.cid) == (ref.uri, ref.cid)
    again = await connector.publish(connection, PostDraft(text=text, key=key))
    assert (again.uri, again.cid) == (ref.uri, ref.cid)
    assert await eventually(atproto_network, lambda: feed_count(customer, ours.did), lambda n: n >= 1) == 1

    [view] = (await customer.get_posts([ref.uri])).posts
    assert view.record.text == text and view.record.langs == ["nl"]
    [facet] = view.record.facets
    assert facet.features[0].uri == "https://example.org/l/abc?utm_source=bluesky"
    assert text.encode()[facet.index.byte_start:facet.index.byte_end] == b"Lees meer"

    with pytest.raises(ChannelError, match="record key"):
        await connector.publish(connection, PostDraft(text="x", key="not a key"))


async def test_a_reply_lands_in_the_thread_of_the_post_it_answers(atproto_network, pair) -> None:
    ours, theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    question = await customer.send_post("Mijn pakket is niet aangekomen")
    await asyncio.to_thread(atproto_network.settle)

    # a case knows the customer's post by its web address (handle, not DID) or by its AT URI
    by_url = PostRef.from_url(f"https://bsky.app/profile/{theirs.handle}/post/{question.uri.rsplit('/', 1)[1]}")
    assert by_url.uri == f"at://{theirs.handle}/app.bsky.feed.post/{question.uri.rsplit('/', 1)[1]}"
    answer = await connector.publish(connection, PostDraft(text="Sorry! We zoeken het uit.", key=new_key(),
                                                           reply_to=by_url))
    await asyncio.to_thread(atproto_network.settle)
    follow_up = await customer.send_post("Dank je", reply_to=models.AppBskyFeedPost.ReplyRef(
        parent=models.ComAtprotoRepoStrongRef.Main(uri=answer.uri, cid=answer.cid),
        root=models.ComAtprotoRepoStrongRef.Main(uri=question.uri, cid=question.cid)))
    await asyncio.to_thread(atproto_network.settle)
    second = await connector.publish(connection, PostDraft(text="Graag gedaan.", key=new_key(),
                                                           reply_to=PostRef.from_uri(follow_up.uri)))

    async def thread() -> Any:
        return (await customer.get_post_thread(question.uri, depth=5)).thread

    view = await eventually(atproto_network, thread, lambda t: bool(t.replies and t.replies[0].replies
                                                                     and t.replies[0].replies[0].replies))
    [first] = view.replies
    assert (first.post.uri, first.post.record.text) == (answer.uri, "Sorry! We zoeken het uit.")
    [theirs_again] = first.replies
    [ours_again] = theirs_again.replies
    assert ours_again.post.uri == second.uri
    assert ours_again.post.record.reply.root.uri == question.uri  # the root stays the customer's first post
    assert ours_again.post.record.reply.parent.uri == follow_up.uri

    with pytest.raises(ValueError):
        PostRef.from_uri("https://example.org/not-a-uri")
    with pytest.raises(ValueError):
        PostRef.from_url("https://bsky.app/profile/someone")


async def test_delete_removes_the_post(atproto_network, pair) -> None:
    ours, _theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    ref = await connector.publish(connection, PostDraft(text="Even weg", key=new_key()))
    await connector.delete(connection, ref)
    assert await connector.find(connection, ref.key) is None
    assert await eventually(atproto_network, lambda: feed_count(customer, ours.did), lambda n: n == 0) == 0
    with pytest.raises(NotOnNetwork):
        await connector.interactions(connection, ref)
    await connector.delete(connection, ref)  # again: nothing left to delete, no error
    with pytest.raises(ChannelError, match="not this account"):
        await connector.delete(connection, PostRef.from_uri(f"at://did:plc:someoneelse/app.bsky.feed.post/{ref.key}"))


async def test_interactions_after_a_like_a_reply_a_repost_and_a_quote(atproto_network, pair) -> None:
    ours, _theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    ref = await connector.publish(connection, PostDraft(text="Wat vind jij?", key=new_key()))
    await asyncio.to_thread(atproto_network.settle)
    assert (await connector.interactions(connection, ref)).total == 0
    strong = models.ComAtprotoRepoStrongRef.Main(uri=ref.uri, cid=ref.cid)
    await customer.like(ref.uri, ref.cid)
    await customer.repost(ref.uri, ref.cid)
    await customer.send_post("Goed!", reply_to=models.AppBskyFeedPost.ReplyRef(parent=strong, root=strong))
    await customer.send_post("Kijk hier", embed=models.AppBskyEmbedRecord.Main(record=strong))
    figures = await eventually(atproto_network, lambda: connector.interactions(connection, ref),
                               lambda i: i.total == 4)
    assert (figures.likes, figures.reposts, figures.replies, figures.quotes) == (1, 1, 1, 1)


async def test_profile_figures_count_followers_and_the_last_post(atproto_network, pair) -> None:
    ours, _theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    before = await connector.profile(connection)
    assert (before.followers, before.posts, before.last_post_at) == (0, 0, None)
    ref = await connector.publish(connection, PostDraft(text="Eerste bericht", key=new_key()))
    await customer.follow(ours.did)
    after = await eventually(atproto_network, lambda: connector.profile(connection),
                             lambda p: p.followers == 1 and p.posts == 1)
    assert (after.followers, after.follows, after.posts) == (1, 0, 1)
    [view] = (await customer.get_posts([ref.uri])).posts
    assert after.last_post_at is not None and after.last_post_at.isoformat()[:19] == view.record.created_at[:19]


async def mention(customer: AsyncClient, account: Account, text: str) -> str:
    builder = client_utils.TextBuilder().text(text + " ").mention(f"@{account.handle}", account.did)
    return (await customer.send_post(builder)).uri


async def test_inbound_reads_mentions_and_replies_once_with_the_cursor(atproto_network, pair) -> None:
    ours, theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    items, cursor = await connector.inbound(connection, None)
    assert items == []
    ref = await connector.publish(connection, PostDraft(text="Vragen? Stel ze hier.", key=new_key()))
    first = await mention(customer, ours, "Hallo")
    await asyncio.to_thread(atproto_network.settle)
    strong = models.ComAtprotoRepoStrongRef.Main(uri=ref.uri, cid=ref.cid)
    reply = (await customer.send_post("Waar is mijn pakket?",
                                      reply_to=models.AppBskyFeedPost.ReplyRef(parent=strong, root=strong))).uri
    await customer.like(ref.uri, ref.cid)  # a like is no mention or reply: not read
    await customer.follow(ours.did)

    items, cursor = await eventually(atproto_network, lambda: connector.inbound(connection, cursor),
                                     lambda answer: len(answer[0]) >= 2)
    assert [(i.kind, i.uri) for i in items] == [("mention", first), ("reply", reply)]
    mentioned, replied = items
    assert (mentioned.author_handle, mentioned.author_did, mentioned.author_followers) == (theirs.handle, theirs.did, 0)
    assert mentioned.text.startswith("Hallo") and mentioned.created_at is not None
    assert mentioned.url == f"{atproto_network.pds}/profile/{theirs.handle}/post/{first.rsplit('/', 1)[1]}"
    assert (replied.reply_parent_uri, replied.reply_root_uri) == (ref.uri, ref.uri)
    assert replied.ref().uri == reply

    items, cursor = await connector.inbound(connection, cursor)  # nothing new: nothing read twice
    assert items == []
    later = await mention(customer, ours, "Nog een vraag")
    items, cursor = await eventually(atproto_network, lambda: connector.inbound(connection, cursor),
                                     lambda answer: bool(answer[0]))
    assert [i.uri for i in items] == [later]
    assert (await connector.inbound(connection, cursor))[0] == []


async def test_a_burst_larger_than_one_read_is_read_over_several_without_a_gap(atproto_network, pair) -> None:
    ours, _theirs, customer = pair
    _connector, connection = await connected(atproto_network, ours)
    small = Atproto(loopback_settings(), page_size=2, max_pages=2)  # four per read
    await mention(customer, ours, "nul")
    items, cursor = await eventually(atproto_network, lambda: small.inbound(connection, None),
                                     lambda answer: bool(answer[0]))
    assert len(items) == 1
    burst = [await mention(customer, ours, f"bericht {n}") for n in range(7)]
    await asyncio.to_thread(atproto_network.settle)
    read: list[str] = []
    for _ in range(5):
        items, cursor = await small.inbound(connection, cursor)
        read += [i.uri for i in items]
    assert sorted(read) == sorted(burst) and len(read) == len(set(read))


async def test_search_finds_posts_once(atproto_network, pair) -> None:
    ours, _theirs, customer = pair
    connector, connection = await connected(atproto_network, ours)
    word = f"zoekwoord{new_key()[-6:]}"
    hit = (await customer.send_post(f"Wie kent {word}?")).uri
    items, cursor = await eventually(atproto_network, lambda: connector.search(connection, word, None),
                                     lambda answer: bool(answer[0]))
    assert [(i.uri, i.kind, i.author_followers) for i in items] == [(hit, "post", 0)]
    items, cursor = await connector.search(connection, word, cursor)
    assert items == []
    second = (await customer.send_post(f"Ik ken {word}!")).uri
    items, cursor = await eventually(atproto_network, lambda: connector.search(connection, word, cursor),
                                     lambda answer: bool(answer[0]))
    assert [i.uri for i in items] == [second]


async def test_the_saved_session_is_reused_and_a_broken_one_falls_back_to_the_password(atproto_network,
                                                                                       pair) -> None:
    ours, _theirs, _customer = pair
    connector, connection = await connected(atproto_network, ours)
    saved = connection.session
    await connector.profile(connection)
    assert connection.session == saved  # reused as it was: no new sign-in

    handle, did, access, refresh, pds = saved.split(":::")
    for broken in (access[:-8] + "AAAAAAAA", "not-a-token"):  # refused by the server; unreadable here
        connection.session = ":::".join((handle, did, broken, refresh[:-8] + "AAAAAAAA", pds))
        await connector.profile(connection)
        assert connection.session and broken not in connection.session

    connection.session, connection.secret = "", "wrong-password"
    with pytest.raises(ChannelError) as refused:
        await connector.profile(connection)
    assert refused.value.auth
