"""Activation and gates tell the truth: a coming plugin cannot be requested, each catalogue card says one thing,
the regie holder's own request needs a second person, and a pilot measurement covers days the plugin was on, from
its own figures where it measures itself, with values typed in marked as such on the gate and the report."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import update

from core.activation.models import PluginActivation
from core.jobs.plugin_jobs import run_named_job
from core.measurement.models import KpiSnapshot, ManagementPresentation, MethodologyVersion
from core.plugins.api import PluginInfo, hookimpl
from core.roadmap.models import PilotMeasurement
from tests.core.test_evidence import own_snapshots
from tests.core.test_gates import activation, add, audit, count, execute, item, report, rows, set_phase
from tests.core.test_reports import Q3, days, requested
from tests.support import api_headers, login_as, post_form


def dep(world: Any, key: str) -> str:
    return str(world.a.departments[key].id)


def card(page: str, plugin: str) -> tuple[str, str]:
    """(state, body) of one plugin's card on the catalogue page, the body unescaped."""
    found = re.search(rf'<section class="card plugin-card" id="plugin-{plugin}" data-state="(\w+)">(.*?)</section>',
                      page, re.S)
    assert found, f"no card for {plugin}"
    return found.group(1), unescape(found.group(2))


async def the_row(sessionmaker: Any, world: Any, plugin: str) -> PluginActivation:
    [row] = await rows(sessionmaker, world.a, PluginActivation, PluginActivation.plugin == plugin)
    return row


# --- a coming plugin -------------------------------------------------------------------------------------------


