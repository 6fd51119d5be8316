"""Manual KPIs: only the owner department (or regie holder / admin) enters, with unit-aware validation;
corrections are new rows and the newest is the day's snapshot. Plus the methodology's new columns."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.measurement.models import KpiSnapshot, ManualMeasurement, MethodologyVersion
from tests.core import kpi_plugin
from tests.core.test_gates import audit, count, rows
from tests.support import api_headers, login_as, post_form

KPIS = ("leads | Leads | Nieuwe leads uit het CRM | CRM | manual | count | Marketing\n"
        "conversion | Conversie | Leads die klant werden | CRM | manual | percent | marketing\n"
        "fte_spent | Fte | Ingezette fte | uren | manual | fte | Klantenservice\n"
        "followers | Volgers | Volgers van @acme | LinkedIn | manual | count | Marketing | latest | higher\n"
        "kpitest.posts | | | | plugin")
YESTERDAY = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


@pytest.fixture
def plugin(app):
    with kpi_plugin.registered(app.state.pm) as p:
        yield p


async def write(client, tw, kpis=KPIS):
    return await post_form(client, f"/t/{tw.slug}/evidence/methodology", {"kpis": kpis, "reason": "Leads erbij"},
                           follow_redirects=False)


async def enter(client, data):
    return await post_form(client, "/t/acme/measurements/manual", data, follow_redirects=False)


async def test_methodology_lines_carry_kind_unit_and_owner(client, world, sessionmaker, plugin):
    await login_as(client, world.a, "regie")
    for kpis, message in (
            ("leads | Leads | | CRM | manual | count", "Regel 1: een handmatige KPI heeft een eigenaar-afdeling"),
            ("leads | Leads | | CRM | manual | count | Juridisch", "Regel 1 noemt een onbekende eigenaar-afdeling"),
            ("leads | Leads | | CRM | handwerk | count | Marketing", "Regel 1: de soort moet plugin of manual"),
            ("leads | Leads | | CRM | manual | stuks | Marketing", "Regel 1: de eenheid moet een van deze zijn"),
            ("talking.bogus | | | | plugin", "Regel 1: talking.bogus is geen KPI die een geïnstalleerde plug-in"),
            ("kpitest.posts | Posts | | | manual | count | Marketing", "wordt door een plug-in gemeten"),
            ("leads | Leads | | | manual | count | Marketing | gemiddeld", "de aggregatie moet sum, mean of latest"),
            ("leads | Leads | | | manual | count | Marketing | sum | omhoog", "de richting moet higher of lower")):
        r = await write(client, world.a, kpis)
        assert r.status_code == 422 and message in r.text, (kpis, r.text[:300])
    assert await count(sessionmaker, world.a, MethodologyVersion) == 0
    r = await write(client, world.a)
    assert r.status_code == 303
    [version] = await rows(sessionmaker, world.a, MethodologyVersion)
    leads, conversion, fte, followers, posts = version.kpis
    assert (followers["aggregation"], followers["direction"]) == ("latest", "higher") and "aggregation" not in leads
    assert (leads["kind"], leads["unit"], leads["owner_department_id"]) == \
        ("manual", "count", str(world.a.departments["marketing"].id))
    assert conversion["owner_department_id"] == str(world.a.departments["marketing"].id)  # by name, any case
    assert (fte["unit"], posts["kind"], posts["unit"], posts["name"]) == ("fte", "plugin", "count", "")
    page = await client.get("/t/acme/evidence/methodology")
    assert "handmatig ingevoerd" in page.text and "gemeten door een plug-in" in page.text
    assert "die de plug-ins meten" in page.text and "kpitest.posts" in page.text
    assert "Gepubliceerde berichten." in page.text and "plug-in niet actief" in page.text
    assert "<td><code>kpitest.posts</code></td><td>Berichten</td>" in page.text  # the plugin's title
    # the API takes the same fields
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.post("/api/v1/t/acme/methodology", headers=headers, json={
        "reason": "Via de API", "kpis": [{"key": "leads", "name": "Leads", "kind": "manual", "unit": "count",
                                          "owner_department_id": str(world.a.departments["service"].id)}]})
    assert r.status_code == 201 and r.json()["number"] == 2
    r = await client.post("/api/v1/t/acme/methodology", headers=headers, json={
        "reason": "Fout", "kpis": [{"key": "leads", "name": "Leads", "kind": "manual"}]})
    assert r.status_code == 422 and "eigenaar-afdeling" in r.json()["errors"][0]["reason"]


async def test_only_the_owner_department_regie_or_admin_may_enter(client, world, sessionmaker, plugin):
    await login_as(client, world.a, "regie")
    await write(client, world.a)
    value = {"kpi": "leads", "day": YESTERDAY, "value": "12", "note": "Uit Salesforce"}
    for who in ("agent", "viewer"):  # service department; a viewer
        await login_as(client, world.a, who)
        assert (await enter(client, value)).status_code == 403, who
    await login_as(client, world.a, "agent")
    page = await client.get("/t/acme/measurements/")
    assert "Voer een handmatige waarde in" in page.text and ">Fte (fte)<" in page.text
    assert ">Leads (aantal)<" not in page.text
    assert (await enter(client, {**value, "kpi": "fte_spent", "value": "1,5"})).status_code == 303  # their own
    await login_as(client, world.a, "member")  # marketing
    assert ">Leads (aantal)<" in (await client.get("/t/acme/measurements/")).text
    assert (await enter(client, value)).status_code == 303
    await login_as(client, world.a, "admin")
    assert (await enter(client, {**value, "value": "14", "note": "Correctie"})).status_code == 303
    entries = await rows(sessionmaker, world.a, ManualMeasurement)
    assert [(m.kpi, m.value, m.methodology_number) for m in entries] == \
        [("fte_spent", 1.5, 1), ("leads", 12.0, 1), ("leads", 14.0, 1)]
    snaps = {s.kpi: s for s in await rows(sessionmaker, world.a, KpiSnapshot)}
    assert (snaps["leads"].value, snaps["leads"].source, snaps["leads"].day) == (14.0, "manual",
                                                                                 date.fromisoformat(YESTERDAY))
    assert len(await audit(sessionmaker, world.a, "measurement.entered")) == 3
    page = await client.get("/t/acme/measurements/?kpi=leads")
    assert "Correctie" in page.text and "Uit Salesforce" in page.text  # the history keeps both
    assert "handmatig" in page.text and "data-chart" in page.text
    # another tenant cannot enter into acme, and acme's KPI is unknown in globex
    await login_as(client, world.b, "admin")
    assert (await enter(client, value)).status_code in (403, 404)
    r = await post_form(client, "/t/globex/measurements/manual", value)
    assert r.status_code == 422 and "Kies een handmatige KPI uit de laatste meetmethodiek." in r.text


async def test_values_are_checked_against_the_unit_and_the_day(client, world, sessionmaker, plugin):
    await login_as(client, world.a, "regie")
    await write(client, world.a)
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    for data, message in (
            ({"kpi": "conversion", "day": YESTERDAY, "value": "120"}, "Een percentage ligt tussen 0 en 100."),
            ({"kpi": "leads", "day": YESTERDAY, "value": "-3"}, "Deze KPI kan niet negatief zijn."),
            ({"kpi": "leads", "day": YESTERDAY, "value": "2.5"}, "Een aantal is een geheel getal."),
            ({"kpi": "leads", "day": YESTERDAY, "value": "veel"}, "Vul een getal in."),
            ({"kpi": "leads", "day": tomorrow, "value": "3"}, "De dag ligt in de toekomst."),
            ({"kpi": "leads", "day": "gisteren", "value": "3"}, "Gebruik een datum zoals 2026-01-31."),
            ({"kpi": "kpitest.posts", "day": YESTERDAY, "value": "3"}, "Kies een handmatige KPI"),
            ({}, "Kies een handmatige KPI")):
        r = await enter(client, data)
        assert r.status_code == 422 and message in r.text, (data, r.text[:300])
    assert await count(sessionmaker, world.a, ManualMeasurement) == 0
    assert await count(sessionmaker, world.a, KpiSnapshot) == 0
    r = await enter(client, {"kpi": "conversion", "day": YESTERDAY, "value": "12,5"})
    assert r.status_code == 303


async def test_api_enters_and_reads(client, world, sessionmaker, plugin):
    await login_as(client, world.a, "regie")
    await write(client, world.a)
    member = await api_headers(sessionmaker, world.a, "member")
    r = await client.post("/api/v1/t/acme/manual-measurements", headers=member,
                          json={"kpi": "leads", "day": YESTERDAY, "value": 7, "note": "CRM"})
    assert r.status_code == 201 and r.json()["value"] == 7.0 and r.json()["methodology_number"] == 1
    r = await client.post("/api/v1/t/acme/manual-measurements", headers=member,
                          json={"kpi": "conversion", "day": YESTERDAY, "value": 101})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "value"
    agent = await api_headers(sessionmaker, world.a, "agent")
    r = await client.post("/api/v1/t/acme/manual-measurements", headers=agent,
                          json={"kpi": "leads", "day": YESTERDAY, "value": 7})
    assert r.status_code == 403
    r = await client.get("/api/v1/t/acme/snapshots?kpi=leads", headers=agent)
    assert r.status_code == 200
    assert r.json()["items"] == [{"kpi": "leads", "day": YESTERDAY, "value": 7.0, "source": "manual",
                                  "methodology_number": 1}]
    assert (await client.get("/api/v1/t/acme/snapshots?start=nope", headers=agent)).status_code == 422


async def test_the_measurements_page_shows_each_kpis_progress_against_its_target(client, world, plugin):
    await login_as(client, world.a, "regie")
    assert (await write(client, world.a)).status_code == 303
    today = datetime.now(UTC).date()
    r = await post_form(client, "/t/acme/evidence/targets", {
        "kpi": "leads", "period_start": (today - timedelta(days=9)).isoformat(),
        "period_end": (today + timedelta(days=10)).isoformat(), "value": "40", "rationale": "Twee per dag"},
        follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert (await enter(client, {"kpi": "leads", "day": YESTERDAY, "value": "10"})).status_code == 303
    page = (await client.get("/t/acme/measurements/")).text
    leads = page.split('?kpi=leads"')[1].split("</tr>")[0]
    assert "10 / 40" in leads and "<progress" in leads
    followers = page.split('?kpi=followers"')[1].split("</tr>")[0]
    assert "geen streefwaarde" in followers
