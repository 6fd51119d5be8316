"""A customer's post on the network becomes a webcare case through monitoring's network job and the routing
rules, and the agent's reply goes into that thread on the network, once (against the local AT Protocol network)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from core.activation.models import PluginActivation
from core.plugins.api import find_item, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import Case, CaseMessage, Delivery, Reply
from tests.atnet import AtprotoNetwork, eventually
from tests.plugins.monitoring.test_network import (
    allow_localhost,  # noqa: F401 - a fixture
    connect_account,
    read,
    reply_to,
    signed_in,
)
from tests.plugins.webcare.test_intake import add_rule
from tests.plugins.webcare.test_replies import base, get, make_case, rows
from tests.support import TenantWorld, World, login_as, post_form

ANGRY = "Waardeloze service, mijn pakket is na twee weken nog steeds niet bezorgd. Ik ben woedend!"


async def cases(app: Any, network: AtprotoNetwork, sessionmaker: Any, tw: TenantWorld) -> list[Case]:
    async def ask() -> list[Case]:
        await read(app, tw)
        return await rows(sessionmaker, tw, Case)

    return await eventually(network, ask, bool)


async def thread_replies(network: AtprotoNetwork, viewer: Any, uri: str) -> list[Any]:
    """The replies under `uri` as the AppView shows the thread (app.bsky.feed.getPostThread)."""
    async def ask() -> list[Any]:
        return list((await viewer.get_post_thread(uri, depth=2)).thread.replies or [])

    return await eventually(network, ask, bool)


@pytest.fixture
async def network_case(app, client, wc: World, sessionmaker, atproto_network: AtprotoNetwork,
                       allow_localhost) -> dict[str, Any]:  # noqa: F811 - the fixture above
    """The organisation's connected account posted; a customer answered it angrily; the job made a case."""
    ours, theirs = (await asyncio.to_thread(atproto_network.create_account),
                    await asyncio.to_thread(atproto_network.create_account))
    account_id = await connect_account(client, sessionmaker, wc.a, atproto_network, ours)
    await add_rule(sessionmaker, wc.a, "Negatief", 0, {"sentiments": ["negative"]})
    await read(app, wc.a)
    org, customer = await signed_in(atproto_network, ours), await signed_in(atproto_network, theirs)
    try:
        post = await org.send_post("We hebben vandaag extra bezorgers op pad.")
        await asyncio.to_thread(atproto_network.settle)
        complaint = await reply_to(customer, post.uri, post.cid, ANGRY)
    finally:
        await org.request.close()
        await customer.request.close()
    [case] = await cases(app, atproto_network, sessionmaker, wc.a)
    return {"case": case, "complaint": complaint, "post": post.uri, "account_id": account_id, "ours": ours,
            "theirs": theirs}


