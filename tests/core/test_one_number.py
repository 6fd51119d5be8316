"""One number, one value: the same KPI of the same tenant over the same days reads the same on the mediator's
console, the tenant's overview (the plugins' widgets), the organisation dashboard, the plugins' own pages and
the quarterly report; every figure names the days it covers; a lower-is-better KPI above its ceiling is drawn as
bad on the dashboard, the targets list, the measurements page, the console and the report.

The data is made so that the easy ways to disagree give other numbers: cases and mentions come in today too
(a page that counts today says 8 cases, not 6); the within-SLA share of the pooled cases (3 of 5 = 60 %) is not
the average of the days (50, 100 and 50 % = 66,7 %), nor is the newest day's (50 %); the negative share of the
pooled mentions (3 of 6 = 50 %) is not the days' average (66,7, 0 and 100 % = 55,6 %)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from core.jobs.plugin_jobs import run_named_job
from core.measurement.models import MethodologyVersion, Target
from plugins.webcare.models import Case
from tests.core.kpi_html import figure, figures
from tests.core.test_gates import add
from tests.plugins.monitoring.buzz_data import M, seed
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.webcare.conftest import activate_webcare
from tests.support import login, login_as, post_form, summarise

TODAY = datetime.now(UTC).date()


def day(n: int) -> date:
    return TODAY - timedelta(days=n)


def at(n: int, hour: int = 10) -> datetime:
    return datetime.combine(day(n), time(hour), tzinfo=UTC)


WEEK = f"{day(7)}/{day(1)}"
"""The last 7 days: the seven whole days before today."""
MONTH = f"{day(30)}/{day(1)}"
KPIS = [{"key": "webcare.cases", "name": "Webcare-cases", "definition": "", "source": "webcare", "kind": "plugin",
         "unit": "count"},
        {"key": "webcare.within_sla", "name": "Binnen SLA", "definition": "", "source": "webcare", "kind": "plugin",
         "unit": "percent"},
        {"key": "monitoring.volume", "name": "Vermeldingen", "definition": "", "source": "monitoring",
         "kind": "plugin", "unit": "count"},
        {"key": "monitoring.negative_share", "name": "Aandeel negatief", "definition": "", "source": "monitoring",
         "kind": "plugin", "unit": "percent"}]
EXPECTED = {("webcare.cases", WEEK): "6", ("webcare.cases", MONTH): "7", ("webcare.within_sla", WEEK): "66,7 %",
            ("monitoring.volume", WEEK): "6", ("monitoring.negative_share", WEEK): "55,6 %"}


def case(number: int, n: int, *, met: bool | None) -> Case:
    """A case opened on day(n) at 10:00: ended within its SLA (met), ended too late (not met) or still open."""
    opened = at(n)
    done = opened + timedelta(hours=2)
    due = opened + timedelta(hours=4 if met is not False else 1)
    return Case(number=number, subject=f"Case {number}", status="open" if met is None else "resolved",
                opened_at=opened, last_message_at=opened, first_response_at=opened + timedelta(minutes=30),
                first_response_due=due, resolved_at=None if met is None else done, resolution_due=due)


async def measured_tenant(app, sessionmaker, world) -> None:
    """Webcare and monitoring active, the methodology three weeks old, cases and mentions over the last days
    and today, the daily snapshots taken by the core's job, the webcare widget's and KPI page's figures by their
    jobs, and targets for the days since a week ago."""
    tw = world.a
    await activate_monitoring(sessionmaker, tw)
    await activate_webcare(sessionmaker, tw)
    await add(sessionmaker, tw, MethodologyVersion(number=1, kpis=KPIS, reason="meten", created_at=at(21, 0)))
    # within SLA per day: 1 of 2 (day 6), 1 of 1 (day 4), 1 of 2 ended (day 2; a third is open) → 66,7 % a day
    await add(sessionmaker, tw, case(1, 6, met=True), case(2, 6, met=False), case(3, 4, met=True),
              case(4, 2, met=True), case(5, 2, met=False), case(6, 2, met=None),
              case(7, 9, met=True),  # in the last 30 days, not in the last 7
              case(8, 0, met=True), case(9, 0, met=None))  # today: not a whole day yet
    # negative share per day: 2 of 3 (day 5), 0 of 2 (day 3), 1 of 1 (day 1); today 4 more, all negative
    mentions = [M(at(5, 12), "a", sentiment="negative"), M(at(5, 13), "b", sentiment="negative"),
                M(at(5, 14), "c", sentiment="positive"), M(at(3, 12), "d", sentiment="positive"),
                M(at(3, 13), "e"), M(at(1, 12), "f", sentiment="negative"),
                *[M(at(0, 0) + timedelta(minutes=i), f"g{i}", sentiment="negative") for i in range(4)]]
    await seed(sessionmaker, tw, items=mentions, profiles=())
    assert await run_named_job(app, "core.measurement.snapshot", tw.id) == 4 * 21
    await run_named_job(app, "webcare.widget_figures", tw.id)  # what the overview's webcare widget shows
    await run_named_job(app, "webcare.kpi_figures", tw.id)  # and the webcare KPI page
    regie = tw.users["regie"].id
    await add(sessionmaker, tw,
              Target(kpi="webcare.within_sla", period_start=day(7), period_end=TODAY + timedelta(days=3), value=90,
                     set_by_id=regie),
              Target(kpi="monitoring.negative_share", period_start=day(7), period_end=TODAY + timedelta(days=3),
                     value=20, rationale="Minder negatieve gesprekken", set_by_id=regie))


def row_with(page: str, text: str) -> str:
    """The table row that names `text` and draws a progress bar."""
    rows = [r for r in re.findall(r"<tr.*?</tr>", page, re.S) if text in r and "<progress" in r]
    assert len(rows) == 1, rows
    return rows[0]


async def generated_report(app, client, tw) -> str:
    form = {"title": "Laatste week", "period_start": str(day(7)), "period_end": str(day(1)), "strategy": "",
            "way_of_work": "", "fte": "", "budget": "", "resources_text": "", "growth_scenarios": ""}
    r = await post_form(client, f"/t/{tw.slug}/reports/", form, follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    report_id = r.headers["location"].rsplit("/", 1)[1]
    assert await run_named_job(app, "core.reports.generate", tw.id, report_id=report_id) == "done"
    return (await client.get(f"/t/{tw.slug}/reports/{report_id}")).text


async def test_the_same_kpi_and_days_read_the_same_on_every_page(app, client, world, sessionmaker):
    await measured_tenant(app, sessionmaker, world)
    await summarise(app)  # the console reads the tenant's summary, as the mediator's job writes it
    await login(client, world.mediator.email)
    console = (await client.get("/mediator/")).text
    console = console.split('data-slug="acme"', 1)[1].split("</tr>", 1)[0]
    client.cookies.clear()
    await login_as(client, world.a, "regie")
    pages = {"console": console,
             "home": (await client.get("/t/acme/")).text,
             "dashboard, last 7 days": (await client.get("/t/acme/dashboard/?period=7")).text,
             "dashboard, last 30 days": (await client.get("/t/acme/dashboard/")).text,
             "webcare page, last 7 days": (await client.get("/t/acme/p/webcare/kpis/?period=7d")).text,
             "webcare page, last 30 days": (await client.get("/t/acme/p/webcare/kpis/?period=30d")).text,
             "buzz page, the same dates": (await client.get(
                 f"/t/acme/p/monitoring/?period=custom&from={day(7)}&to={day(1)}")).text,
             "report": await generated_report(app, client, world.a)}
    seen: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for name, page in pages.items():
        for key, period, text in figures(page):
            seen[(key, period)][text].add(name)
    for (key, period), expected in EXPECTED.items():
        shown = seen[(key, period)]
        assert set(shown) == {expected}, f"{key} over {period}: {dict(shown)}"
    # every page shows each of these KPIs for the days in question (the dashboard also carries the widgets)
    where = {k: set().union(*seen[k].values()) for k in EXPECTED}
    assert where[("webcare.cases", WEEK)] >= {"home", "dashboard, last 7 days", "webcare page, last 7 days", "report"}
    assert where[("webcare.cases", MONTH)] >= {"console", "dashboard, last 30 days", "webcare page, last 30 days"}
    assert where[("webcare.within_sla", WEEK)] >= {"console", "home", "dashboard, last 7 days",
                                                    "webcare page, last 7 days", "report"}
    assert where[("monitoring.volume", WEEK)] >= {"home", "dashboard, last 7 days", "buzz page, the same dates",
                                                   "report"}
    assert where[("monitoring.negative_share", WEEK)] >= {"console", "home", "dashboard, last 7 days",
                                                          "buzz page, the same dates", "report"}
    # no page shows any of them for other days than it says: every marked figure agrees with its own kind
    for (key, period), shown in seen.items():
        assert len(shown) == 1, f"{key} over {period} reads differently: {dict(shown)}"
    # today's cases and mentions are not hidden: the widgets count them apart, as today's, live
    home = pages["home"]
    assert 'data-figure="opened-today">2<' in home and 'data-figure="mentions-today">4<' in home


async def test_every_figure_names_its_days(app, client, world, sessionmaker):
    await measured_tenant(app, sessionmaker, world)
    await login_as(client, world.a, "regie")
    home = (await client.get("/t/acme/")).text
    first, last = day(7), day(1)
    period = re.compile(r"\d{1,2} \w+ \d{4} – \d{1,2} \w+ \d{4}")
    for widget in ("webcare", "monitoring-buzz"):
        at_widget = home.index(f'data-widget="{widget}"')
        card = home[home.rindex("<article", 0, at_widget):home.index("</article>", at_widget)]
        assert period.search(card), widget
    dashboard = (await client.get("/t/acme/dashboard/?period=7")).text
    row = dashboard.split('id="kpi-webcare.cases"', 1)[1].split("</article>", 1)[0]
    assert f"{first.day} " in row and f"{last.day} " in row and period.search(row)
    # a period that runs into today says up to which day it counts
    page = (await client.get(f"/t/acme/p/webcare/kpis/?from={day(2)}&to={TODAY}")).text
    assert figure(page, "webcare.cases", f"{day(2)}/{day(1)}") == "3"
    assert "een dag telt mee zodra hij voorbij is" in page


async def test_a_lower_is_better_kpi_over_its_ceiling_is_drawn_as_bad(app, client, world, sessionmaker):
    await measured_tenant(app, sessionmaker, world)
    await login_as(client, world.a, "regie")
    dashboard = (await client.get("/t/acme/dashboard/?period=7")).text
    row = dashboard.split('id="kpi-monitoring.negative_share"', 1)[1].split("</article>", 1)[0]
    # 55,6 % against a ceiling of 20 %: 277,8 % of it, above the ceiling, a full bar in the bad colour
    assert 'data-state="bad"' in row and '<progress class="bar bad"' in row and 'value="100"' in row
    assert "boven het maximum" in row and "277,8 % van het maximum" in row
    assert 'data-state="ok"' not in row and 'class="bar ok"' not in row
    for page in ("/t/acme/evidence/targets", "/t/acme/measurements/"):
        line = row_with((await client.get(page)).text, "Aandeel negatief")
        assert '<progress class="bar bad"' in line and "boven het maximum" in line, page
    report = await generated_report(app, client, world.a)
    line = report.split("(monitoring.negative_share)", 1)[1].split("</tr>", 1)[0]
    assert 'data-state="bad"' in line and "boven het maximum" in line and "hoogstens 20 %" in line
    client.cookies.clear()
    await summarise(app)
    await login(client, world.mediator.email)
    console = (await client.get("/mediator/")).text.split('data-slug="acme"', 1)[1].split("</tr>", 1)[0]
    line = console.split('data-kpi="monitoring.negative_share"', 1)[1].split("</div>", 1)[0]
    assert 'data-state="bad"' in line and "boven het maximum" in line and "hoogstens 20 %" in line


async def test_a_ceiling_kept_is_drawn_as_good(app, client, world, sessionmaker):
    """The other side: under its ceiling a lower-is-better KPI is good, however short its bar."""
    await measured_tenant(app, sessionmaker, world)
    await add(sessionmaker, world.a, Target(kpi="monitoring.negative_share", period_start=day(7),
                                            period_end=TODAY + timedelta(days=3), value=80))
    await login_as(client, world.a, "regie")
    dashboard = (await client.get("/t/acme/dashboard/?period=7")).text
    row = dashboard.split('id="kpi-monitoring.negative_share"', 1)[1].split("</article>", 1)[0]
    assert 'data-state="ok"' in row and '<progress class="bar ok"' in row and "boven het maximum" not in row
