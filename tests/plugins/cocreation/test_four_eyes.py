"""Four eyes on what speaks for the organisation: an official comment or a loop reply that the org model wants
approved is decided by a colleague of the approving department the policy check names (or by who configures the
plugin), never by its author. The globex tenant is centralized, so everything needs the hub's (comms) approval;
cocreation is owned by marketing there, so being in the owning department does not make one an approver by
accident: the marketer owns the plugin (and so configures it) but may still not approve their own words."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import Membership
from core.tenancy.scope import tenant_scope
from plugins.cocreation.approval import approval_detail, approval_of
from plugins.cocreation.loop.tell import policy_hold
from plugins.cocreation.models import Comment, Idea, LoopMessage, StageChange
from tests.plugins.cocreation.conftest import activate, add_rows
from tests.plugins.cocreation.triage.conftest import add_idea, audits, get
from tests.support import TenantWorld, World, login_as, post_form

STAFF = "/t/globex/p/cocreation/"


@pytest.fixture
async def gx(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> TenantWorld:
    """globex (centralized) with cocreation owned by marketing, and "member" moved into comms, the hub that
    approves: a colleague of the approving department who does not configure the plugin."""
    tw = world.b
    await activate(sessionmaker, tw, department="marketing")
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Membership).where(Membership.id == tw.memberships["member"].id)
                                  .values(department_id=tw.departments["comms"].id))
    return tw


async def _official(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, idea: Idea, author: str,
                    body: str) -> Comment:
    row = Comment(idea_id=idea.id, user_id=tw.users[author].id, author_name=author, body=body, status="pending")
    await add_rows(sessionmaker, tw, row)
    return row


async def test_an_official_comment_is_approved_by_the_hub_or_who_configures_never_its_author(
        client: Any, gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    idea = await add_idea(sessionmaker, gx, "Donkere modus")
    first = await _official(sessionmaker, gx, idea, "marketer", "We kijken ernaar.")
    second = await _official(sessionmaker, gx, idea, "marketer", "Het staat op de planning.")

    for who in ("marketer", "agent"):  # the author (who even configures: owning department), another department
        await login_as(client, gx, who)
        for decision in ("approve", "reject"):
            response = await post_form(client, f"{STAFF}moderation/comments/{first.id}/{decision}", {})
            assert response.status_code == 403, (who, decision, response.text[-800:])
    assert (await get(sessionmaker, gx, Comment, first.id)).status == "pending"
    stored = await get(sessionmaker, gx, Idea, idea.id)
    assert (stored.comment_count, stored.first_response_at) == (0, None)
    assert await audits(sessionmaker, gx, "cocreation.comment_approved") == []

    await login_as(client, gx, "member")  # comms, the approving department
    response = await post_form(client, f"{STAFF}moderation/comments/{first.id}/approve", {}, follow_redirects=False)
    assert response.status_code == 303, response.text[-800:]
    assert (await get(sessionmaker, gx, Comment, first.id)).status == "published"
    stored = await get(sessionmaker, gx, Idea, idea.id)
    assert stored.comment_count == 1 and stored.first_response_at is not None
    answered_at = stored.first_response_at

    await login_as(client, gx, "admin")  # no department, but configures the plugin
    response = await post_form(client, f"{STAFF}moderation/comments/{second.id}/approve", {}, follow_redirects=False)
    assert response.status_code == 303, response.text[-800:]
    stored = await get(sessionmaker, gx, Idea, idea.id)
    assert stored.comment_count == 2 and stored.first_response_at == answered_at  # the first response stays
    assert len(await audits(sessionmaker, gx, "cocreation.comment_approved")) == 2


async def test_a_customers_comment_is_moderated_by_any_colleague(
        client: Any, gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    idea = await add_idea(sessionmaker, gx, "Donkere modus")
    row = Comment(idea_id=idea.id, author_name="Klant", body="Graag!", status="pending")
    await add_rows(sessionmaker, gx, row)
    await login_as(client, gx, "agent")
    response = await post_form(client, f"{STAFF}moderation/comments/{row.id}/approve", {}, follow_redirects=False)
    assert response.status_code == 303
    stored = await get(sessionmaker, gx, Idea, idea.id)
    assert stored.comment_count == 1 and stored.first_response_at is None  # a customer's is no response


async def _held_reply(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, changed_by: str,
                      detail: str) -> LoopMessage:
    """A reply of the loop waiting for approval, for a stage change `changed_by` made (no network link: once
    allowed, approving it ends in "answer by hand", which tells an allowed approver from a refused one)."""
    idea = await add_idea(sessionmaker, tw, "Snellere bezorging")
    change = StageChange(idea_id=idea.id, to_key="planned", to_meaning="planned", reason="Komt eraan.",
                         user_id=tw.users[changed_by].id)
    await add_rows(sessionmaker, tw, change)
    message = LoopMessage(idea_id=idea.id, stage_change_id=change.id, channel="network", recipient="@klant.test",
                          text="Je idee is gepland.", state="waiting", detail=detail)
    await add_rows(sessionmaker, tw, message)
    return message


async def test_a_held_loop_reply_keeps_its_approving_department(
        gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(gx.id):
        async with sessionmaker() as session:
            detail = await policy_hold(session, "Je idee is gepland.", gx.users["marketer"].id)
    assert detail == f"approval:org_model:{gx.departments['comms'].id}"
    assert approval_of(detail) == (True, gx.departments["comms"].id)
    assert approval_of(approval_detail("crisis", None)) == (True, None)
    assert approval_of("de tekst bevat een verboden woord") == (False, None)


async def test_a_loop_reply_is_approved_by_the_hub_or_who_configures_never_who_changed_the_stage(
        client: Any, gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    comms: UUID = gx.departments["comms"].id
    message = await _held_reply(sessionmaker, gx, "marketer", approval_detail("org_model", comms))
    url = f"{STAFF}loop/messages/{message.id}/approve"
    for who in ("marketer", "agent"):  # who changed the stage (and configures), another department
        await login_as(client, gx, who)
        response = await post_form(client, url, {"text": "Je idee is gepland, tot snel."})
        assert response.status_code == 403, (who, response.text[-800:])
    stored = await get(sessionmaker, gx, LoopMessage, message.id)
    assert (stored.state, stored.text) == ("waiting", "Je idee is gepland.")
    for who in ("member", "admin"):  # the approving department; who configures the plugin
        await login_as(client, gx, who)
        response = await post_form(client, url, {"text": "Je idee is gepland."})
        assert response.status_code == 409 and "antwoord de auteur zelf" in response.text, (who, response.text[-800:])

    # the approving department unknown (none named): only who configures approves
    other = await _held_reply(sessionmaker, gx, "marketer", approval_detail("org_model", None))
    await login_as(client, gx, "member")
    assert (await post_form(client, f"{STAFF}loop/messages/{other.id}/approve", {})).status_code == 403
    await login_as(client, gx, "regie")
    assert (await post_form(client, f"{STAFF}loop/messages/{other.id}/approve", {})).status_code == 409


async def test_a_failed_loop_reply_is_sent_again_only_by_who_may_approve_it(
        client: Any, gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """A reply that failed on the network lost its hold in `detail` (the network's reason is there now): trying
    it again still asks the org model, so its author cannot rewrite and send it alone."""
    message = await _held_reply(sessionmaker, gx, "marketer", "")
    with tenant_scope(gx.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(LoopMessage).where(LoopMessage.id == message.id)
                                  .values(state="failed", detail="the network did not answer"))
    url = f"{STAFF}loop/messages/{message.id}/approve"
    await login_as(client, gx, "marketer")  # who changed the stage
    response = await post_form(client, url, {"text": "Iets heel anders."})
    assert response.status_code == 403, response.text[-800:]
    assert (await get(sessionmaker, gx, LoopMessage, message.id)).text == "Je idee is gepland."
    await login_as(client, gx, "member")  # the hub may (then the missing network link answers)
    assert (await post_form(client, url, {"text": "Je idee is gepland."})).status_code == 409


def _approve_form(html: str, message_id: Any) -> bool:
    return f"/loop/messages/{message_id}/approve" in html


async def test_the_approve_form_shows_only_to_who_may_approve_a_loop_reply(
        client: Any, gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    comms = gx.departments["comms"]
    message = await _held_reply(sessionmaker, gx, "marketer", approval_detail("org_model", comms.id))
    idea = await get(sessionmaker, gx, Idea, message.idea_id)
    pages = (f"{STAFF}loop/", f"{STAFF}loop/ideas/{idea.number}/panel")

    await login_as(client, gx, "marketer")  # made the change (and configures): four eyes say no
    for url in pages:
        html = (await client.get(url)).text
        assert not _approve_form(html, message.id), url
        assert f"Wacht op goedkeuring door {comms.name} — jij deed de wijziging" in html, url
    await login_as(client, gx, "agent")  # another department: told who approves
    for url in pages:
        html = (await client.get(url)).text
        assert not _approve_form(html, message.id), url
        assert f"Wacht op goedkeuring door {comms.name}." in html and "jij deed" not in html, url
    await login_as(client, gx, "member")  # a colleague of the approving department
    for url in pages:
        html = (await client.get(url)).text
        assert _approve_form(html, message.id) and "Goedkeuren en versturen" in html, url
        assert f'data-waiting="{message.id}"' not in html, url


async def test_the_publish_form_of_an_official_comment_shows_only_to_who_may_approve_it(
        client: Any, gx: TenantWorld, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    comms = gx.departments["comms"]
    idea = await add_idea(sessionmaker, gx, "Donkere modus")
    row = await _official(sessionmaker, gx, idea, "marketer", "We kijken ernaar.")
    action = f"moderation/comments/{row.id}/approve"

    await login_as(client, gx, "marketer")
    html = (await client.get(f"{STAFF}moderation/")).text
    assert action not in html and f"Wacht op goedkeuring door {comms.name} — jij schreef" in html
    await login_as(client, gx, "member")
    html = (await client.get(f"{STAFF}moderation/")).text
    assert action in html and f'data-waiting="{row.id}"' not in html
