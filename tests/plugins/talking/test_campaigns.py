"""Campaigns (time-boxed, goal, budget) and always-on streams: forms, rules per field, lists, the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import unescape

from sqlalchemy import select

from core.tenancy.scope import tenant_scope
from plugins.talking.models import Campaign, Stream
from tests.plugins.talking.conftest import OBJECTIVES
from tests.support import api_headers, login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"


async def _rows(sessionmaker, tw, model):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return (await s.scalars(select(model).order_by(model.created_at))).all()


def _campaign(**values):
    return {"name": "Zomer in de stad", "goal": "Meer bezoekers", "budget": "2.500,50", "objective": "traffic",
            "starting_point": OBJECTIVES[0], "starts_on": "2099-06-01", "ends_on": "2099-08-31", **values}


async def test_a_campaign_is_started_and_listed_with_its_posts(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")  # the owning department configures talking
    r = await send(client, f"{BASE}/campaigns", _campaign(department_id=str(talk.world.a.departments["marketing"].id)),
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"{BASE}/campaigns/"
    [campaign] = await _rows(sessionmaker, talk.world.a, Campaign)
    assert (campaign.slug, campaign.budget, campaign.starts_on) == ("zomer-in-de-stad", Decimal("2500.50"),
                                                                    date(2099, 6, 1))
    page = unescape((await client.get(f"{BASE}/campaigns/")).text)
    assert "Zomer in de stad" in page and "€ 2.500,50" in page and "verkeer" in page and OBJECTIVES[0] in page
    second = await send(client, f"{BASE}/campaigns", _campaign(), follow_redirects=False)
    assert second.status_code == 303
    assert [c.slug for c in await _rows(sessionmaker, talk.world.a, Campaign)] == ["zomer-in-de-stad",
                                                                                   "zomer-in-de-stad-2"]
    r = await send(client, f"{BASE}/campaigns/{campaign.id}", _campaign(name="Zomer 2099", budget=""),
                   follow_redirects=False)
    assert r.status_code == 303
    [campaign, _] = await _rows(sessionmaker, talk.world.a, Campaign)
    assert (campaign.name, campaign.slug, campaign.budget) == ("Zomer 2099", "zomer-in-de-stad", None)


async def test_bad_campaign_input_gets_each_reason_and_stores_nothing(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    r = await send(client, f"{BASE}/campaigns", _campaign(name="", budget="veel", objective="winst",
                                                          starting_point="Iets", starts_on="2099-06-01",
                                                          ends_on="2099-05-01", slug="Niet Goed!",
                                                          department_id="x"))
    assert r.status_code == 422
    text = unescape(r.text)
    for reason in ("Dit veld is verplicht.", "Geef een bedrag in euro, zoals 2500 of 2500,50.", "Kies een van:",
                   "Kies een van de doelen uit de vertrekpunten.", "Het einde valt op of na het begin.",
                   "Gebruik 3-63 kleine letters, cijfers en koppeltekens.", "Kies een geldige optie."):
        assert reason in text, reason
    assert await _rows(sessionmaker, talk.world.a, Campaign) == []


async def test_only_who_configures_talking_manages_campaigns(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "agent")  # a member of another department: may write, not configure
    assert (await client.get(f"{BASE}/campaigns/")).status_code == 200
    assert (await client.get(f"{BASE}/campaigns/new")).status_code == 403
    assert (await send(client, f"{BASE}/campaigns", _campaign())).status_code == 403
    assert await _rows(sessionmaker, talk.world.a, Campaign) == []


async def test_a_stream_runs_until_it_is_stopped(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "regie")
    r = await send(client, f"{BASE}/streams", {"name": "Tips", "description": "Elke week een tip",
                                               "starting_point": OBJECTIVES[1]}, follow_redirects=False)
    assert r.status_code == 303
    [stream] = await _rows(sessionmaker, talk.world.a, Stream)
    assert (stream.slug, stream.is_active) == ("tips", True)
    bad = await send(client, f"{BASE}/streams", {"name": "", "slug": "tips"})
    assert bad.status_code == 422 and "Deze korte naam is al in gebruik." in unescape(bad.text)
    r = await send(client, f"{BASE}/streams/{stream.id}", {"name": "Tips", "description": ""},
                   follow_redirects=False)
    assert r.status_code == 303
    [stream] = await _rows(sessionmaker, talk.world.a, Stream)
    assert stream.is_active is False
    page = unescape((await client.get(f"{BASE}/streams/")).text)
    assert "Tips" in page and "gestopt" in page
    edit = unescape((await client.get(f"{BASE}/streams/{stream.id}/edit")).text)
    assert "Stroom bewerken" in edit and "<code>tips</code>" in edit


async def test_the_campaign_api(client, talk, sessionmaker):
    headers = await api_headers(sessionmaker, talk.world.a, "marketer")
    r = await client.post("/api/v1/t/acme/talking/campaigns", headers=headers, json=_campaign(budget=1200))
    assert r.status_code == 201 and r.json()["budget"] == "1200.00" and r.json()["slug"] == "zomer-in-de-stad"
    r = await client.post("/api/v1/t/acme/talking/campaigns?lang=en", headers=headers, json={"name": "X"})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"objective", "starts_on", "ends_on"} <= fields
    listed = (await client.get("/api/v1/t/acme/talking/campaigns", headers=headers)).json()
    assert [c["name"] for c in listed["items"]] == ["Zomer in de stad"] and listed["items"][0]["posts"] == 0
