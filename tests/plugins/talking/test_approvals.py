"""Approvals: the chain each org model asks for, the tenant's steps and rules, deciding (never one's own post),
an edit that withdraws an approval, approvals that run out, the crisis pause through webcare's own event and the
deliberate resume, and every bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.notifications.models import Notification
from core.plugins.api import run_named_job
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from core.trainings.models import Enrolment, Training
from plugins.talking.models import ApprovalEvent, ApprovalSettings, Approver, Campaign, Post
from tests.plugins.talking.conftest import Talk, post_form
from tests.support import TenantWorld, api_headers, login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"
EXPIRE = "talking.expire_approvals"


# -- the world and reading it --------------------------------------------------------------------------------------

async def set_org_model(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: str) -> None:
    async with sessionmaker() as s, s.begin():
        (await s.get(Tenant, tw.id)).org_model = model


async def configure(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, **values: Any) -> None:
    """The tenant's approval settings as `values` say (the rest as the defaults)."""
    row = {"expiry_days": 14, "steps": [], "keywords": [], "platforms": [], "account_ids": [], "campaign_ids": [],
           "untrained": False, **values}
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            found = await s.scalar(select(ApprovalSettings))
            if found is None:
                s.add(ApprovalSettings(**row))
            else:
                for key, value in row.items():
                    setattr(found, key, value)


async def as_who(client: Any, tw: TenantWorld, who: str) -> None:
    client.cookies.clear()
    await login_as(client, tw, who)


async def written(client: Any, talk: Talk, who: str = "marketer", slug: str = "acme", **form: Any) -> UUID:
    """A draft written (and submitted) by `who` through the editor; returns its id."""
    tw = talk.world.a if slug == "acme" else talk.world.b
    await as_who(client, tw, who)
    r = await send(client, f"/t/{slug}/p/talking/posts", post_form(talk, slug, **form), follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    post_id = UUID(r.headers["location"].rsplit("/", 1)[1])
    r = await send(client, f"/t/{slug}/p/talking/posts/{post_id}/submit", {}, follow_redirects=False)
    assert r.status_code == 303, unescape(r.text)[-3000:]
    return post_id


async def load(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, post_id: UUID) -> Post:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return await s.get(Post, post_id)


async def asked(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, post_id: UUID) -> set[str]:
    """Who may decide the post's current step: the test world's keys ("regie", "member", ...)."""
    post = await load(sessionmaker, tw, post_id)
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            ids = set((await s.scalars(select(Approver.user_id).where(
                Approver.post_id == post_id, Approver.round == post.approval_round,
                Approver.step == post.approval_step))).all())
    return {key for key, user in tw.users.items() if user.id in ids}


async def history(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, post_id: UUID
                  ) -> list[ApprovalEvent]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(ApprovalEvent).where(ApprovalEvent.post_id == post_id)
                                         .order_by(ApprovalEvent.at, ApprovalEvent.created_at))).all())


async def audit_actions(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[str]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("talking.%"))
                                         .order_by(AuditEntry.created_at))).all())


async def notified(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, who: str, kind: str
                   ) -> list[Notification]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return list((await s.scalars(select(Notification).where(
                Notification.user_id == tw.users[who].id, Notification.kind == kind))).all())


async def train(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, who: str) -> None:
    """`who` completed a training that qualifies a publisher."""
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            training = Training(key=f"publisher-{tw.slug}", title={"nl": "Publiceren", "en": "Publishing"},
                                topic="publishing", qualifies_publisher=True)
            s.add(training)
            await s.flush()
            s.add(Enrolment(training_id=training.id, user_id=tw.users[who].id, completed_at=datetime.now(UTC)))


async def decide(client: Any, post_id: UUID, verdict: str, **form: Any) -> Any:
    return await send(client, f"{BASE}/posts/{post_id}/{verdict}", form, follow_redirects=False)


