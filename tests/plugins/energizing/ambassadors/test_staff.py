"""Staff pages and the API of the programme: the roster with its filters, inviting by hand, editing and
removing, consent text versions, tiers, missions with the policy check, rewards and redemptions; bad input on
each form refused per field with nothing changed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from plugins.energizing.ambassadors.models import ConsentText, Mission, Redemption, Reward, Tier
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.ambassadors.conftest import activate_person, invite, mails_to, rows
from tests.support import World, api_headers, login_as, post_form

STAFF = "/t/acme/p/energizing/"


async def test_roster_invite_filter_edit_and_remove(en: World, client: Any, app: Any,
                                                    sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, en.a, "marketer")
    bad = await post_form(client, f"{STAFF}ambassadors/", {"name": "", "email": "nope", "kind": "robot"})
    assert bad.status_code == 422 and "geen geldig e-mailadres" in bad.text
    assert await rows(sessionmaker, en.a, Ambassador) == []
    added = await post_form(client, f"{STAFF}ambassadors/", {"name": "Gijs", "email": "gijs@example.nl",
                                                             "kind": "employee"}, follow_redirects=False)
    assert added.status_code == 303
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.kind == "employee" and person.source == "employee" and person.state == "invited"
    assert person.invited_by_id == en.a.users["marketer"].id
    assert len(await mails_to(app, "gijs@example.nl")) == 1
    await invite(sessionmaker, en.a, "hanna@example.nl", "Hanna")
    page = await client.get(f"{STAFF}ambassadors/?kind=employee")
    assert "Gijs" in page.text and "Hanna" not in page.text
    assert (await client.get(f"{STAFF}ambassadors/?state=bogus")).status_code == 422
    detail = await client.get(f"{STAFF}ambassadors/{person.id}")
    assert detail.status_code == 200 and person.referral_code in detail.text
    wrong = await post_form(client, f"{STAFF}ambassadors/{person.id}", {"tier": "Platina", "notes": "x"})
    assert wrong.status_code == 422
    assert (await rows(sessionmaker, en.a, Ambassador, Ambassador.id == person.id))[0].notes == ""
    await post_form(client, f"{STAFF}ambassadors/{person.id}", {"tier": "", "notes": "Goede spreker"})
    assert (await rows(sessionmaker, en.a, Ambassador, Ambassador.id == person.id))[0].notes == "Goede spreker"
    removed = await post_form(client, f"{STAFF}ambassadors/{person.id}/remove", {}, follow_redirects=False)
    assert removed.status_code == 303
    [gone] = await rows(sessionmaker, en.a, Ambassador, Ambassador.id == person.id)
    assert gone.state == "erased" and "gijs" not in gone.email and gone.name == "—"
    assert "Gijs" not in (await client.get(f"{STAFF}ambassadors/")).text
    assert "energizing.ambassador_removed" in {e.action for e in await rows(sessionmaker, en.a, AuditEntry)}


async def test_consent_versions_and_tiers(en: World, client: Any, app: Any,
                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await activate_person(client, app, sessionmaker, en.a, "ivo@example.nl", "Ivo")
    await login_as(client, en.a, "regie")
    assert (await post_form(client, f"{STAFF}ambassadors/settings/consent", {"body": ""})).status_code == 422
    await post_form(client, f"{STAFF}ambassadors/settings/consent", {"body": "Versie twee van de tekst"})
    assert [t.version for t in await rows(sessionmaker, en.a, ConsentText)] == [1, 2]
    detail = await client.get(f"{STAFF}ambassadors/{person.id}")
    assert "versie 1" in detail.text and "Versie twee" not in detail.text  # the text they agreed to
    bad = await post_form(client, f"{STAFF}ambassadors/settings/tiers", {"tiers": "Brons\nZilver honderd"})
    assert bad.status_code == 422 and "Zilver 100" in bad.text
    assert await rows(sessionmaker, en.a, Tier) == []
    await post_form(client, f"{STAFF}ambassadors/settings/tiers", {"tiers": "Brons 0\nZilver 100\nGoud 300"})
    assert sorted(t.threshold for t in await rows(sessionmaker, en.a, Tier)) == [0, 100, 300]
    assert (await rows(sessionmaker, en.a, Ambassador))[0].tier == "Brons"
    # a member without a configuring role may not change the tiers
    await login_as(client, en.a, "viewer")
    denied = await post_form(client, f"{STAFF}ambassadors/settings/tiers", {"tiers": "Alles 0"})
    assert denied.status_code == 403


async def test_missions_and_rewards_from_the_staff_pages(en: World, client: Any, app: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, en.a, "marketer")
    today = date.today()
    values = {"title": "Deel onze actie", "kind": "share", "points": "15", "starts_on": str(today),
              "ends_on": str(today + timedelta(days=5)), "target_url": "https://example.org/actie",
              "suggested_text": "Kijk eens naar deze actie"}
    refused = await post_form(client, f"{STAFF}missions/", values)
    assert refused.status_code == 422 and "#samenwerking" in refused.text
    assert await rows(sessionmaker, en.a, Mission) == []
    made = await post_form(client, f"{STAFF}missions/", {**values, "suggested_text": "Kijk eens #ad"},
                           follow_redirects=False)
    assert made.status_code == 303
    [mission] = await rows(sessionmaker, en.a, Mission)
    assert "Deel onze actie" in (await client.get(f"{STAFF}missions/")).text
    await post_form(client, f"{STAFF}missions/{mission.id}/close", {})
    assert (await rows(sessionmaker, en.a, Mission))[0].state == "closed"
    assert (await post_form(client, f"{STAFF}rewards/", {"name": "", "cost": "-1", "stock": "x"})).status_code == 422
    assert await rows(sessionmaker, en.a, Reward) == []
    await post_form(client, f"{STAFF}rewards/", {"name": "Mok", "cost": "10", "stock": "2", "active": "1"})
    [reward] = await rows(sessionmaker, en.a, Reward)
    assert "Mok" in (await client.get(f"{STAFF}rewards/")).text
    assert reward.stock == 2
    assert (await post_form(client, f"{STAFF}redemptions/{reward.id}", {"decision": "approve"})).status_code == 404
    assert await rows(sessionmaker, en.a, Redemption) == []


async def test_api_roster_and_missions(en: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    headers = await api_headers(sessionmaker, en.a, "marketer")
    api = "/api/v1/t/acme/energizing/"
    bad = await client.post(f"{api}ambassadors", json={"email": "x", "name": ""}, headers=headers)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"email", "name"}
    made = await client.post(f"{api}ambassadors", json={"email": "jan@example.nl", "name": "Jan"}, headers=headers)
    assert made.status_code == 201 and made.json()["state"] == "invited"
    listed = (await client.get(f"{api}ambassadors?state=invited", headers=headers)).json()
    assert [p["name"] for p in listed["items"]] == ["Jan"] and listed["page"]["total"] == 1
    assert (await client.get(f"{api}ambassadors?state=nonsense", headers=headers)).status_code == 422
    today = date.today()
    mission = {"title": "Feedback", "kind": "feedback", "points": 5, "starts_on": str(today),
               "ends_on": str(today), "repeatable": True}
    created = await client.post(f"{api}missions", json=mission, headers=headers)
    assert created.status_code == 201 and created.json()["repeatable"] is True
    wrong = await client.post(f"{api}missions", json={**mission, "points": "veel"}, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "points"
    assert len((await client.get(f"{api}missions", headers=headers)).json()["items"]) == 1
    other = await api_headers(sessionmaker, en.b, "marketer")
    assert (await client.get("/api/v1/t/globex/energizing/ambassadors", headers=other)).json()["items"] == []