class Coming:
    """An installed plugin without pages yet: listed as coming, it cannot be requested."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="ideabox", groundswell_function="embracing", default_owner="development",
                          min_phase="listening", available=False, title={"nl": "Ideeënbus", "en": "Idea box"})


@pytest.fixture
def coming(app: Any) -> Any:
    app.state.pm.register(Coming(), name="ideabox")
    yield "ideabox"
    app.state.pm.unregister(name="ideabox")


async def test_a_coming_plugin_cannot_be_requested_on_the_page_or_the_api(client, world, sessionmaker, coming):
    await set_phase(sessionmaker, world.a, "learning")  # the phase allows it: its availability refuses
    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/plugins/ideabox/request",
                        {"department_id": dep(world, "marketing"), "motivation": "Een contentkalender"})
    assert r.status_code == 409
    assert "Ideeënbus komt binnenkort: er zijn nog geen pagina's, dus je kunt de plug-in nog niet aanvragen." \
        in unescape(r.text)
    headers = await api_headers(sessionmaker, world.a, "marketer")
    r = await client.post("/api/v1/t/acme/plugins/ideabox/request?lang=en",
                          json={"department_id": dep(world, "marketing")}, headers=headers)
    assert r.status_code == 409
    [error] = r.json()["errors"]
    assert error["field"] == "__all__" and error["reason"].startswith("Idea box cannot be activated now: ")
    assert "Idea box is coming: it has no pages yet and cannot be requested." in error["reason"]
    assert await count(sessionmaker, world.a, PluginActivation) == 0
    assert await audit(sessionmaker, world.a, "plugin.requested") == []


async def test_a_request_for_a_coming_plugin_made_earlier_cannot_be_approved(client, world, sessionmaker, coming):
    await set_phase(sessionmaker, world.a, "learning")
    row = PluginActivation(plugin="ideabox", department_id=world.a.departments["marketing"].id,
                           status="requested", requested_by_id=world.a.users["marketer"].id)
    await add(sessionmaker, world.a, row)
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/plugins/ideabox/decision", {"decision": "approve"})
    assert r.status_code == 409 and "Ideeënbus komt binnenkort" in unescape(r.text)
    row = await the_row(sessionmaker, world, "ideabox")
    assert (row.status, row.activated_at, row.decided_by_id) == ("requested", None, None)
    assert await audit(sessionmaker, world.a, "plugin.activated") == []


# --- the catalogue card ----------------------------------------------------------------------------------------


async def test_each_card_says_one_state_and_a_blocked_request_button_is_disabled_with_its_reason(
        client, world, sessionmaker, coming):
    await login_as(client, world.a, "regie")
    page = (await client.get("/t/acme/plugins/")).text
    state, body = card(page, "monitoring")
    assert state == "available" and ">beschikbaar</span>" in body
    assert '<button type="submit" class="primary">Aanvragen</button>' in body
    state, body = card(page, "webcare")
    assert state == "blocked" and ">geblokkeerd</span>" in body
    assert "Webcare kan vanaf de fase pilot worden geactiveerd; de organisatie zit in de fase luisteren." in body
    assert '<a href="/t/acme/roadmap/">Ga naar de fase pilot: de routekaart laat zien wat de poort daarvoor nog ' \
        'vraagt.</a>' in body
    assert "Webcare vraagt eerst een actieve Monitoring." in body
    assert '<button type="submit" class="primary" disabled aria-describedby="blockers-webcare">Aanvragen</button>' \
        in body
    assert '<div class="alert warn" id="blockers-webcare">' in body
    state, body = card(page, "talking")
    assert state == "blocked" and "Praten kan vanaf de fase pilot worden geactiveerd" in body  # available now
    for plugin in ("ideabox",):
        state, body = card(page, plugin)
        assert state == "coming" and ">binnenkort</span>" in body and "nog geen pagina's" in body
        assert "/request" not in body and "Aanvragen" not in body
    for plugin in ("monitoring", "webcare", "talking"):
        assert card(page, plugin)[1].count('class="badge state-') == 1  # one thing per card

    await login_as(client, world.a, "marketer")
    r = await post_form(client, "/t/acme/plugins/monitoring/request", {"department_id": dep(world, "marketing")},
                        follow_redirects=False)
    assert r.status_code == 303
    await login_as(client, world.a, "regie")
    state, body = card((await client.get("/t/acme/plugins/")).text, "monitoring")
    assert state == "requested" and ">aangevraagd</span>" in body
    assert '<button name="decision" value="approve" class="primary">Goedkeuren</button>' in body

    assert (await post_form(client, "/t/acme/plugins/monitoring/decision", {"decision": "approve"},
                            follow_redirects=False)).status_code == 303
    await set_phase(sessionmaker, world.a, "pilot")
    page = (await client.get("/t/acme/plugins/")).text
    assert card(page, "monitoring")[0] == "active"
    state, body = card(page, "webcare")
    assert state == "available" and "disabled" not in body and "Nu geblokkeerd" not in body

    assert (await post_form(client, "/t/acme/plugins/monitoring/pause", {"reason": "Zomerstop"},
                            follow_redirects=False)).status_code == 303
    page = (await client.get("/t/acme/plugins/")).text
    assert card(page, "monitoring")[0] == "paused"
    state, body = card(page, "webcare")
    assert state == "blocked" and "Webcare vraagt eerst een actieve Monitoring." in body
    assert '<a href="/t/acme/plugins/#plugin-monitoring">Vraag Monitoring aan voor de eigen afdeling (of hervat de ' \
        'plug-in als die gepauzeerd is).</a>' in body
    assert 'disabled aria-describedby="blockers-webcare"' in body


# --- the regie holder's own request ----------------------------------------------------------------------------


async def test_the_regie_holders_own_request_is_approved_by_a_second_person(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/plugins/monitoring/request",
                        {"department_id": dep(world, "comms"), "motivation": "De nulmeting"}, follow_redirects=False)
    assert r.status_code == 303
    state, body = card((await client.get("/t/acme/plugins/")).text, "monitoring")
    assert state == "requested"
    assert '<button name="decision" value="approve" class="primary" disabled ' \
        'aria-describedby="own-request-monitoring">Goedkeuren</button>' in body
    assert "Je hebt deze plug-in zelf aangevraagd: een ander lid van de werkgroep of een beheerder keurt de " \
        "aanvraag goed." in body
    assert "wacht op jouw besluit" not in (await client.get("/t/acme/")).text
    r = await post_form(client, "/t/acme/plugins/monitoring/decision", {"decision": "approve"})
    assert r.status_code == 409
    assert "Je hebt Monitoring zelf aangevraagd: een ander lid van de werkgroep of een beheerder keurt de aanvraag " \
        "goed." in unescape(r.text)
    r = await client.post("/api/v1/t/acme/plugins/monitoring/decision?lang=en", json={"approve": True},
                          headers=await api_headers(sessionmaker, world.a, "regie"))
    assert r.status_code == 409
    assert r.json()["errors"] == [{"field": "__all__", "reason": "You requested Monitoring yourself: another member "
                                   "of the workgroup or an admin approves it."}]
    for who in ("viewer", "member"):  # neither may decide anything
        await login_as(client, world.a, who)
        assert (await post_form(client, "/t/acme/plugins/monitoring/decision",
                                {"decision": "approve"})).status_code == 403
    row = await the_row(sessionmaker, world, "monitoring")
    assert (row.status, row.decided_by_id, row.activated_at) == ("requested", None, None)
    assert await audit(sessionmaker, world.a, "plugin.activated") == []

    await login_as(client, world.a, "admin")  # the second person
    assert "Communicatie vraagt Monitoring aan: wacht op jouw besluit" in (await client.get("/t/acme/")).text
    state, body = card((await client.get("/t/acme/plugins/")).text, "monitoring")
    assert '<button name="decision" value="approve" class="primary">Goedkeuren</button>' in body
    assert "als tweede persoon keur je de aanvraag goed of wijs je hem af" in body
    r = await post_form(client, "/t/acme/plugins/monitoring/decision",
                        {"decision": "approve", "reason": "Akkoord als tweede persoon"}, follow_redirects=False)
    assert r.status_code == 303
    row = await the_row(sessionmaker, world, "monitoring")
    assert row.status == "active" and row.requested_by_id == world.a.users["regie"].id
    assert row.decided_by_id == world.a.users["admin"].id
    [entry] = await audit(sessionmaker, world.a, "plugin.activated")
    assert entry.actor_id == world.a.users["admin"].id and entry.reason == "Akkoord als tweede persoon"
    assert entry.data["second_person"] is True and entry.data["requested_by"] == str(world.a.users["regie"].id)


async def test_a_workgroup_member_approves_the_regie_holders_request_but_nobody_elses(client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    await activation(sessionmaker, world.a, "monitoring", "comms")
    regie = await api_headers(sessionmaker, world.a, "regie")
    marketer = await api_headers(sessionmaker, world.a, "marketer")  # holds a workgroup seat
    r = await client.post("/api/v1/t/acme/plugins/webcare/request", json={"department_id": dep(world, "service")},
                          headers=regie)
    assert r.status_code == 201
    r = await client.post("/api/v1/t/acme/plugins/webcare/decision", json={"approve": True}, headers=marketer)
    assert r.status_code == 200 and r.json()["status"] == "active"
    [entry] = await audit(sessionmaker, world.a, "plugin.activated")
    assert entry.actor_id == world.a.users["marketer"].id and entry.data["second_person"] is True
    # a request by anyone else is the regie holder's to decide: not the admin's, not another seat holder's
    await execute(sessionmaker, world.a, update(PluginActivation).where(PluginActivation.plugin == "webcare").values(
        status="requested", requested_by_id=world.a.users["agent"].id, decided_by_id=None))
    for who in ("admin", "marketer"):
        r = await client.post("/api/v1/t/acme/plugins/webcare/decision", json={"approve": True},
                              headers=await api_headers(sessionmaker, world.a, who))
        assert r.status_code == 403
    assert (await the_row(sessionmaker, world, "webcare")).status == "requested"
    r = await client.post("/api/v1/t/acme/plugins/webcare/decision", json={"approve": True}, headers=regie)
    assert r.status_code == 200 and r.json()["status"] == "active"


# --- pilot measurements ----------------------------------------------------------------------------------------


async def test_a_pilot_measurement_dated_before_the_plugin_was_switched_on_is_refused(client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    active = await activation(sessionmaker, world.a, "monitoring", "comms")  # on since 2025-12-01
    await own_snapshots(sessionmaker, world.a, {"monitoring.volume": [5, 7]}, first=date(2025, 11, 20))
    await login_as(client, world.a, "regie")
    before = {"activation_id": str(active.id), "period_start": "2025-11-01", "period_end": "2025-11-30"}
    r = await post_form(client, "/t/acme/evidence/pilot", before)
    assert r.status_code == 422
    assert "De periode begint voordat Monitoring werd aangezet (2025-12-01): een pilotmeting gaat alleen over dagen " \
        "waarop de plug-in actief was." in unescape(r.text)
    later = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    r = await post_form(client, "/t/acme/evidence/pilot", {**before, "period_start": "2025-12-01",
                                                           "period_end": later})
    assert r.status_code == 422
    assert "De periode eindigt in de toekomst: alleen dagen die voorbij zijn, kun je meten." in unescape(r.text)
    r = await client.post("/api/v1/t/acme/pilot-measurements?lang=en",
                          json={"plugin": "monitoring", "period_start": "2025-11-01", "period_end": "2025-11-30"},
                          headers=await api_headers(sessionmaker, world.a, "regie"))
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "period_start", "reason": "The period starts before Monitoring was "
                                   "switched on (2025-12-01): a pilot measurement covers only days it was active."}]
    assert await count(sessionmaker, world.a, PilotMeasurement) == 0
    assert await audit(sessionmaker, world.a, "pilot.recorded") == []


async def test_a_typed_in_measurement_of_a_coming_plugin_does_not_satisfy_the_gate(app, client, world, sessionmaker,
                                                                                   coming):
    """What was seen: a value typed in for a coming plugin, dated before it was switched on, passed the pilot
    gate."""
    await set_phase(sessionmaker, world.a, "pilot")
    row = await activation(sessionmaker, world.a, coming, "marketing")  # switched on by force
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/evidence/pilot", {"activation_id": str(row.id), "values": "posts=12",
                                                           "period_start": "2025-12-02", "period_end": "2025-12-31"})
    assert r.status_code == 422
    assert "Ideeënbus heeft nog geen pagina's en kan dus niet als pilot hebben gedraaid." in unescape(r.text)
    assert await count(sessionmaker, world.a, PilotMeasurement) == 0
    # one recorded before these rules: typed in, and dated before it was switched on
    await add(sessionmaker, world.a, PilotMeasurement(activation_id=row.id, period_start=date(2025, 11, 1),
                                                      period_end=date(2025, 11, 30), values={"posts": 12},
                                                      hand_entered=["posts"]))
    gate = item(await report(sessionmaker, app.state.pm, world.a, "nl"), "pilot_measured")
    assert not gate.ok
    assert gate.text == "Nog geen plug-in draaide als pilot met een vastgelegde meting; Ideeënbus heeft nog " \
        "geen pagina's en draaide dus niet als pilot"


class HandMeasured:
    """A plugin that does not measure itself: its pilot figures can only be typed in."""

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="handmeasured", groundswell_function="talking", default_owner="marketing",
                          title={"nl": "Handwerk", "en": "Handwork"})


async def test_pilot_figures_come_from_the_plugins_own_measurements_and_typed_values_are_marked(
        app, client, world, sessionmaker):
    await set_phase(sessionmaker, world.a, "pilot")
    monitoring = await activation(sessionmaker, world.a, "monitoring", "comms")
    await login_as(client, world.a, "regie")
    period = {"activation_id": str(monitoring.id), "period_start": "2026-01-01", "period_end": "2026-01-31"}
    r = await post_form(client, "/t/acme/evidence/pilot", {**period, "values": "leads=4"})
    assert r.status_code == 422  # monitoring measures itself, and measured nothing in January
    assert "Monitoring meet zichzelf, maar heeft in deze periode niets gemeten" in unescape(r.text)
    await own_snapshots(sessionmaker, world.a, {"monitoring.volume": [10, 20, None, 30],
                                                "monitoring.negative_share": [30, 50]})
    r = await post_form(client, "/t/acme/evidence/pilot", {**period, "values": "monitoring.volume=999"})
    assert r.status_code == 422
    assert "Monitoring meet monitoring.volume zelf: die waarden komen uit de dagelijkse metingen. Laat ze weg." \
        in unescape(r.text)
    assert await count(sessionmaker, world.a, PilotMeasurement) == 0
    r = await post_form(client, "/t/acme/evidence/pilot", {**period, "values": "leads=4", "summary": "Eerste maand"},
                        follow_redirects=False)
    assert r.status_code == 303
    [m] = await rows(sessionmaker, world.a, PilotMeasurement)
    # a count is summed over its days, a share averaged (as on the dashboard and in the report)
    assert m.values == {"monitoring.volume": 60.0, "monitoring.negative_share": 40.0, "leads": 4.0}
    assert m.hand_entered == ["leads"]
    gate = item(await report(sessionmaker, app.state.pm, world.a, "nl"), "pilot_measured")
    assert gate.ok and gate.text == "Pilot gemeten: Monitoring (eigen metingen; enkele waarden handmatig ingevoerd)"
    page = unescape((await client.get("/t/acme/evidence/pilot")).text)
    assert re.search(r'leads\W[^<]*4 <span class="badge warn hand-entered">handmatig ingevoerd</span>', page)
    assert page.count('<span class="badge warn hand-entered">') == 1  # leads only
    assert page.count('<span class="badge ok own-measurement">eigen meting</span>') == 2  # volume and share

    # a plugin that does not measure itself: its typed-in figures count, marked as such on the gate
    app.state.pm.register(HandMeasured(), name="handmeasured")
    try:
        await add(sessionmaker, world.a, MethodologyVersion(number=1, kpis=[{"key": "leads"}], reason="start"))
        hand = await activation(sessionmaker, world.a, "handmeasured", "marketing")
        # a measurement of monitoring with only typed-in values no longer counts for monitoring
        await add(sessionmaker, world.a, PilotMeasurement(activation_id=monitoring.id, period_start=date(2026, 2, 1),
                                                          period_end=date(2026, 2, 28), values={"reach": 5},
                                                          hand_entered=["reach"]))
        r = await post_form(client, "/t/acme/evidence/pilot", {**period, "activation_id": str(hand.id),
                                                               "values": "posts=7"}, follow_redirects=False)
        assert r.status_code == 303
        gate = item(await report(sessionmaker, app.state.pm, world.a), "pilot_measured")
        assert gate.text == "Pilot measured: Handwork (entered by hand), Monitoring (its own measurements; some " \
            "values entered by hand)"
    finally:
        app.state.pm.unregister(name="handmeasured")


async def test_only_typed_in_values_of_a_plugin_that_measures_itself_do_not_satisfy_the_gate(
        app, sessionmaker, world):
    await set_phase(sessionmaker, world.a, "pilot")
    monitoring = await activation(sessionmaker, world.a, "monitoring", "comms")
    await add(sessionmaker, world.a, PilotMeasurement(activation_id=monitoring.id, period_start=date(2026, 1, 1),
                                                      period_end=date(2026, 1, 31), values={"mentions": 120},
                                                      hand_entered=["mentions"]))
    gate = item(await report(sessionmaker, app.state.pm, world.a), "pilot_measured")
    assert not gate.ok
    assert gate.text == "No plugin has run as a pilot with a recorded measurement yet; Monitoring measures itself, " \
        "but its measurement holds only values entered by hand"


async def test_the_report_marks_a_figure_entered_by_hand(app, client, world, sessionmaker):
    now = datetime.now(UTC)
    kpis = [{"key": "leads", "name": "Leads uit social", "kind": "manual", "unit": "count",
             "owner_department_id": str(world.a.departments["marketing"].id)},
            {"key": "monitoring.volume", "name": "Vermeldingen", "kind": "plugin"}]
    snaps = [KpiSnapshot(kpi=key, day=d, value=2.0, methodology_number=1, source=source, measured_at=now)
             for key, source in (("leads", "manual"), ("monitoring.volume", "plugin")) for d in days(*Q3)]
    await add(sessionmaker, world.a, MethodologyVersion(number=1, kpis=kpis, reason="start"), *snaps)
    report_id = await requested(client, world.a)
    assert await run_named_job(app, "core.reports.generate", world.a.id, report_id=report_id) == "done"
    page = (await client.get(f"/t/acme/reports/{report_id}")).text
    assert '(leads)</small> <small class="hand-entered">handmatig ingevoerd</small>' in page
    assert "(monitoring.volume)</small></td>" in page
    assert page.count("handmatig ingevoerd") == 2  # the figure and the table row of leads, nothing else
    [presentation] = await rows(sessionmaker, world.a, ManagementPresentation)
    assert "Leads uit social (handmatig ingevoerd): 184" in presentation.sections["results"]
    assert "Vermeldingen: 184" in presentation.sections["results"]
