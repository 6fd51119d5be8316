"""Monitoring listens on the network: the job `monitoring.read_network` reads the mentions of and replies to the
tenant's connected accounts and the search profiles' terms, each with its own cursor, into mentions through the
ingestion pipeline (against the local AT Protocol network)."""

from __future__ import annotations

import asyncio
import functools
from typing import Any
from uuid import UUID

import pytest
from atproto import AsyncClient, client_utils, models
from sqlalchemy import func, select

from core.channels import registry
from core.channels.atproto import Atproto
from core.channels.connector import new_key
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Mention, MentionProfile, NetworkCursor, SearchProfile, Source
from plugins.monitoring.plugin import regie_jobs
from plugins.monitoring.sources.network import search_terms
from tests.atnet import Account, AtprotoNetwork, eventually
from tests.core.channels.test_connections import make_account, page_url
from tests.support import TenantWorld, World, login_as, post_form

"""Seconds the network may take to index a post: only a network that stopped indexing exceeds it."""


@pytest.fixture
def allow_localhost(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The local network answers on localhost: allowed the way the test settings allow loopback."""
    monkeypatch.setattr(app.state.settings, "outbound_allow", (*app.state.settings.outbound_allow, "localhost"))


async def connect_account(client: Any, sessionmaker: Any, tw: TenantWorld, network: AtprotoNetwork,
                          remote: Account) -> UUID:
    """Register `remote` as the tenant's account and connect it through the connection page."""
    account_id = await make_account(sessionmaker, tw, remote.handle)
    await login_as(client, tw, "marketer")  # a member of the account's department
    response = await post_form(client, page_url(tw, account_id),
                               {"connector": "atproto", "identifier": remote.handle, "secret": remote.app_password,
                                "service_url": network.pds}, follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    return account_id


async def signed_in(network: AtprotoNetwork, account: Account) -> AsyncClient:
    client = AsyncClient(base_url=network.pds)
    await client.login(account.handle, account.password)
    return client


async def mention(customer: AsyncClient, account: Account, text: str) -> str:
    builder = client_utils.TextBuilder().text(text + " ").mention(f"@{account.handle}", account.did)
    return (await customer.send_post(builder)).uri


async def reply_to(customer: AsyncClient, parent_uri: str, parent_cid: str, text: str) -> str:
    strong = models.ComAtprotoRepoStrongRef.Main(uri=parent_uri, cid=parent_cid)
    return (await customer.send_post(text, reply_to=models.AppBskyFeedPost.ReplyRef(parent=strong, root=strong))).uri


async def read(app: Any, tw: TenantWorld) -> dict[str, Any]:
    return await run_named_job(app, "monitoring.read_network", tw.id)


async def mentions(sessionmaker: Any, tw: TenantWorld) -> list[Mention]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(Mention).order_by(Mention.published_at, Mention.uri))).all())


async def read_until(app: Any, network: AtprotoNetwork, sessionmaker: Any, tw: TenantWorld, count: int
                     ) -> list[Mention]:
    """Run the job (settling the network between runs) until the tenant has `count` mentions."""
    async def ask() -> list[Mention]:
        result = await read(app, tw)
        assert result["failed"] == 0, result
        return await mentions(sessionmaker, tw)

    return await eventually(network, ask, lambda found: len(found) >= count)


def test_the_job_reads_at_least_every_30_seconds() -> None:
    [spec] = [s for s in regie_jobs() if s.name == "monitoring.read_network"]
    assert spec.every_seconds is not None and spec.every_seconds <= 30
    assert search_terms(['"slecht nieuws" AND (acme OR klant*) NOT vacature', "acme", "(((", "x"]) == \
        ["slecht nieuws", "acme", "klant"]


