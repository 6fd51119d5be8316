"""Account registry: approval per org model, duplicates, policy conditions, closing, tenant isolation."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.accounts.models import SocialAccount
from core.audit.models import AuditEntry
from core.auth.models import Membership
from core.policy.models import PolicyVersion
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from tests.support import api_headers, login_as, post_form

URL = "/t/acme/accounts/"
API = "/api/v1/t/acme/accounts"




async def _org_model(sessionmaker, tw, model: str) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(update(Tenant).where(Tenant.id == tw.id).values(org_model=model))


async def _accounts(sessionmaker, tw) -> list[SocialAccount]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(SocialAccount).order_by(SocialAccount.created_at))).all())


async def _audit(sessionmaker, tw) -> list[str]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            # without the once-a-minute record of API token use (tests/core/test_api_tokens.py)
            return list((await session.scalars(select(AuditEntry.action).where(AuditEntry.action != "token.used")
                                               .order_by(AuditEntry.created_at))).all())


def _data(tw, handle: str = "acme_nl", **extra) -> dict[str, str]:
    return {"platform": "instagram", "handle": handle, "url": "https://instagram.com/acme_nl",
            "purpose": "Productfoto's", "department_id": str(tw.departments["marketing"].id), **extra}


@pytest.mark.parametrize("model", ["decentralized", "holistic"])
async def test_auto_approved_org_models(client, world, sessionmaker, model):
    await _org_model(sessionmaker, world.a, model)
    await login_as(client, world.a, "member")
    r = await post_form(client, URL, _data(world.a), follow_redirects=False)
    assert r.status_code == 303
    [account] = await _accounts(sessionmaker, world.a)
    assert account.status == "active" and model in account.decision_reason
    assert [o.user_id for o in account.owners] == [world.a.users["member"].id]  # the requester, of marketing
    assert "account.auto_approved" in await _audit(sessionmaker, world.a)


async def test_the_account_history_reads_in_the_interface_language(client, world, sessionmaker):
    await _org_model(sessionmaker, world.a, "centralized")
    await login_as(client, world.a, "member")
    await post_form(client, "/lang", {"lang": "nl", "next": URL})
    r = await post_form(client, URL, _data(world.a), follow_redirects=False)
    assert r.status_code == 303
    [account] = await _accounts(sessionmaker, world.a)
    client.cookies.clear()
    await login_as(client, world.a, "regie")  # the history is for those who decide
    await post_form(client, "/lang", {"lang": "nl", "next": URL})
    page = (await client.get(f"{URL}{account.id}")).text
    assert "Account instagram:acme_nl aangevraagd" in page and " requested" not in page


@pytest.mark.parametrize("model", ["centralized", "hub_and_spoke"])
async def test_the_hub_decides_in_centralized_and_hub_and_spoke(client, world, sessionmaker, model):
    await _org_model(sessionmaker, world.a, model)
    member = await api_headers(sessionmaker, world.a, "member")
    r = await client.post(API, json=_data(world.a), headers=member)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    account_id = r.json()["id"]
    # a spoke member may not decide; a member of the hub department (the hub approves new accounts) may
    assert (await client.post(f"{API}/{account_id}/decision", json={"approve": True}, headers=member)).status_code \
        == 403
    async with sessionmaker() as session, session.begin():
        with tenant_scope(world.a.id):
            await session.execute(update(Membership).where(Membership.id == world.a.memberships["agent"].id)
                                  .values(department_id=world.a.departments["comms"].id))
    hub = await api_headers(sessionmaker, world.a, "agent")
    r = await client.post(f"{API}/{account_id}/decision", json={"approve": False, "reason": ""}, headers=hub)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"{API}/{account_id}/decision", json={"approve": False, "reason": "Dubbel kanaal"},
                          headers=hub)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert r.json()["decision_reason"] == "Dubbel kanaal"
    regie = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post(f"{API}/{account_id}/decision", json={"approve": True}, headers=regie)
    assert r.status_code == 409
    assert (await _audit(sessionmaker, world.a))[-2:] == ["account.requested", "account.rejected"]


async def test_hub_member_decides_in_multiple_hub_and_spoke(client, world, sessionmaker):
    await _org_model(sessionmaker, world.a, "multiple_hub_and_spoke")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Membership).where(Membership.id == world.a.memberships["agent"].id)
                                  .values(department_id=world.a.departments["comms"].id))
    await login_as(client, world.a, "marketer")
    await post_form(client, URL, _data(world.a))
    [account] = await _accounts(sessionmaker, world.a)
    assert account.status == "pending"
    # a spoke member cannot decide
    r = await post_form(client, f"{URL}{account.id}/decision", {"approve": "1"}, follow_redirects=False)
    assert r.status_code == 403
    await login_as(client, world.a, "agent")  # now a member of the hub department
    page = await client.get(URL)
    assert "Goedkeuren" in page.text
    r = await post_form(client, f"{URL}{account.id}/decision", {"approve": "1", "reason": "prima"},
                        follow_redirects=False)
    assert r.status_code == 303
    [account] = await _accounts(sessionmaker, world.a)
    assert account.status == "active" and account.decided_by_id == world.a.users["agent"].id


async def test_duplicate_account_is_refused_and_nothing_stored(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    await post_form(client, URL, _data(world.a))
    r = await post_form(client, URL, _data(world.a, handle="ACME_NL"))
    assert r.status_code == 422 and "Dit account is al geregistreerd." in r.text
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post(API, json=_data(world.a), headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "handle"
    assert len(await _accounts(sessionmaker, world.a)) == 1
    # the same handle in another tenant is no duplicate
    other = await api_headers(sessionmaker, world.b, "marketer")
    r = await client.post("/api/v1/t/globex/accounts", json=_data(world.b), headers=other)
    assert r.status_code == 201


async def test_bad_input_gives_fields_and_changes_nothing(client, world, sessionmaker):
    await login_as(client, world.a, "marketer")
    r = await post_form(client, URL, {"platform": "myspace", "handle": "", "url": "ftp://x", "purpose": "x",
                                      "department_id": str(world.b.departments["marketing"].id)})
    assert r.status_code == 422
    for fragment in ("Kies een van:", "Dit veld is verplicht.", "https://", "Deze afdeling bestaat niet."):
        assert fragment in r.text
    assert 'value="ftp://x"' in r.text  # submitted values kept
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post(API, json={"platform": "x"}, headers=headers)
    assert r.status_code == 400 and "handle" in r.text
    assert await _accounts(sessionmaker, world.a) == []


async def test_policy_conditions_must_be_confirmed(client, world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            from core.db.base import utcnow

            session.add(PolicyVersion(number=1, strategy={}, tone_rules={},
                                      way_of_work={"account_conditions": "Minstens twee beheerders"},
                                      published_at=utcnow()))
    await login_as(client, world.a, "marketer")
    page = await client.get(URL)
    assert "Minstens twee beheerders" in page.text and 'name="meets_conditions"' in page.text
    r = await post_form(client, URL, _data(world.a))
    assert r.status_code == 422 and "Bevestig dat het account aan de voorwaarden" in r.text
    assert await _accounts(sessionmaker, world.a) == []
    r = await post_form(client, URL, _data(world.a, meets_conditions="on"), follow_redirects=False)
    assert r.status_code == 303 and len(await _accounts(sessionmaker, world.a)) == 1


async def test_close_list_filter_and_pagination(client, world, sessionmaker):
    await _org_model(sessionmaker, world.a, "decentralized")
    headers = await api_headers(sessionmaker, world.a, "marketer")
    for i in range(27):
        r = await client.post(API, json=_data(world.a, handle=f"acme{i}"), headers=headers)
        assert r.status_code == 201
    first = r.json()["id"]
    # marking to close is the regie holder's or a hub's decision, with a reason
    close = {"to": "to_close", "reason": "niet meer actief"}
    assert (await client.post(f"{API}/{first}/transition", json=close, headers=headers)).status_code == 403
    regie = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post(f"{API}/{first}/transition", json={"to": "to_close"}, headers=regie)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await client.post(f"{API}/{first}/transition", json=close, headers=regie)
    assert r.status_code == 200 and r.json()["status"] == "to_close"
    # the owning department closes it; closed is final
    r = await client.post(f"{API}/{first}/transition", json={"to": "closed"}, headers=headers)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert (await client.post(f"{API}/{first}/transition", json=close, headers=regie)).status_code == 409
    body = (await client.get(API + "?status=closed", headers=headers)).json()
    assert [a["handle"] for a in body["items"]] == ["acme26"]
    body = (await client.get(API + "?status=active&page=2", headers=headers)).json()
    assert body["pagination"] == {"page": 2, "per_page": 25, "total": 26, "pages": 2,
                                  "total_exact": True, "has_next": False} and len(body["items"]) == 1
    body = (await client.get(API + f"?department_id={world.a.departments['service'].id}", headers=headers)).json()
    assert body["items"] == []
    await login_as(client, world.a, "regie")
    page = await client.get(URL + "?status=active")
    assert "status=active&amp;page=2" in page.text and "acme26" not in page.text
    assert len(await _accounts(sessionmaker, world.a)) == 27  # closed, never deleted


async def test_other_tenant_accounts_not_reachable(client, world, sessionmaker):
    other = await api_headers(sessionmaker, world.b, "marketer")
    r = await client.post("/api/v1/t/globex/accounts", json=_data(world.b, handle="globex"), headers=other)
    foreign = r.json()["id"]
    regie = await api_headers(sessionmaker, world.a, "regie")
    assert (await client.post(f"{API}/{foreign}/decision", json={"approve": True}, headers=regie)).status_code == 404
    r = await client.post(f"{API}/{foreign}/transition", json={"to": "to_close", "reason": "x"}, headers=regie)
    assert r.status_code == 404
    assert (await client.get(API, headers=regie)).json()["items"] == []
    await login_as(client, world.a, "regie")
    r = await post_form(client, f"{URL}{foreign}/decision", {"approve": "1"}, follow_redirects=False)
    assert r.status_code == 404
    [account] = await _accounts(sessionmaker, world.b)
    assert account.status == "pending"
