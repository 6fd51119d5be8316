"""The account lifecycle: allowed and refused moves with their audit lines, owners, dormancy and reactivation,
the policy's longest silence, and bad input on every form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from core.accounts.activity import record_post
from core.accounts.models import AccountOwner, SocialAccount
from core.audit.models import AuditEntry
from core.db.base import utcnow
from core.jobs.plugin_jobs import run_named_job
from core.notifications.models import Notification
from core.policy.models import PolicyVersion
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from tests.support import api_headers, login_as, post_form

URL = "/t/acme/accounts/"
API = "/api/v1/t/acme/accounts"
DORMANCY = "core.accounts.dormancy"


async def _org_model(sessionmaker, tw, model: str) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Tenant).where(Tenant.id == tw.id).values(org_model=model))


async def _account(sessionmaker, tw, **values: Any) -> SocialAccount:
    """An account as it stands in the registry (owners by user key in `owners`)."""
    owners = values.pop("owners", [])
    values.setdefault("platform", "x")
    values.setdefault("handle", "acme_nl")
    values.setdefault("status", "active")
    values.setdefault("department_id", tw.departments["marketing"].id)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            account = SocialAccount(**values)
            account.owners = [AccountOwner(user_id=tw.users[who].id) for who in owners]
            session.add(account)
    return account


async def _load(sessionmaker, tw, account_id) -> SocialAccount:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.get(SocialAccount, account_id)


async def _audit(sessionmaker, tw, action_prefix: str = "account.") -> list[AuditEntry]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(action_prefix))
                                               .order_by(AuditEntry.created_at))).all())


async def _publish_policy(sessionmaker, tw, silence: str) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PolicyVersion(number=1, strategy={}, tone_rules={},
                                      way_of_work={"longest_silence": silence}, published_at=utcnow()))


async def _notes(sessionmaker, tw) -> list[Notification]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(Notification).order_by(Notification.created_at))).all())


def _move(to: str, **extra: Any) -> dict[str, Any]:
    return {"to": to, **extra}


# --- moves ------------------------------------------------------------------------------------------------------------
async def test_found_account_is_claimed_put_in_use_closed_with_every_move_audited(client, world, sessionmaker):
    member = await api_headers(sessionmaker, world.a, "member")
    r = await client.post(API, json={"platform": "instagram", "handle": "acme_oud", "existing": True}, headers=member)
    assert r.status_code == 201, r.text
    found = r.json()
    assert (found["status"], found["department_id"], found["origin"], found["owners"]) == \
        ("to_claim", None, "found", [])
    account_id = found["id"]
    # the agent (service) cannot claim it for marketing; the member of marketing claims it for their department
    agent = await api_headers(sessionmaker, world.a, "agent")
    r = await client.post(f"{API}/{account_id}/transition", headers=agent,
                          json=_move("claimed", department_id=str(world.a.departments["marketing"].id)))
    assert r.status_code == 403
    assert (await _load(sessionmaker, world.a, account_id)).status == "to_claim"
    r = await client.post(f"{API}/{account_id}/transition", json=_move("claimed", reason="Van ons"), headers=member)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "claimed" and body["department_id"] == str(world.a.departments["marketing"].id)
    assert [o["user_id"] for o in body["owners"]] == [str(world.a.users["member"].id)]
    # in hub and spoke a hub puts a claimed account in use, not its department
    r = await client.post(f"{API}/{account_id}/transition", json=_move("active"), headers=member)
    assert r.status_code == 403
    regie = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post(f"{API}/{account_id}/transition", json=_move("active"), headers=regie)
    assert r.status_code == 200 and r.json()["status"] == "active"
    # not allowed: straight to closed, or to dormant by hand
    r = await client.post(f"{API}/{account_id}/transition", json=_move("closed"), headers=regie)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "to"
    r = await client.post(f"{API}/{account_id}/transition", json=_move("dormant"), headers=regie)
    assert r.status_code == 409
    r = await client.post(f"{API}/{account_id}/transition", json=_move("to_close", reason="Dubbel kanaal"),
                          headers=regie)
    assert r.status_code == 200 and r.json()["status"] == "to_close"
    r = await client.post(f"{API}/{account_id}/transition", json=_move("closed", reason="Opgeheven"), headers=member)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = await client.post(f"{API}/{account_id}/transition", json=_move("to_claim", reason="x"), headers=regie)
    assert r.status_code == 409  # closed is final
    entries = await _audit(sessionmaker, world.a)
    assert [e.action for e in entries] == ["account.found", "account.claimed", "account.activated",
                                           "account.marked_to_close", "account.closed"]
    claimed, activated, marked, closed = entries[1:]
    assert claimed.actor_id == world.a.users["member"].id and claimed.reason == "Van ons"
    assert claimed.data["from"] == "to_claim" and claimed.data["to"] == "claimed"
    assert activated.actor_id == world.a.users["regie"].id
    assert (marked.reason, marked.data["from"]) == ("Dubbel kanaal", "active")
    assert closed.reason == "Opgeheven" and closed.actor_id == world.a.users["member"].id


async def test_department_puts_its_claimed_account_in_use_where_new_accounts_are_approved_at_once(
        client, world, sessionmaker):
    await _org_model(sessionmaker, world.a, "decentralized")
    account = await _account(sessionmaker, world.a, status="claimed", owners=["member"])
    marketer = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post(f"{API}/{account.id}/transition", json=_move("active"), headers=marketer)
    assert r.status_code == 200 and r.json()["status"] == "active"
    agent = await api_headers(sessionmaker, world.a, "agent")  # another department: not theirs to close
    r = await client.post(f"{API}/{account.id}/transition", json=_move("to_close", reason="weg"), headers=agent)
    assert r.status_code == 403


async def test_regie_holder_claims_for_another_department_and_names_its_owners(client, world, sessionmaker):
    account = await _account(sessionmaker, world.a, status="to_claim", department_id=None)
    regie = await api_headers(sessionmaker, world.a, "regie")
    service = str(world.a.departments["service"].id)
    # the regie holder is no member of service: owners must be named, and be members of service
    r = await client.post(f"{API}/{account.id}/transition", json=_move("claimed", department_id=service), headers=regie)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_ids"
    r = await client.post(f"{API}/{account.id}/transition", headers=regie, json=_move(
        "claimed", department_id=service, owner_ids=[str(world.a.users["marketer"].id)]))
    assert r.status_code == 422 and "afdeling" in r.json()["errors"][0]["reason"]
    assert (await _load(sessionmaker, world.a, account.id)).status == "to_claim"
    r = await client.post(f"{API}/{account.id}/transition", headers=regie, json=_move(
        "claimed", department_id=service, owner_ids=[str(world.a.users["agent"].id)]))
    assert r.status_code == 200
    assert [o["name"] for o in r.json()["owners"]] == ["Agent Acme BV"]


async def test_withdrawn_closing_sends_the_account_back_to_be_claimed(client, world, sessionmaker):
    account = await _account(sessionmaker, world.a, status="to_close")
    regie = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post(f"{API}/{account.id}/transition", json=_move("to_claim"), headers=regie)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"{API}/{account.id}/transition", json=_move("to_claim", reason="Toch nodig"), headers=regie)
    assert r.status_code == 200 and r.json()["status"] == "to_claim"
    assert [e.action for e in await _audit(sessionmaker, world.a)] == ["account.close_withdrawn"]


async def test_the_account_page_offers_the_moves_one_may_make_and_shows_the_history(client, world, sessionmaker):
    account = await _account(sessionmaker, world.a, status="to_claim", department_id=None, handle="acme_gevonden")
    await login_as(client, world.a, "marketer")
    page = await client.get(f"{URL}{account.id}")
    assert page.status_code == 200 and "acme_gevonden" in page.text
    assert 'data-move="claimed"' in page.text and 'data-move="to_close"' not in page.text
    r = await post_form(client, f"{URL}{account.id}/transition", {"to": "claimed"}, follow_redirects=False)
    assert r.status_code == 303
    await login_as(client, world.a, "regie")
    page = await client.get(f"{URL}{account.id}")
    assert 'data-move="active"' in page.text and 'data-move="to_close"' in page.text
    assert 'id="account-history"' in page.text and "te claimen → geclaimd" in page.text
    assert "Marketer Acme BV" in page.text  # the owner
    await login_as(client, world.a, "viewer")
    page = await client.get(f"{URL}{account.id}")
    assert page.status_code == 200 and "data-move" not in page.text and 'id="account-history"' not in page.text


async def test_bad_input_on_the_lifecycle_forms_changes_nothing(client, world, sessionmaker):
    account = await _account(sessionmaker, world.a, status="to_claim", department_id=None)
    await login_as(client, world.a, "regie")
    r = await post_form(client, f"{URL}{account.id}/transition", {"to": "verdwenen"})
    assert r.status_code == 422 and "Kies een van:" in r.text
    r = await post_form(client, f"{URL}{account.id}/transition", {"to": "claimed", "department_id": "nee"})
    assert r.status_code == 422 and "Kies een geldige optie." in r.text
    r = await post_form(client, f"{URL}{account.id}/transition",
                        {"to": "claimed", "department_id": str(world.b.departments["marketing"].id)})
    assert r.status_code == 422 and "Deze afdeling bestaat niet." in r.text
    r = await post_form(client, f"{URL}{account.id}/transition", {"to": "to_close", "reason": ""})
    assert r.status_code == 422 and "Dit veld is verplicht." in r.text
    r = await post_form(client, f"{URL}{account.id}/transition", {"to": "to_close", "reason": "x" * 2001})
    assert r.status_code == 422
    r = await post_form(client, f"{URL}{account.id}/transition", {"to": "closed"})
    assert r.status_code == 409 and "kan niet" in r.text
    stored = await _load(sessionmaker, world.a, account.id)
    assert (stored.status, stored.department_id) == ("to_claim", None)
    assert await _audit(sessionmaker, world.a) == []
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post(f"{API}/{account.id}/transition", json={"reason": "x"}, headers=headers)
    assert r.status_code == 400 and "to" in r.text
    r = await client.post(f"{API}/{account.id}/transition", json={"to": 5}, headers=headers)
    assert r.status_code == 400


# --- owners -------------------------------------------------------------------------------------------------------
async def test_owners_are_members_of_the_department_named_by_it_or_a_decider(client, world, sessionmaker):
    account = await _account(sessionmaker, world.a, owners=["member"])
    agent = await api_headers(sessionmaker, world.a, "agent")
    url = f"{API}/{account.id}/owners"
    assert (await client.post(url, json={"owner_ids": [str(world.a.users["agent"].id)]}, headers=agent)).status_code \
        == 403
    marketer = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post(url, json={"owner_ids": []}, headers=marketer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_ids"
    r = await client.post(url, json={"owner_ids": [str(world.a.users["viewer"].id)]}, headers=marketer)
    assert r.status_code == 422
    r = await client.post(url, json={"owner_ids": ["geen-id"]}, headers=marketer)
    assert r.status_code == 422
    r = await client.post(url, json={"owner_ids": [str(world.a.users["marketer"].id), str(world.a.users["member"].id)]},
                          headers=marketer)
    assert r.status_code == 200
    assert sorted(o["name"] for o in r.json()["owners"]) == ["Marketer Acme BV", "Member Acme BV"]
    [entry] = await _audit(sessionmaker, world.a)
    assert entry.action == "account.owners_changed" and len(entry.data["after"]) == 2
    await login_as(client, world.a, "regie")
    r = await post_form(client, f"{URL}{account.id}/owners", {"owner_ids": str(world.b.users["marketer"].id)})
    assert r.status_code == 422 and "lid zijn van de afdeling" in r.text
    r = await post_form(client, f"{URL}{account.id}/owners", {"owner_ids": str(world.a.users["member"].id)},
                        follow_redirects=False)
    assert r.status_code == 303
    assert [o.user_id for o in (await _load(sessionmaker, world.a, account.id)).owners] == [world.a.users["member"].id]
    found = await _account(sessionmaker, world.a, handle="nog_niet", status="to_claim", department_id=None)
    r = await client.post(f"{API}/{found.id}/owners", json={"owner_ids": [str(world.a.users["member"].id)]},
                          headers=marketer)
    assert r.status_code == 409  # claim it first


# --- dormancy -----------------------------------------------------------------------------------------------------
async def test_dormancy_job_makes_silent_accounts_dormant_and_tells_owners_and_regie_once(app, world, sessionmaker):
    await _publish_policy(sessionmaker, world.a, "30\ninstagram=60")
    now = utcnow()
    long_ago = now - timedelta(days=100)
    silent = await _account(sessionmaker, world.a, handle="stil", last_post_at=now - timedelta(days=40),
                            status_changed_at=long_ago, owners=["member"])
    patient = await _account(sessionmaker, world.a, handle="foto", platform="instagram",
                             last_post_at=now - timedelta(days=40), status_changed_at=long_ago)
    new = await _account(sessionmaker, world.a, handle="nieuw", status_changed_at=now - timedelta(days=10))
    never = await _account(sessionmaker, world.a, handle="nooit", status_changed_at=long_ago,
                           department_id=world.a.departments["service"].id)
    busy = await _account(sessionmaker, world.a, handle="druk", last_post_at=now - timedelta(days=2),
                          status_changed_at=long_ago)
    other = await _account(sessionmaker, world.b, handle="globex_stil", last_post_at=now - timedelta(days=400),
                           status_changed_at=long_ago, department_id=world.b.departments["marketing"].id)
    counts = await run_named_job(app, DORMANCY, world.a.id)
    assert counts == {"dormant": 2, "reactivated": 0}
    states = {a.handle: (await _load(sessionmaker, world.a, a.id)).status for a in (silent, patient, new, never, busy)}
    assert states == {"stil": "dormant", "foto": "active", "nieuw": "active", "nooit": "dormant", "druk": "active"}
    notes = await _notes(sessionmaker, world.a)
    # the named owner and the regie holder; without owners, the owning department (service: the agent) and regie
    assert sorted((n.user_id, n.href.rsplit("/", 1)[1]) for n in notes) == sorted([
        (world.a.users["member"].id, str(silent.id)), (world.a.users["regie"].id, str(silent.id)),
        (world.a.users["agent"].id, str(never.id)), (world.a.users["regie"].id, str(never.id))])
    assert {n.kind for n in notes} == {"account.dormant"}
    assert "stil" in notes[0].title + notes[1].title + notes[2].title + notes[3].title
    entries = await _audit(sessionmaker, world.a)
    assert [e.action for e in entries] == ["account.dormant", "account.dormant"]
    assert all(e.actor_label == "system" and e.data["limit_days"] == 30 for e in entries)
    assert {e.data["silent_days"] for e in entries} == {40, 100}
    # again: nothing changes, nobody is told twice
    assert await run_named_job(app, DORMANCY, world.a.id) == {"dormant": 0, "reactivated": 0}
    assert len(await _notes(sessionmaker, world.a)) == 4 and len(await _audit(sessionmaker, world.a)) == 2
    assert (await _load(sessionmaker, world.b, other.id)).status == "active"  # another tenant: its own policy


async def test_an_account_that_posts_again_is_active_again(app, world, sessionmaker):
    await _publish_policy(sessionmaker, world.a, "30")
    now = utcnow()
    went_dormant = now - timedelta(days=3)
    account = await _account(sessionmaker, world.a, status="dormant", status_changed_at=went_dormant,
                             last_post_at=now - timedelta(days=50))
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await record_post(session, account.id, now - timedelta(days=60))  # older than known: nothing
    assert (await _load(sessionmaker, world.a, account.id)).status == "dormant"
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await record_post(session, account.id, datetime.now(UTC).replace(tzinfo=None))  # naive is read as UTC
    stored = await _load(sessionmaker, world.a, account.id)
    assert stored.status == "active" and stored.last_post_at > now - timedelta(minutes=1)
    [entry] = await _audit(sessionmaker, world.a)
    assert (entry.action, entry.actor_label, entry.data["from"]) == ("account.reactivated", "system", "dormant")
    # a connection that writes the column itself: the daily job sees the recent post
    second = await _account(sessionmaker, world.a, handle="tweede", status="dormant", status_changed_at=went_dormant,
                            last_post_at=now - timedelta(days=1))
    assert await run_named_job(app, DORMANCY, world.a.id) == {"dormant": 0, "reactivated": 1}
    assert (await _load(sessionmaker, world.a, second.id)).status == "active"


async def test_without_a_longest_silence_in_the_policy_no_account_becomes_dormant(app, world, sessionmaker):
    account = await _account(sessionmaker, world.a, last_post_at=utcnow() - timedelta(days=900),
                             status_changed_at=utcnow() - timedelta(days=900))
    assert await run_named_job(app, DORMANCY, world.a.id) == {"dormant": 0, "reactivated": 0}
    assert (await _load(sessionmaker, world.a, account.id)).status == "active"


# --- the policy's longest silence -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "fragment"), [
    ("dertig", "Regel 1: schrijf een aantal dagen"),
    ("30\ninstagram=0", "Regel 2: het aantal dagen moet tussen 1 en 3650"),
    ("myspace=30", "Regel 1: myspace is geen platform"),
])
async def test_a_longest_silence_that_does_not_read_is_refused(client, world, sessionmaker, text, fragment):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/policy/", {"function": "Luisteren", "longest_silence": text})
    assert r.status_code == 422 and fragment in r.text
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/policy", json={"way_of_work": {"longest_silence": text}}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "longest_silence"
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await session.scalars(select(PolicyVersion))).all() == []


async def test_the_policy_form_explains_and_keeps_the_longest_silence(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    form = await client.get("/t/acme/policy/new")
    assert "Langste stilte per account" in form.text and "instagram=60" in form.text
    r = await post_form(client, "/t/acme/policy/", {"function": "Luisteren", "longest_silence": "30\ninstagram=60"},
                        follow_redirects=False)
    assert r.status_code == 303
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            [version] = (await session.scalars(select(PolicyVersion))).all()
    assert version.way_of_work["longest_silence"] == "30\ninstagram=60"