async def test_mentions_and_replies_of_a_connected_account_are_read_once(
        app, client, mon: World, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost) -> None:
    ours, theirs = (await asyncio.to_thread(atproto_network.create_account),
                    await asyncio.to_thread(atproto_network.create_account))
    account_id = await connect_account(client, sessionmaker, mon.a, atproto_network, ours)
    assert (await read(app, mon.a))["failed"] == 0  # the first read: nothing said yet

    org = await signed_in(atproto_network, ours)
    customer = await signed_in(atproto_network, theirs)
    try:
        post = await org.send_post("Vragen over je bestelling? Stel ze hier.")
        await asyncio.to_thread(atproto_network.settle)
        asked = await mention(customer, ours, "Hallo, ik heb een vraag")
        answered = await reply_to(customer, post.uri, post.cid, "Mijn pakket is nog steeds niet bezorgd")
        await customer.follow(ours.did)
        await org.follow(theirs.did)  # the customer has one follower: their reach
    finally:
        await org.request.close()
        await customer.request.close()

    found = await read_until(app, atproto_network, sessionmaker, mon.a, 2)
    assert sorted(m.uri for m in found) == sorted([asked, answered])
    by_uri = {m.uri: m for m in found}
    reply = by_uri[answered]
    rkey = answered.rsplit("/", 1)[1]
    assert (reply.author_handle, reply.url, reply.source_type) == \
        (theirs.handle, f"{atproto_network.pds}/profile/{theirs.handle}/post/{rkey}", "microblog")
    assert (reply.parent_uri, reply.root_uri, reply.social_account_id) == (post.uri, post.uri, account_id)
    assert reply.body == "Mijn pakket is nog steeds niet bezorgd" and reply.external_id == answered
    assert by_uri[asked].parent_uri == "" and by_uri[asked].author_reach in (0, 1)
    assert {m.language for m in found} == {"nl"}

    # nothing is read twice: the job again (and again) stores nothing new
    for _ in range(2):
        assert (await read(app, mon.a))["created"] == 0
    assert len(await mentions(sessionmaker, mon.a)) == 2
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            [cursor] = (await session.scalars(select(NetworkCursor))).all()
            source = await session.scalar(select(Source).where(Source.kind == "network"))
    assert (cursor.social_account_id, cursor.stream, cursor.query, cursor.last_error) == (account_id, "inbound", "", "")
    assert cursor.cursor and cursor.last_read_at is not None
    assert source is not None and source.last_success_at is not None

    # a later reply is read by the next run, and its reach (followers) is stored
    customer = await signed_in(atproto_network, theirs)
    try:
        later = await reply_to(customer, post.uri, post.cid, "Hallo? Nog steeds niets.")
    finally:
        await customer.request.close()
    found = await read_until(app, atproto_network, sessionmaker, mon.a, 3)
    assert [m.uri for m in found if m.uri not in by_uri] == [later]
    assert next(m for m in found if m.uri == later).author_reach == 1

    # the mention page shows the handle, reach, address and the post it answers
    await login_as(client, mon.a, "regie")
    page = await client.get(f"/t/{mon.a.slug}/p/monitoring/mentions/{reply.id}")
    assert page.status_code == 200
    for shown in (theirs.handle, reply.url, post.uri, "Antwoord op"):
        assert shown in page.text, shown

    # another tenant reads nothing of it and cannot open it
    assert (await read(app, mon.b))["streams"] == 0
    assert await mentions(sessionmaker, mon.b) == []
    await login_as(client, mon.b, "regie")
    assert (await client.get(f"/t/{mon.b.slug}/p/monitoring/mentions/{reply.id}")).status_code == 404


async def test_a_burst_over_several_small_reads_misses_nothing_and_a_deactivated_source_reads_nothing(
        app, client, mon: World, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "Atproto", functools.partial(Atproto, page_size=2, max_pages=2))  # 4 per read
    ours, theirs = (await asyncio.to_thread(atproto_network.create_account),
                    await asyncio.to_thread(atproto_network.create_account))
    await connect_account(client, sessionmaker, mon.a, atproto_network, ours)
    customer = await signed_in(atproto_network, theirs)
    try:
        first = await mention(customer, ours, "nul")
        assert [m.uri for m in await read_until(app, atproto_network, sessionmaker, mon.a, 1)] == [first]
        burst = [await mention(customer, ours, f"bericht nummer {n} over de levering") for n in range(9)]
    finally:
        await customer.request.close()
    await asyncio.to_thread(atproto_network.settle)
    for _ in range(4):  # each read takes at most 4: the rest waits for the next read, none is skipped
        await read(app, mon.a)
    stored = [m.uri for m in await mentions(sessionmaker, mon.a)]
    assert sorted(stored) == sorted([first, *burst]) and len(stored) == len(set(stored))

    # deactivating the network source stops the reading
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            source = await session.scalar(select(Source).where(Source.kind == "network"))
            source.is_active = False
    customer = await signed_in(atproto_network, theirs)
    try:
        await mention(customer, ours, "nog een bericht")
    finally:
        await customer.request.close()
    await asyncio.to_thread(atproto_network.settle)
    assert (await read(app, mon.a))["streams"] == 0
    assert len(await mentions(sessionmaker, mon.a)) == 10


async def test_search_profiles_are_read_with_a_cursor_per_term(
        app, client, mon: World, sessionmaker, atproto_network: AtprotoNetwork, allow_localhost) -> None:
    ours, theirs = (await asyncio.to_thread(atproto_network.create_account),
                    await asyncio.to_thread(atproto_network.create_account))
    account_id = await connect_account(client, sessionmaker, mon.a, atproto_network, ours)
    brand = f"merk{new_key()[-7:]}"
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            profile = SearchProfile(name="Storingen", query=f"{brand} AND storing", languages=[], source_types=[])
            session.add(profile)
            await session.flush()
            profile_id = profile.id
    customer = await signed_in(atproto_network, theirs)
    try:
        hit = (await customer.send_post(f"Alweer een storing bij {brand} vandaag")).uri
        miss = (await customer.send_post(f"Ik vind {brand} eigenlijk wel prima")).uri  # the term, not the query
        found = await read_until(app, atproto_network, sessionmaker, mon.a, 1)
        assert [m.uri for m in found] == [hit]
        assert (await read(app, mon.a))["created"] == 0  # read again: nothing twice
        second = (await customer.send_post(f"De storing bij {brand} duurt voort")).uri
    finally:
        await customer.request.close()
    found = await read_until(app, atproto_network, sessionmaker, mon.a, 2)
    assert sorted(m.uri for m in found) == sorted([hit, second]) and miss not in {m.uri for m in found}
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            linked = await session.scalar(select(func.count()).select_from(MentionProfile)
                                          .where(MentionProfile.profile_id == profile_id))
            cursors = {(c.stream, c.query) for c in (await session.scalars(select(NetworkCursor))).all()}
    assert linked == 2  # through the same pipeline: matched to the profile
    assert cursors == {("inbound", ""), ("search", brand), ("search", "storing")}
    assert {m.social_account_id for m in found} == {account_id}