async def test_a_complaint_on_the_network_is_answered_in_its_thread_once(
        app, client, wc: World, sessionmaker, atproto_network: AtprotoNetwork, network_case) -> None:
    case, complaint, theirs = network_case["case"], network_case["complaint"], network_case["theirs"]
    assert (case.source_uri, case.source_account_id) == (complaint, network_case["account_id"])
    assert (case.author_handle, case.sentiment_first) == (theirs.handle, "negative")
    assert case.url.endswith("/post/" + complaint.rsplit("/", 1)[1])

    await login_as(client, wc.a, "agent")
    panel = await client.get(f"{base(wc.a)}/cases/{case.id}/replies")
    assert 'value="atproto" selected' in panel.text  # a case from the network answers in its thread by default
    response = await post_form(client, f"{base(wc.a)}/cases/{case.id}/replies",
                               {"body": "Wat vervelend! We zoeken het direct voor je uit.", "channel": ""},
                               follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    [reply] = await rows(sessionmaker, wc.a, Reply)
    assert (reply.connector, reply.status, reply.reply_to_uri, reply.account_id) == \
        ("atproto", "sending", complaint, network_case["account_id"])
    assert len(reply.remote_key) == 13  # the record key, stored before anything is sent

    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "sent"
    reply = await get(sessionmaker, wc.a, Reply, reply.id)
    assert reply.status == "sent" and reply.remote_uri.endswith("/" + reply.remote_key)
    assert reply.external_url == f"{atproto_network.pds}/profile/{network_case['ours'].handle}/post/{reply.remote_key}"
    case = await get(sessionmaker, wc.a, Case, case.id)
    assert case.first_response_at is not None and case.status == "open"

    viewer = await signed_in(atproto_network, theirs)
    try:
        [answer] = await thread_replies(atproto_network, viewer, complaint)
        assert (answer.post.uri, answer.post.record.text) == \
            (reply.remote_uri, "Wat vervelend! We zoeken het direct voor je uit.")
        assert answer.post.record.reply.root.uri == network_case["post"]  # the thread's root is kept

        # never twice: the job again sends nothing, and a retry after a crash finds the post under its key
        assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "skipped"
        with tenant_scope(wc.a.id):
            async with sessionmaker() as session, session.begin():
                stored = await session.get(Reply, reply.id)
                stored.status, stored.remote_uri = "sending", ""  # as if the process died before recording
        assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "sent"
        assert (await get(sessionmaker, wc.a, Reply, reply.id)).remote_uri == reply.remote_uri
        await asyncio.to_thread(atproto_network.settle)
        assert len((await viewer.get_post_thread(complaint, depth=2)).thread.replies) == 1
    finally:
        await viewer.request.close()

    # the case shows the reply's address; monitoring's job met the reply itself without making a case of it
    page = await client.get(f"{base(wc.a)}/cases/{case.id}/timeline")
    assert reply.external_url in page.text
    panel = await client.get(f"{base(wc.a)}/cases/{case.id}/replies")
    assert reply.external_url in panel.text and "In het gesprek:" in panel.text
    assert len(await rows(sessionmaker, wc.a, Case)) == 1
    deliveries = await rows(sessionmaker, wc.a, Delivery, Delivery.reply_id == reply.id)
    assert [d.succeeded for d in deliveries] == [True, True] and deliveries[0].url == complaint


async def test_a_failed_post_is_tried_again_by_the_job(app, client, wc: World, sessionmaker,
                                                       atproto_network: AtprotoNetwork, network_case) -> None:
    case = network_case["case"]
    with tenant_scope(wc.a.id):  # the customer's post is gone from the case's view: the network says not found
        async with sessionmaker() as session, session.begin():
            stored = await session.get(Case, case.id)
            stored.source_uri = network_case["complaint"].rsplit("/", 1)[0] + "/3kzzzzzzzzzzz"
    await login_as(client, wc.a, "agent")
    response = await post_form(client, f"{base(wc.a)}/cases/{case.id}/replies",
                               {"body": "We kijken ernaar.", "connector": "atproto"}, follow_redirects=False)
    assert response.status_code == 303
    [reply] = await rows(sessionmaker, wc.a, Reply)
    assert await run_named_job(app, "webcare.deliver_reply", wc.a.id, reply_id=str(reply.id)) == "retry"
    reply = await get(sessionmaker, wc.a, Reply, reply.id)
    assert (reply.status, reply.attempts) == ("sending", 1) and "not found" in reply.last_error


async def test_replies_in_a_thread_need_a_network_case_and_fit_a_post(app, client, wc: World, sessionmaker,
                                                                      network_case) -> None:
    plain = await make_case(sessionmaker, wc.a, number=99)
    await login_as(client, wc.a, "agent")
    response = await post_form(client, f"{base(wc.a)}/cases/{plain}/replies",
                               {"body": "Hoi", "connector": "atproto"})
    assert response.status_code == 422 and "er is geen gesprek om in te antwoorden" in response.text
    response = await post_form(client, f"{base(wc.a)}/cases/{network_case['case'].id}/replies",
                               {"body": "x" * 301, "connector": "atproto"})
    assert response.status_code == 422 and "hoogstens 300 tekens" in response.text
    assert await rows(sessionmaker, wc.a, Reply) == []
    panel = await client.get(f"{base(wc.a)}/cases/{plain}/replies")
    assert 'value="atproto"' not in panel.text  # no thread: not offered


async def test_a_case_is_an_item_other_plugins_find_and_act_on(app, client, wc: World, sessionmaker,
                                                              network_case) -> None:
    case = network_case["case"]
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            item = await find_item(session, app.state.pm, "case", case.id)
            assert item is not None and (item["case_id"], item["number"], item["uri"]) == \
                (str(case.id), case.number, network_case["complaint"])
            assert await find_item(session, app.state.pm, "case", "not-a-uuid") is None
    with tenant_scope(wc.b.id):  # another tenant's case is no item there
        async with sessionmaker() as session:
            assert await find_item(session, app.state.pm, "case", case.id) is None

    # the case page shows the other plugins' actions: talking's "respond publicly"
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="talking", department_id=wc.a.departments["marketing"].id,
                                         status="active", activated_at=datetime.now(UTC), activated_in_phase="pilot"))
    await login_as(client, wc.a, "agent")
    page = await client.get(f"{base(wc.a)}/cases/{case.id}")
    assert page.status_code == 200 and "Publiek reageren" in page.text
    assert f'name="item_id" value="{case.id}"' in page.text


async def test_the_case_message_keeps_the_address_and_the_mention_its_thread(sessionmaker, wc: World,
                                                                            network_case) -> None:
    [message] = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "inbound")
    assert message.details.get("uri") == network_case["complaint"]
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            from plugins.monitoring.models import Mention

            mention = await session.scalar(select(Mention).where(Mention.uri == network_case["complaint"]))
    assert mention is not None and mention.parent_uri == network_case["post"] and message.mention_id == mention.id

