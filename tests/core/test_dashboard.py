"""The organisation dashboard: KPIs of the latest methodology with trend, target progress and methodology
version; plugin widgets; department and period filters; visible to viewers; isolated per tenant."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta

import pytest

from core.dashboard.period import Period, parse_period
from core.errors import DomainError
from core.measurement.models import KpiSnapshot, MethodologyVersion, Target
from tests.core.kpi_html import figure
from tests.core.test_gates import activation, add, set_phase
from tests.support import login_as, post_form

KPIS = [
    {"key": "monitoring.volume", "name": "Vermeldingen", "definition": "Vermeldingen per dag", "source": "monitoring",
     "kind": "plugin"},
    {"key": "leads", "name": "Leads uit het CRM", "definition": "Door sales ingevoerd", "source": "CRM",
     "kind": "manual", "unit": "count"},
]


async def seed(sessionmaker, tw, with_targets=True):
    """Methodology v1 and v2 (v2 adds leads, owned by marketing), ten days of volume, targets."""
    today = datetime.now(UTC).date()
    marketing = tw.departments["marketing"]
    now = datetime.now(UTC)
    await add(sessionmaker, tw, MethodologyVersion(number=1, kpis=KPIS[:1], reason="start"))
    await add(sessionmaker, tw, MethodologyVersion(
        number=2, kpis=[KPIS[0], {**KPIS[1], "owner_department_id": str(marketing.id)}], reason="leads erbij"))
    await activation(sessionmaker, tw, "monitoring", "comms")
    snaps = [KpiSnapshot(kpi="monitoring.volume", day=today - timedelta(days=n), value=float(n * 10 + 7),
                         methodology_number=1 if n > 5 else 2, measured_at=now) for n in range(1, 11)]
    snaps.append(KpiSnapshot(kpi="leads", day=today - timedelta(days=2), value=4.0, methodology_number=2,
                             source="manual", measured_at=now))
    await add(sessionmaker, tw, *snaps)
    if with_targets:
        await add(sessionmaker, tw,
                  Target(kpi="monitoring.volume", period_start=today - timedelta(days=10),
                         period_end=today + timedelta(days=9), value=2000, rationale="Zichtbaarheid verdubbelen"),
                  Target(kpi="leads", department_id=marketing.id, period_start=today - timedelta(days=10),
                         period_end=today + timedelta(days=19), value=30, rationale="Eerste leads"))
    return today


async def test_dashboard_shows_kpis_against_targets_with_methodology_version_in_dutch(client, world, sessionmaker):
    today = await seed(sessionmaker, world.a)
    await login_as(client, world.a, "admin")
    r = await client.get("/t/acme/dashboard/")
    assert r.status_code == 200, r.text[:500]
    text = html.unescape(r.text)
    assert 'lang="nl"' in r.text and "Organisatiedashboard" in text
    assert "Methodiekversie 2" in text
    assert "gemeten onder methodiekversies 1, 2" in text  # older days keep the version they were measured under
    assert "Vermeldingen" in text and "Leads uit het CRM" in text and "eigenaar: Marketing" in text
    # ten days of volume: 17 + 27 + ... + 107 = 620 in the last 30 days (the 30 whole days before today, which
    # the figure names), the latest day (yesterday) 17
    last30 = f"{today - timedelta(days=30)}/{today - timedelta(days=1)}"
    assert figure(r.text, "monitoring.volume", last30) == "620" and "totaal in deze periode" in text
    assert '<div class="value">17</div>' in text
    # progress: 620 of 2000, half the period is over → 1000 expected → behind
    assert "620 van 2.000" in text and "achter op schema" in text and "verwacht op dit moment: 1.000" in text
    assert "Zichtbaarheid verdubbelen" in text
    assert 'data-chart=' in r.text and "Streefwaarde (dagaandeel)" in text  # the target as the chart's second series
    assert "Als tabel tonen" in text  # the chart's table alternative
    # monitoring is active: its widget is on the dashboard
    assert 'class="card widget"' in r.text
    assert "Nog geen streefwaarde." not in text  # both KPIs have a target


async def test_dashboard_in_english_via_the_users_language(client, world, sessionmaker):
    await seed(sessionmaker, world.a)
    await login_as(client, world.a, "regie")
    await post_form(client, "/lang", {"lang": "en", "next": "/t/acme/dashboard/"})
    client.cookies.delete("regie_lang")
    r = await client.get("/t/acme/dashboard/")
    text = html.unescape(r.text)
    assert 'lang="en"' in r.text and "Organisation dashboard" in text and "Methodology version 2" in text
    assert "620 of 2,000" in text and "behind" in text and "Target (daily share)" in text
    assert "Show as a table" in text
    marketing = world.a.departments["marketing"]
    text = html.unescape((await client.get(f"/t/acme/dashboard/departments/{marketing.id}")).text)
    assert "Dashboard of Marketing" in text and "4 of 30" in text and "for Marketing" in text
    r = await client.get("/t/acme/dashboard/?period=custom&from=yesterday&to=2026-01-01")
    assert r.status_code == 422 and "Use a date like 2026-01-31." in html.unescape(r.text)


async def test_department_filter_and_view(client, world, sessionmaker):
    await seed(sessionmaker, world.a)
    marketing = world.a.departments["marketing"]
    await login_as(client, world.a, "marketer")
    r = await client.get(f"/t/acme/dashboard/?department={marketing.id}&period=7", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"/t/acme/dashboard/departments/{marketing.id}?period=7"
    r = await client.get(r.headers["location"])
    text = html.unescape(r.text)
    assert r.status_code == 200 and "Dashboard van Marketing" in text
    # marketing owns leads; it has no plugin of its own, so volume and the monitoring widget are not here
    assert 'data-kpi="leads"' in r.text and 'data-kpi="monitoring.volume"' not in r.text
    assert "4 van 30" in text and "voor Marketing" in text
    assert "Voor deze afdeling is geen plug-in actief." in text
    # communicatie runs monitoring: its view has volume and the widget
    comms = world.a.departments["comms"]
    r = await client.get(f"/t/acme/dashboard/departments/{comms.id}")
    assert 'data-kpi="monitoring.volume"' in r.text and 'class="card widget"' in r.text
    # an unknown department in the filter is a field error, not a 500
    r = await client.get("/t/acme/dashboard/?department=nope")
    assert r.status_code == 422 and "Kies een geldige optie." in html.unescape(r.text)


async def test_period_filter_and_its_validation(client, world, sessionmaker):
    today = await seed(sessionmaker, world.a)
    await login_as(client, world.a, "admin")
    r = await client.get("/t/acme/dashboard/?period=7")
    # the last 7 days: the seven whole days before today, 17 + 27 + ... + 77 = 329
    assert r.status_code == 200 and figure(r.text, "monitoring.volume",
                                           f"{today - timedelta(days=7)}/{today - timedelta(days=1)}") == "329"
    start, end = today - timedelta(days=3), today - timedelta(days=2)
    r = await client.get(f"/t/acme/dashboard/?period=custom&from={start}&to={end}")
    assert r.status_code == 200 and figure(r.text, "monitoring.volume", f"{start}/{end}") == "64"  # 37 + 27
    # a period that runs into today covers the days up to yesterday, and says so
    r = await client.get(f"/t/acme/dashboard/?period=custom&from={start}&to={today}")
    assert figure(r.text, "monitoring.volume", f"{start}/{today - timedelta(days=1)}") == "81"  # 37 + 27 + 17
    r = await client.get(f"/t/acme/dashboard/?period=custom&from={end}&to={start}")
    assert r.status_code == 422 and "Het einde van de periode ligt vóór het begin." in html.unescape(r.text)
    r = await client.get("/t/acme/dashboard/?period=custom&from=gisteren&to=")
    text = html.unescape(r.text)
    assert r.status_code == 422 and text.count("Gebruik een datum zoals 2026-01-31.") == 2
    r = await client.get(f"/t/acme/dashboard/?period=custom&from={today}&to={today + timedelta(days=3)}")
    assert r.status_code == 422 and "Kies een einddatum die niet na vandaag ligt." in html.unescape(r.text)
    r = await client.get("/t/acme/dashboard/?period=custom&from=2020-01-01&to=2023-01-01")
    assert r.status_code == 422 and "Kies een periode van hoogstens twee jaar." in html.unescape(r.text)
    r = await client.get("/t/acme/dashboard/?period=year")
    assert r.status_code == 422 and "Kies een van:" in html.unescape(r.text)


async def test_a_viewer_sees_the_dashboard_but_cannot_act(client, world, sessionmaker):
    await seed(sessionmaker, world.a, with_targets=False)
    await login_as(client, world.a, "viewer")
    r = await client.get("/t/acme/dashboard/")
    text = html.unescape(r.text)
    assert r.status_code == 200 and "Vermeldingen" in text and "Nog geen streefwaarde." in text
    assert "/evidence/targets" not in r.text  # no "set a target" link for a viewer
    marketing = world.a.departments["marketing"]
    assert (await client.get(f"/t/acme/dashboard/departments/{marketing.id}")).status_code == 200
    await login_as(client, world.a, "regie")
    r = await client.get("/t/acme/dashboard/")
    assert "/evidence/targets" in r.text and "Een streefwaarde vaststellen" in html.unescape(r.text)


async def test_empty_states_explain_what_to_do(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    r = await client.get("/t/acme/dashboard/")
    text = html.unescape(r.text)
    assert r.status_code == 200 and "Nog geen meetmethodiek" in text
    assert "/t/acme/evidence/methodology" in r.text and "Nog geen plug-in actief." in text
    await login_as(client, world.a, "viewer")
    assert "Vraag de werkgroep er een te schrijven." in html.unescape((await client.get("/t/acme/dashboard/")).text)


async def test_a_long_kpi_list_is_paginated(client, world, sessionmaker):
    kpis = [{"key": f"kpi_{n:02d}", "name": f"KPI nummer {n:02d}", "definition": "", "source": "", "kind": "manual"}
            for n in range(23)]
    await add(sessionmaker, world.a, MethodologyVersion(number=1, kpis=kpis, reason="veel"))
    await login_as(client, world.a, "admin")
    first = html.unescape((await client.get("/t/acme/dashboard/")).text)
    assert "KPI nummer 09" in first and "KPI nummer 10" not in first and "Pagina 1 van 3" in first
    third = html.unescape((await client.get("/t/acme/dashboard/?period=7&page=3")).text)
    assert "KPI nummer 22" in third and "KPI nummer 19" not in third and "period=7" in third


async def test_another_tenants_user_sees_nothing(client, world, sessionmaker):
    await seed(sessionmaker, world.a)
    await login_as(client, world.b, "admin")
    # acme's slug: globex's admin is no member there (the tenant guard refuses before anything is read)
    r = await client.get("/t/acme/dashboard/")
    assert r.status_code == 403 and "Zichtbaarheid verdubbelen" not in r.text and "Methodiekversie" not in r.text
    marketing = world.a.departments["marketing"]
    r = await client.get(f"/t/acme/dashboard/departments/{marketing.id}")
    assert r.status_code == 403 and "Leads uit het CRM" not in r.text
    # under its own slug, acme's department id is simply not there
    r = await client.get(f"/t/globex/dashboard/departments/{marketing.id}")
    assert r.status_code == 404 and "Marketing" not in r.text


async def test_target_form_warns_in_the_listening_phase_but_allows_it(client, world, sessionmaker):
    await add(sessionmaker, world.a, MethodologyVersion(number=1, kpis=KPIS[:1], reason="start"))
    await set_phase(sessionmaker, world.a, "listening")
    await login_as(client, world.a, "regie")
    page = html.unescape((await client.get("/t/acme/evidence/targets")).text)
    assert "De organisatie zit nog in de luisterfase" in page
    today = datetime.now(UTC).date()
    r = await post_form(client, "/t/acme/evidence/targets",
                        {"kpi": "monitoring.volume", "period_start": str(today), "value": "100",
                         "period_end": str(today + timedelta(days=30)), "rationale": "vroeg"},
                        follow_redirects=False)
    assert r.status_code == 303
    dashboard = html.unescape((await client.get("/t/acme/dashboard/")).text)
    # the target shows on the dashboard; no day of its period is over yet
    assert "— van 100" in dashboard and "nog geen metingen" in dashboard and "vroeg" in dashboard



async def test_the_tenant_overview_links_to_the_dashboard(client, world, sessionmaker):
    await login_as(client, world.a, "viewer")
    r = await client.get("/t/acme/")
    assert r.status_code == 200
    assert '<a href="/t/acme/dashboard/">Organisatiedashboard →</a>' in html.unescape(r.text)


async def test_a_lower_is_better_kpi_shows_its_ceiling(client, world, sessionmaker):
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    await add(sessionmaker, world.a, MethodologyVersion(number=1, reason="webcare", kpis=[
        {"key": "webcare.first_response_median", "name": "", "definition": "", "source": "webcare"}]))
    await add(sessionmaker, world.a,
              *[KpiSnapshot(kpi="webcare.first_response_median", day=today - timedelta(days=n), value=v,
                            methodology_number=1, measured_at=now) for n, v in ((1, 40.0), (2, 50.0))],
              Target(kpi="webcare.first_response_median", period_start=today - timedelta(days=5),
                     period_end=today + timedelta(days=5), value=60, rationale="Binnen het uur"))
    await login_as(client, world.a, "agent")
    text = html.unescape((await client.get("/t/acme/dashboard/")).text)
    # the plugin's own title (the methodology gives none), averaged, against a ceiling
    assert "Eerste reactie (mediaan)" in text and "gemiddelde in deze periode" in text
    assert figure(text, "webcare.first_response_median") == "45 min"
    assert "45 min tegen een maximum van 1 h 00 min" in text and "voor op schema" in text and "lager is beter" in text
    assert "De plug-in ervan is niet actief: deze KPI wordt niet gemeten." in text  # webcare is not active here


def test_period_choices():
    today = date(2026, 5, 14)
    yesterday = date(2026, 5, 13)  # presets cover whole days that are over, as the daily snapshots do
    assert parse_period({}, today) == Period("30", date(2026, 4, 14), yesterday)
    assert parse_period({"period": "7"}, today) == Period("7", date(2026, 5, 7), yesterday)
    assert parse_period({"period": "quarter"}, today) == Period("quarter", date(2026, 4, 1), yesterday)
    # on a quarter's first day no day of it is over yet
    assert parse_period({"period": "quarter"}, date(2026, 4, 1)) == Period("quarter", date(2026, 4, 1),
                                                                           date(2026, 4, 1))
    custom = parse_period({"period": "custom", "from": "2026-01-01", "to": "2026-01-31"}, today)
    assert (len(custom.days), custom.params) == (31, {"period": "custom", "from": "2026-01-01", "to": "2026-01-31"})
    with pytest.raises(DomainError) as bad:
        parse_period({"period": "custom", "from": "2026-02-01", "to": "2026-01-31"}, today)
    assert set(bad.value.errors) == {"to"}