# -- the chain by org model ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("model", "state", "reason", "approvers"), [
    ("centralized", "in_review", "org_model", {"regie"}),
    ("hub_and_spoke", "scheduled", "", set()),
    ("multiple_hub_and_spoke", "in_review", "org_model", {"regie"}),
    ("decentralized", "scheduled", "", set()),
    ("holistic", "in_review", "training", {"regie"}),
])
async def test_each_org_model_asks_its_chain(client, talk, sessionmaker, model, state, reason, approvers):
    """A marketing (spoke) author's post: the hub (Communicatie: the regie holder sits there) approves where the
    model asks for it; the author is never among the approvers."""
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, model)
    post_id = await written(client, talk)
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.approval_reason) == (state, reason)
    assert await asked(sessionmaker, tw, post_id) == approvers
    if approvers:
        assert post.approver_department_id == tw.departments["comms"].id and post.approval_step == 1
        [requested] = await history(sessionmaker, tw, post_id)
        assert (requested.kind, requested.data["reasons"]) == ("requested", [reason])
        assert await notified(sessionmaker, tw, "regie", "talking.approval_requested")
    else:
        assert post.approval_step == 0 and await history(sessionmaker, tw, post_id) == []


async def test_a_hub_publishes_itself_in_multiple_hub_and_spoke_and_trained_authors_in_holistic(
        client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "multiple_hub_and_spoke")
    hub_post = await written(client, talk, department_id=str(tw.departments["comms"].id))
    assert (await load(sessionmaker, tw, hub_post)).state == "scheduled"
    await set_org_model(sessionmaker, tw, "holistic")
    await train(sessionmaker, tw, "marketer")
    trained = await written(client, talk)
    assert (await load(sessionmaker, tw, trained)).state == "scheduled"


async def test_in_holistic_the_authors_training_counts_not_the_submitters(client, talk, sessionmaker):
    """A trained colleague who submits an untrained author's draft does not lend it their training."""
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "holistic")
    await train(sessionmaker, tw, "member")
    await as_who(client, tw, "marketer")  # untrained: writes the draft, does not submit it
    r = await send(client, f"{BASE}/posts", post_form(talk, "acme"), follow_redirects=False)
    post_id = UUID(r.headers["location"].rsplit("/", 1)[1])
    await as_who(client, tw, "member")
    assert (await send(client, f"{BASE}/posts/{post_id}/submit", {}, follow_redirects=False)).status_code == 303
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.approval_reason) == ("in_review", "training")


# -- steps, any one approver, the end of the chain ---------------------------------------------------------------------

async def test_steps_ask_in_turn_and_any_one_approver_of_a_step_suffices(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    await configure(sessionmaker, tw, steps=[
        {"users": [str(tw.users["member"].id), str(tw.users["agent"].id)], "departments": [], "hub": False},
        {"users": [], "departments": [], "hub": True}])
    post_id = await written(client, talk)
    assert await asked(sessionmaker, tw, post_id) == {"member", "agent"}
    assert await notified(sessionmaker, tw, "agent", "talking.approval_requested")

    await as_who(client, tw, "agent")
    queue = unescape((await client.get(f"{BASE}/approvals/")).text)
    assert "Najaarsactie" in queue and "Stap 1 van 2" in queue and "Wacht op mijn goedkeuring (1)" in queue
    r = await decide(client, post_id, "approve", revision=str((await load(sessionmaker, tw, post_id)).revision),
                     **{"from": "queue"})
    assert r.status_code == 303 and r.headers["location"] == f"{BASE}/approvals/"
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.approval_step) == ("in_review", 2)
    assert await asked(sessionmaker, tw, post_id) == {"regie"}

    await as_who(client, tw, "member")  # step 1 is decided: member no longer decides anything
    assert (await decide(client, post_id, "approve")).status_code == 403
    assert "Er wacht niets op je goedkeuring." in unescape((await client.get(f"{BASE}/approvals/")).text)

    await as_who(client, tw, "regie")
    assert (await decide(client, post_id, "approve")).status_code == 303
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.approval_step) == ("scheduled", 0)
    held = post.approval_expires_at - datetime.now(UTC)
    assert timedelta(days=13, hours=23) < held <= timedelta(days=14)
    assert [e.kind for e in await history(sessionmaker, tw, post_id)] == ["requested", "approved", "approved"]
    assert (await audit_actions(sessionmaker, tw)).count("talking.post_approved") == 2
    [told] = await notified(sessionmaker, tw, "marketer", "talking.approval_decided")
    assert "goedgekeurd" in told.title
    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert "Goedgekeurd; de goedkeuring geldt tot" in page and "Goedkeuringsgeschiedenis" in page


