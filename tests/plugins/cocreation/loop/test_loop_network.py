"""The closed loop on the network: a customer's complaint became a webcare case, staff made an idea of it; when the
idea is planned, the customer gets a reply in their thread (once, however often the job runs), recorded in the
case's history by webcare; a reply the policy holds back waits for staff, who edit and approve it (against the
local AT Protocol network)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.cocreation import stages
from plugins.cocreation.models import Idea, IdeaLink, LoopMessage
from plugins.monitoring.models import Mention
from plugins.webcare.models import Case, CaseMessage
from tests.atnet import AtprotoNetwork
from tests.plugins.cocreation.conftest import activate, rows
from tests.plugins.monitoring.test_network import allow_localhost, signed_in  # noqa: F401 - a fixture
from tests.plugins.webcare.conftest import wc  # noqa: F401 - a fixture
from tests.plugins.webcare.test_network_reply import network_case, thread_replies  # noqa: F401 - a fixture
from tests.plugins.webcare.test_replies import publish
from tests.support import World, login_as, post_form


def base(slug: str) -> str:
    return f"/t/{slug}/p/cocreation"


async def idea_from_the_case(client: Any, sessionmaker: Any, world: World, found: dict[str, Any],
                             title: str) -> Idea:
    """Staff make an idea of the case, and link the mention it came from as well (the same post)."""
    await activate(sessionmaker, world.a)
    await login_as(client, world.a, "regie")
    case = found["case"]
    response = await post_form(client, f"{base(world.a.slug)}/loop/ideas",
                               {"kind": "case", "item_id": str(case.id), "title": title}, follow_redirects=False)
    assert response.status_code == 303, response.text[-2000:]
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            mention = await session.scalar(select(Mention).where(Mention.uri == found["complaint"]))
    [idea] = await rows(sessionmaker, world.a, Idea)
    response = await post_form(client, f"{base(world.a.slug)}/loop/link",
                               {"kind": "mention", "item_id": str(mention.id), "number": str(idea.number)},
                               follow_redirects=False)
    assert response.status_code == 303
    links = await rows(sessionmaker, world.a, IdeaLink)
    assert sorted((row.kind, row.uri, row.account_id) for row in links) == \
        [("case", found["complaint"], str(found["account_id"])),
         ("mention", found["complaint"], str(found["account_id"]))]
    return idea


async def plan(sessionmaker: Any, world: World, idea: Idea) -> str:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            stored = await session.get(Idea, idea.id)
            change = await stages.change_stage(session, stored, "planned", "Komt in de volgende versie.",
                                               user_id=world.a.users["regie"].id, lang="nl")
            return str(change.id)


async def test_the_author_hears_back_in_the_thread_once_and_the_case_records_it(
        app, client, wc: World, sessionmaker, atproto_network: AtprotoNetwork, network_case) -> None:  # noqa: F811
    idea = await idea_from_the_case(client, sessionmaker, wc, network_case, "Bezorging sneller maken")
    change_id = await plan(sessionmaker, wc, idea)

    result = await run_named_job(app, "cocreation.loop_tell", wc.a.id, change_id=change_id, announce=True)
    assert result == {"emails": 0, "replies": 1}
    [message] = await rows(sessionmaker, wc.a, LoopMessage)  # the case and the mention are one post: one reply
    assert (message.channel, message.state, message.recipient) == \
        ("case", "sent", "@" + network_case["theirs"].handle)
    assert message.post_uri.startswith("at://") and "Bezorging sneller maken" in message.text
    assert "Komt in de volgende versie." in message.text

    viewer = await signed_in(atproto_network, network_case["theirs"])
    try:
        [answer] = await thread_replies(atproto_network, viewer, network_case["complaint"])
        assert (answer.post.uri, answer.post.record.text) == (message.post_uri, message.text)
        # never twice: the job again sends nothing
        again = await run_named_job(app, "cocreation.loop_tell", wc.a.id, change_id=change_id, announce=True)
        assert again == {"emails": 0, "replies": 0}
        await _settle(atproto_network)
        assert len((await viewer.get_post_thread(network_case["complaint"], depth=2)).thread.replies) == 1
    finally:
        await viewer.request.close()

    [recorded] = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.case_id == network_case["case"].id,
                            CaseMessage.kind == "reply")
    assert recorded.body == message.text and recorded.details["uri"] == message.post_uri
    assert recorded.details["origin"] == "idea_loop"
    [case] = await rows(sessionmaker, wc.a, Case, Case.id == network_case["case"].id)
    assert case.first_response_at == recorded.at  # answered: the first-response clock stopped
    page = await client.get(f"/t/{wc.a.slug}/p/webcare/cases/{network_case['case'].id}/timeline")
    assert "Bezorging sneller maken" in page.text and "Verstuurd door het ideeënbord" in page.text
    panel = await client.get(f"{base(wc.a.slug)}/loop/ideas/{idea.number}/panel")
    assert "@" + network_case["theirs"].handle in panel.text and "verzonden" in panel.text


async def test_a_policy_finding_holds_the_reply_until_staff_approve_it(
        app, client, wc: World, sessionmaker, atproto_network: AtprotoNetwork, network_case) -> None:  # noqa: F811
    await publish(sessionmaker, wc.a, {"forbidden_words": ["waardeloos"]})
    idea = await idea_from_the_case(client, sessionmaker, wc, network_case, "De waardeloos trage bezorging")
    change_id = await plan(sessionmaker, wc, idea)

    result = await run_named_job(app, "cocreation.loop_tell", wc.a.id, change_id=change_id, announce=True)
    assert result == {"emails": 0, "replies": 0}
    [message] = await rows(sessionmaker, wc.a, LoopMessage)
    assert message.state == "waiting" and "waardeloos" in message.detail and not message.post_uri
    assert await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "reply") == []

    loop = await client.get(f"{base(wc.a.slug)}/loop/")
    assert loop.status_code == 200 and "wacht op goedkeuring" in loop.text and "Goedkeuren en versturen" in loop.text
    url = f"{base(wc.a.slug)}/loop/messages/{message.id}/approve"
    refused = await post_form(client, url, {"text": message.text})
    assert refused.status_code == 422 and "waardeloos" in refused.text
    assert (await rows(sessionmaker, wc.a, LoopMessage))[0].state == "waiting"

    edited = message.text.replace("De waardeloos trage bezorging", "Snellere bezorging")
    response = await post_form(client, url, {"text": edited, "next": f"{base(wc.a.slug)}/ideas/{idea.number}"},
                               follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{base(wc.a.slug)}/ideas/{idea.number}"
    [message] = await rows(sessionmaker, wc.a, LoopMessage)
    assert (message.state, message.text) == ("sent", edited) and message.post_uri
    [recorded] = await rows(sessionmaker, wc.a, CaseMessage, CaseMessage.kind == "reply")
    assert recorded.body == edited

    viewer = await signed_in(atproto_network, network_case["theirs"])
    try:
        [answer] = await thread_replies(atproto_network, viewer, network_case["complaint"])
        assert answer.post.record.text == edited
    finally:
        await viewer.request.close()
    again = await post_form(client, url, {"text": edited})
    assert again.status_code == 409 and "wacht niet meer" in again.text


async def _settle(network: AtprotoNetwork) -> None:
    import asyncio

    await asyncio.to_thread(network.settle)