async def test_the_last_approval_of_a_post_due_soon_queues_its_publishing_at_once(client, talk, sessionmaker):
    """Not a minute later when the sweeper comes by: a post approved close to its moment still goes out on time."""
    from core.jobs.models import OutboxMessage
    from core.tenancy.scope import cross_tenant
    from plugins.talking.moments import ZONE

    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    soon = (datetime.now(ZONE) + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    post_id = await written(client, talk, publish_at=soon)

    async def queued() -> int:  # a relayed message keeps its actor; its payload is redacted
        with cross_tenant():
            async with sessionmaker() as s:
                return len((await s.scalars(select(OutboxMessage.id).where(
                    OutboxMessage.actor == "talking.publish_post"))).all())

    assert await queued() == 0  # in review: nothing to publish yet
    await as_who(client, tw, "regie")
    assert (await decide(client, post_id, "approve")).status_code == 303
    assert (await load(sessionmaker, tw, post_id)).state == "scheduled"
    assert await queued() == 1


async def test_without_a_date_the_last_approval_makes_it_approved_and_reject_sends_it_back(client, talk,
                                                                                            sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    post_id = await written(client, talk)
    with tenant_scope(tw.id):  # a post in review whose date was taken away (the API's data, an old row)
        async with sessionmaker() as s, s.begin():
            (await s.get(Post, post_id)).publish_at = None
    await as_who(client, tw, "regie")
    assert (await decide(client, post_id, "approve")).status_code == 303
    assert (await load(sessionmaker, tw, post_id)).state == "approved"

    other = await written(client, talk, title="Tweede")
    await as_who(client, tw, "regie")
    r = await decide(client, other, "reject", reject_reason="De toon klopt niet")
    assert r.status_code == 303
    post = await load(sessionmaker, tw, other)
    assert (post.state, post.state_reason, post.approval_step) == ("draft", "De toon klopt niet", 0)
    assert await asked(sessionmaker, tw, other) == set()
    told = await notified(sessionmaker, tw, "marketer", "talking.approval_decided")
    assert "Reden: De toon klopt niet" in [n.body for n in told]
    assert "talking.post_rejected" in await audit_actions(sessionmaker, tw)
    await as_who(client, tw, "marketer")
    page = unescape((await client.get(f"{BASE}/posts/{other}")).text)
    assert "De toon klopt niet" in page and "Afgewezen" in page
    calendar = unescape((await client.get(f"{BASE}/?view=list")).text)
    assert 'data-reason="De toon klopt niet"' in calendar


# -- rules -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", ["keyword", "channel_platform", "channel_account", "campaign", "untrained"])
async def test_each_rule_asks_the_hub_for_approval_in_hub_and_spoke(client, talk, sessionmaker, rule):
    """acme is hub and spoke: a spoke publishes unless a rule flags the post; then the hub approves it."""
    tw = talk.world.a
    form: dict[str, Any] = {}
    if rule == "keyword":
        await configure(sessionmaker, tw, keywords=["gratis korting"])
        form["x"] = "Nu GRATIS Kórting in de winkel"
    elif rule == "channel_platform":
        await configure(sessionmaker, tw, platforms=["facebook"])
        form["fb"] = "Ook op Facebook"
    elif rule == "channel_account":
        await configure(sessionmaker, tw, account_ids=[str(talk.x())])
    elif rule == "campaign":
        with tenant_scope(tw.id):
            async with sessionmaker() as s, s.begin():
                campaign = Campaign(name="Zomer", slug="zomer", starts_on=datetime(2099, 5, 1).date(),
                                    ends_on=datetime(2099, 5, 31).date())
                s.add(campaign)
        await configure(sessionmaker, tw, campaign_ids=[str(campaign.id)])
        form["home"] = f"campaign:{campaign.id}"
    else:
        await configure(sessionmaker, tw, untrained=True)
    flagged = await written(client, talk, **form)
    post = await load(sessionmaker, tw, flagged)
    assert (post.state, post.approval_reason) == ("in_review", "rule")
    assert post.approver_department_id == tw.departments["comms"].id
    assert await asked(sessionmaker, tw, flagged) == {"regie"}
    [requested] = await history(sessionmaker, tw, flagged)
    assert requested.data["reasons"] == [f"rule:{rule.split('_')[0]}"]

    # the same settings, a post the rule does not flag: it is scheduled
    clean: dict[str, Any] = {"x": "Nu kortingen in de winkel", "title": "Anders"}
    if rule == "channel_account":
        clean = {"x": None, "fb": "Alleen op Facebook", "title": "Anders"}
    if rule == "untrained":
        await train(sessionmaker, tw, "marketer")
    other = await written(client, talk, **clean)
    assert (await load(sessionmaker, tw, other)).state == "scheduled"


async def test_decentralized_needs_no_approval_unless_a_rule_of_the_tenant_asks(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "decentralized")
    await configure(sessionmaker, tw, keywords=["fusie"])
    assert (await load(sessionmaker, tw, await written(client, talk))).state == "scheduled"
    flagged = await load(sessionmaker, tw, await written(client, talk, x="Nieuws over de fusie"))
    assert (flagged.state, flagged.approval_reason) == ("in_review", "rule")


# -- who may decide -------------------------------------------------------------------------------------------------

async def test_an_author_never_approves_their_own_post(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    await configure(sessionmaker, tw, steps=[{"users": [str(tw.users["marketer"].id), str(tw.users["member"].id)],
                                              "departments": [], "hub": False}])
    post_id = await written(client, talk)
    assert await asked(sessionmaker, tw, post_id) == {"member"}  # the author is left out of the step
    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert "Je hebt dit bericht zelf geschreven: iemand anders keurt het goed." in page
    assert f"{BASE}/posts/{post_id}/approve" not in page
    r = await decide(client, post_id, "approve")
    assert r.status_code == 409
    assert "Je hebt dit bericht zelf geschreven: iemand anders keurt het goed." in unescape(r.text)
    headers = await api_headers(sessionmaker, tw, "marketer")
    api = await client.post(f"/api/v1/t/acme/talking/posts/{post_id}/approve?lang=en", headers=headers, json={})
    assert api.status_code == 409
    assert api.json()["errors"][0]["reason"] == "You wrote this post: someone else approves it."
    assert (await load(sessionmaker, tw, post_id)).state == "in_review"

    await as_who(client, tw, "agent")  # not an approver of this step at all
    assert (await decide(client, post_id, "approve")).status_code == 403
    await as_who(client, tw, "member")
    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert f"{BASE}/posts/{post_id}/approve" in page
    assert (await decide(client, post_id, "approve")).status_code == 303


async def test_the_api_approves_and_rejects_and_lists_what_awaits_the_caller(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    first, second = await written(client, talk), await written(client, talk, title="Tweede")
    headers = await api_headers(sessionmaker, tw, "regie")
    listed = (await client.get("/api/v1/t/acme/talking/approvals", headers=headers)).json()
    assert sorted(p["title"] for p in listed["items"]) == ["Najaarsactie", "Tweede"]
    assert listed["items"][0]["approval_step"] == 1 and listed["items"][0]["approval_steps"] == 1
    r = await client.post(f"/api/v1/t/acme/talking/posts/{first}/approve", headers=headers, json={"note": "Prima"})
    assert r.status_code == 200 and r.json()["state"] == "scheduled" and r.json()["approval_expires_at"]
    bad = await client.post(f"/api/v1/t/acme/talking/posts/{second}/reject?lang=en", headers=headers, json={})
    assert bad.status_code == 422
    assert bad.json()["errors"] == [{"field": "reason", "reason": "This field is required."}]
    assert (await load(sessionmaker, tw, second)).state == "in_review"
    r = await client.post(f"/api/v1/t/acme/talking/posts/{second}/reject", headers=headers, json={"reason": "Nee"})
    assert r.status_code == 200 and (r.json()["state"], r.json()["state_reason"]) == ("draft", "Nee")
    again = await client.post(f"/api/v1/t/acme/talking/posts/{second}/approve?lang=en", headers=headers, json={})
    assert again.status_code == 409 and "does not wait for an approval" in again.text


# -- edits and expiry ---------------------------------------------------------------------------------------------

async def test_an_edit_after_approval_withdraws_it_and_says_so_in_the_history(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    post_id = await written(client, talk)
    await as_who(client, tw, "regie")
    await decide(client, post_id, "approve")
    post = await load(sessionmaker, tw, post_id)
    assert post.state == "scheduled" and post.approval_expires_at is not None
    await as_who(client, tw, "marketer")
    r = await send(client, f"{BASE}/posts/{post_id}", post_form(talk, title="Anders", revision=str(post.revision)),
                   follow_redirects=False)
    assert r.status_code == 303
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.state_reason, post.approval_expires_at) == ("draft", "edited", None)
    kinds = [(e.kind, e.reason) for e in await history(sessionmaker, tw, post_id)]
    assert kinds == [("requested", ""), ("approved", ""), ("withdrawn", "edited")]
    assert "talking.approval_withdrawn" in await audit_actions(sessionmaker, tw)
    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert "Goedkeuring ingetrokken" in page and "het bericht is gewijzigd" in page

    # submitted again: a new round, the old decision no longer counts
    await send(client, f"{BASE}/posts/{post_id}/submit", {})
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.approval_round, post.approval_step) == ("in_review", 2, 1)


async def test_an_edit_while_in_review_takes_it_out_of_the_approvers_list(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    post_id = await written(client, talk)
    post = await load(sessionmaker, tw, post_id)
    await send(client, f"{BASE}/posts/{post_id}", post_form(talk, x="Nieuwe tekst", revision=str(post.revision)))
    assert (await load(sessionmaker, tw, post_id)).state == "draft"
    assert await asked(sessionmaker, tw, post_id) == set()
    await as_who(client, tw, "regie")
    assert "Er wacht niets op je goedkeuring." in unescape((await client.get(f"{BASE}/approvals/")).text)
    assert (await decide(client, post_id, "approve")).status_code == 409


async def test_an_approval_that_runs_out_sends_the_post_back_to_review(app, client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    await configure(sessionmaker, tw, expiry_days=3)
    post_id = await written(client, talk)
    untouched = await written(client, talk, title="Nog in review")
    await as_who(client, tw, "regie")
    await decide(client, post_id, "approve")
    post = await load(sessionmaker, tw, post_id)
    expires = post.approval_expires_at
    assert timedelta(days=2, hours=23) < expires - datetime.now(UTC) <= timedelta(days=3)

    assert await run_named_job(app, EXPIRE, tw.id, now=(expires - timedelta(minutes=1)).isoformat()) == 0
    assert await run_named_job(app, EXPIRE, tw.id, now=(expires + timedelta(minutes=1)).isoformat()) == 1
    post = await load(sessionmaker, tw, post_id)
    assert (post.state, post.state_reason, post.approval_expires_at) == ("in_review", "approval_expired", None)
    assert (post.approval_round, post.approval_step) == (2, 1)
    assert await asked(sessionmaker, tw, post_id) == {"regie"}
    told = await notified(sessionmaker, tw, "marketer", "talking.approval_decided")
    expired = [n.title for n in told if "verlopen" in n.title]
    assert expired == ["De goedkeuring van je bericht is verlopen: Najaarsactie"]
    assert [e.kind for e in await history(sessionmaker, tw, post_id)][-2:] == ["expired", "requested"]
    assert "talking.approval_expired" in await audit_actions(sessionmaker, tw)
    assert (await load(sessionmaker, tw, untouched)).state == "in_review"
    # idempotent: a second run finds nothing
    assert await run_named_job(app, EXPIRE, tw.id, now=(expires + timedelta(minutes=2)).isoformat()) == 0
    page = unescape((await client.get(f"{BASE}/posts/{post_id}")).text)
    assert "De goedkeuring verliep voordat het bericht uitging" in page


# -- settings ------------------------------------------------------------------------------------------------------

async def test_the_settings_page_is_for_the_regie_holder_and_admins_and_refuses_bad_input(client, talk, sessionmaker):
    tw = talk.world.a
    await as_who(client, tw, "marketer")  # owner of talking, but neither regie holder nor admin
    assert (await client.get(f"{BASE}/approvals/settings")).status_code == 403
    assert (await send(client, f"{BASE}/approvals/settings", {"expiry_days": "10"})).status_code == 403
    await as_who(client, tw, "admin")
    page = unescape((await client.get(f"{BASE}/approvals/settings")).text)
    assert "Goedkeuringsinstellingen" in page and 'value="14"' in page
    for days, reason in (("", "Dit veld is verplicht."), ("0", "Geef een heel aantal dagen van 1 tot 90."),
                         ("91", "Geef een heel aantal dagen van 1 tot 90."), ("abc", "Geef een heel aantal dagen")):
        r = await send(client, f"{BASE}/approvals/settings", {"expiry_days": days})
        assert r.status_code == 422 and reason in unescape(r.text), days
    r = await send(client, f"{BASE}/approvals/settings", {
        "expiry_days": "30", "step1.users": [str(talk.world.b.users["member"].id)], "platforms": "myspace"})
    assert r.status_code == 422 and unescape(r.text).count("Kies een geldige optie.") == 2
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(ApprovalSettings)) is None  # nothing stored
    r = await send(client, f"{BASE}/approvals/settings", {
        "expiry_days": "30", "step2.users": [str(tw.users["member"].id), str(tw.users["agent"].id)],
        "step3.hub": "on", "keywords": "fusie\nontslag, Fusie", "platforms": "x",
        "campaign_ids": "", "untrained": "on"}, follow_redirects=False)
    assert r.status_code == 303
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            row = await s.scalar(select(ApprovalSettings))
    assert (row.expiry_days, row.keywords, row.platforms, row.untrained) == (30, ["fusie", "ontslag"], ["x"], True)
    assert row.steps == [{"users": sorted([str(tw.users["member"].id), str(tw.users["agent"].id)]),
                          "departments": [], "hub": False}, {"users": [], "departments": [], "hub": True}]
    assert "talking.approval_settings_changed" in await audit_actions(sessionmaker, tw)
    page = unescape((await client.get(f"{BASE}/approvals/settings?saved=1")).text)
    assert "Opgeslagen." in page and 'value="30"' in page and ">fusie\nontslag</textarea>" in page


# -- crisis ----------------------------------------------------------------------------------------------------------

async def _activate_webcare(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> None:
    from tests.plugins.monitoring.conftest import activate_monitoring
    from tests.plugins.webcare.conftest import activate_webcare

    await activate_monitoring(sessionmaker, tw)
    await activate_webcare(sessionmaker, tw)


async def test_a_crisis_started_in_webcare_pauses_posts_until_they_are_deliberately_resumed(
        client, talk, sessionmaker):
    tw, other = talk.world.a, talk.world.b
    await _activate_webcare(sessionmaker, tw)
    scheduled = await written(client, talk)
    await configure(sessionmaker, tw, keywords=["review"])
    in_review = await written(client, talk, title="Wacht", x="Dit moet in review")
    draft_resp = await send(client, f"{BASE}/posts", post_form(talk, title="Concept"), follow_redirects=False)
    draft = UUID(draft_resp.headers["location"].rsplit("/", 1)[1])
    foreign = await written(client, talk, slug="globex")  # another tenant: untouched by acme's crisis
    assert (await load(sessionmaker, tw, in_review)).state == "in_review"

    await as_who(client, tw, "regie")
    r = await send(client, "/t/acme/p/webcare/crisis/start", {"title": "Storing", "reason": "Alles ligt eruit"},
                   follow_redirects=False)
    assert r.status_code == 303
    for post_id in (scheduled, in_review):
        post = await load(sessionmaker, tw, post_id)
        assert (post.state, post.state_reason) == ("paused", "crisis")
    assert await asked(sessionmaker, tw, in_review) == set()
    assert (await load(sessionmaker, tw, draft)).state == "draft"
    assert (await load(sessionmaker, other, foreign)).state == "in_review"
    assert [e.kind for e in await history(sessionmaker, tw, in_review)] == ["requested", "withdrawn", "paused"]
    assert "talking.posts_paused" in await audit_actions(sessionmaker, tw)
    assert await notified(sessionmaker, tw, "marketer", "talking.post_paused")

    calendar = unescape((await client.get(f"{BASE}/?month=2099-05")).text)
    assert 'data-reason="crisis"' in calendar and "Gepauzeerd omdat de crisismodus aan staat" in calendar

    # resumed during the crisis: the check asks for approval (crisis), the hub decides
    await as_who(client, tw, "marketer")
    r = await send(client, f"{BASE}/posts/{scheduled}/resume", {}, follow_redirects=False)
    assert r.status_code == 303
    post = await load(sessionmaker, tw, scheduled)
    assert (post.state, post.approval_reason, post.state_reason) == ("in_review", "crisis", "")
    assert await asked(sessionmaker, tw, scheduled) == {"regie"}
    again = await send(client, f"{BASE}/posts/{scheduled}/resume", {})
    assert again.status_code == 409

    # the crisis ends: nothing resumes by itself
    await as_who(client, tw, "regie")
    r = await send(client, "/t/acme/p/webcare/crisis/stop", {"note": "Opgelost"}, follow_redirects=False)
    assert r.status_code == 303
    assert (await load(sessionmaker, tw, in_review)).state == "paused"

    # resume all: the regie holder (or a hub member) only, deliberately
    await as_who(client, tw, "marketer")
    assert (await send(client, f"{BASE}/paused/resume", {"confirm": "yes"})).status_code == 403
    await as_who(client, tw, "regie")
    unconfirmed = await send(client, f"{BASE}/paused/resume", {})
    assert unconfirmed.status_code == 422 and "Bevestig" in unescape(unconfirmed.text)
    assert (await load(sessionmaker, tw, in_review)).state == "paused"
    r = await send(client, f"{BASE}/paused/resume", {"confirm": "yes"})
    assert r.status_code == 200 and 'data-resumed="1"' in r.text
    post = await load(sessionmaker, tw, in_review)  # crisis over: the keyword rule still asks the hub
    assert (post.state, post.approval_reason) == ("in_review", "rule")
    assert "talking.posts_resumed" in await audit_actions(sessionmaker, tw)


async def test_a_crisis_pauses_what_is_submitted_meanwhile_by_asking_approval_and_resume_refuses_the_past(
        client, talk, sessionmaker):
    tw = talk.world.a
    await _activate_webcare(sessionmaker, tw)
    scheduled = await written(client, talk)
    await as_who(client, tw, "regie")
    await send(client, "/t/acme/p/webcare/crisis/start", {"title": "Storing", "reason": "Uit"})
    during = await written(client, talk, title="Tijdens de crisis")
    post = await load(sessionmaker, tw, during)
    assert (post.state, post.approval_reason) == ("in_review", "crisis")
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            (await s.get(Post, scheduled)).publish_at = datetime.now(UTC) - timedelta(hours=1)
    r = await send(client, f"{BASE}/posts/{scheduled}/resume", {})
    assert r.status_code == 422 and "Kies een moment in de toekomst." in unescape(r.text)
    assert (await load(sessionmaker, tw, scheduled)).state == "paused"


# -- tenants and bad input -----------------------------------------------------------------------------------------

async def test_another_tenants_approver_can_neither_see_nor_decide(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    post_id = await written(client, talk)
    await as_who(client, talk.world.b, "regie")
    assert (await send(client, f"/t/globex/p/talking/posts/{post_id}/approve", {})).status_code == 404
    assert (await send(client, f"/t/globex/p/talking/posts/{post_id}/reject", {"reject_reason": "x"})).status_code \
        == 404
    assert "Najaarsactie" not in (await client.get("/t/globex/p/talking/approvals/")).text
    assert (await send(client, f"{BASE}/posts/{post_id}/approve", {})).status_code in (403, 404)
    assert (await load(sessionmaker, tw, post_id)).state == "in_review"


async def test_a_rejection_needs_a_reason_and_a_stale_form_is_refused(client, talk, sessionmaker):
    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    post_id = await written(client, talk)
    await as_who(client, tw, "regie")
    r = await decide(client, post_id, "reject", reject_reason="  ")
    assert r.status_code == 422 and "Dit veld is verplicht." in unescape(r.text)
    assert 'id="f-reject_reason"' in r.text
    stale = await decide(client, post_id, "approve", revision="1")
    assert stale.status_code == 409 and "Iemand anders heeft dit bericht intussen gewijzigd" in unescape(stale.text)
    long = await decide(client, post_id, "reject", reject_reason="x" * 1001)
    assert long.status_code == 422
    queued = await decide(client, post_id, "reject", **{"from": "queue"})
    assert queued.status_code == 422 and "Dit veld is verplicht." in unescape(queued.text)
    assert (await load(sessionmaker, tw, post_id)).state == "in_review"
    assert (await decide(client, UUID(int=7), "approve")).status_code == 404
    draft = await send(client, f"{BASE}/posts", post_form(talk, title="Concept"), follow_redirects=False)
    draft_id = draft.headers["location"].rsplit("/", 1)[1]
    assert (await send(client, f"{BASE}/posts/{draft_id}/resume", {})).status_code == 409


async def test_a_removed_member_leaves_the_approval_steps_and_open_asks(client, talk, sessionmaker):
    from core.plugins.api import ErasureSubject, HookContext
    from plugins.talking.privacy.hooks import erase_subject

    tw = talk.world.a
    await set_org_model(sessionmaker, tw, "centralized")
    agent, member = str(tw.users["agent"].id), str(tw.users["member"].id)
    await configure(sessionmaker, tw, steps=[{"users": [agent, member], "departments": [], "hub": False},
                                             {"users": [agent], "departments": [], "hub": False}])
    post_id = await written(client, talk)
    assert await asked(sessionmaker, tw, post_id) == {"agent", "member"}
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            ctx = HookContext(tenant_id=tw.id, tenant_slug=tw.slug, session=s)
            counts = await erase_subject(ctx, ErasureSubject(kind="user", user_id=tw.users["agent"].id))
    assert counts == {"approval_asks": 1, "approval_steps": 1}
    assert await asked(sessionmaker, tw, post_id) == {"member"}
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            row = await s.scalar(select(ApprovalSettings))
    assert row.steps == [{"users": [member], "departments": [], "hub": False}]
