"""Daily KPI snapshots: idempotent, catching up after a gap, never rewriting the past, skipping a failing KPI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.jobs.plugin_jobs import SPECS, run_named_job
from core.measurement.models import KpiSnapshot, MethodologyVersion
from core.measurement.snapshots import kpi_catalogue, series, snapshot_tenant
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from tests.core import kpi_plugin
from tests.core.test_gates import activation
from tests.support import login_as, post_form

NOW = datetime(2026, 3, 15, 8, 30, tzinfo=UTC)
KPIS = ("kpitest.posts | | | | plugin\nkpitest.broken | | | | plugin\nkpitest.empty | | | | plugin\n"
        "leads | Leads | Nieuwe leads uit het CRM | CRM | manual | count | Marketing")


@pytest.fixture
def plugin(app):
    with kpi_plugin.registered(app.state.pm) as p:
        kpi_plugin.BROKEN = True
        yield p


async def methodology(client, tw, kpis=KPIS, reason="Eerste keuze", created=date(2026, 3, 5)):
    r = await post_form(client, f"/t/{tw.slug}/evidence/methodology", {"kpis": kpis, "reason": reason},
                        follow_redirects=False)
    assert r.status_code == 303, r.text[:800]
    return created


async def backdate(sessionmaker, tw, number, day):
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            await s.execute(update(MethodologyVersion).where(MethodologyVersion.number == number)
                            .values(created_at=datetime.combine(day, datetime.min.time(), UTC)))


async def run(app, sessionmaker, tw, now=NOW) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return await snapshot_tenant(s, app.state.pm, await s.get(Tenant, tw.id), now=now)


async def snapshots(sessionmaker, tw) -> list[tuple[str, date, float | None, int | None, str]]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            rows = (await s.scalars(select(KpiSnapshot).order_by(KpiSnapshot.kpi, KpiSnapshot.day))).all()
            return [(r.kpi, r.day, r.value, r.methodology_number, r.source) for r in rows]


async def setup(app, client, sessionmaker, world):
    await activation(sessionmaker, world.a, kpi_plugin.NAME, "marketing")
    await login_as(client, world.a, "regie")
    await methodology(client, world.a)
    await backdate(sessionmaker, world.a, 1, date(2026, 3, 5))


async def test_the_job_measures_every_day_up_to_yesterday_and_is_idempotent(app, client, sessionmaker, world,
                                                                            plugin):
    await setup(app, client, sessionmaker, world)
    written = await run(app, sessionmaker, world.a)
    rows = await snapshots(sessionmaker, world.a)
    days = [date(2026, 3, 5) + timedelta(days=n) for n in range(10)]  # 5 … 14 March, not today
    assert written == 20
    assert [r[1] for r in rows if r[0] == "kpitest.posts"] == days
    assert [r[2] for r in rows if r[0] == "kpitest.posts"] == [d.day * 10.0 for d in days]  # one whole day each
    assert {r[2] for r in rows if r[0] == "kpitest.empty"} == {None}  # nothing to measure is not 0
    assert not [r for r in rows if r[0] in ("kpitest.broken", "leads")]  # raised: skipped; manual: not measured
    assert {(r[3], r[4]) for r in rows} == {(1, "plugin")}
    assert set(kpi_plugin.CALLS) >= {("kpitest.posts", (d, d)) for d in days}
    kpi_plugin.CALLS.clear()
    assert await run(app, sessionmaker, world.a) == 0  # a second run finds nothing missing
    assert await snapshots(sessionmaker, world.a) == rows
    assert [("kpitest.broken", (days[0], days[0]))] == kpi_plugin.CALLS  # only the failed KPI is tried again
    assert await snapshots(sessionmaker, world.b) == []  # the other tenant has no methodology


async def test_a_gap_is_caught_up_and_a_fixed_kpi_starts_measuring(app, client, sessionmaker, world, plugin):
    await setup(app, client, sessionmaker, world)
    await run(app, sessionmaker, world.a)
    kpi_plugin.BROKEN = False  # the plugin's service is back
    await run(app, sessionmaker, world.a, now=NOW + timedelta(days=4))  # the worker was down for four days
    rows = await snapshots(sessionmaker, world.a)
    posts = [r[1] for r in rows if r[0] == "kpitest.posts"]
    assert posts == [date(2026, 3, 5) + timedelta(days=n) for n in range(14)]  # 15 … 18 March caught up
    assert [r[1] for r in rows if r[0] == "kpitest.broken"][0] == date(2026, 3, 5)  # from the beginning
    assert len([r for r in rows if r[0] == "kpitest.broken"]) == 14


async def test_a_methodology_change_keeps_the_old_snapshots_and_their_version(app, client, sessionmaker, world,
                                                                               plugin):
    await setup(app, client, sessionmaker, world)
    await run(app, sessionmaker, world.a)
    before = await snapshots(sessionmaker, world.a)
    await methodology(client, world.a, "kpitest.posts | Berichten | Alleen eigen kanalen | talking | plugin\n"
                      "kpitest.share | | | | plugin", reason="Aandeel erbij")
    await backdate(sessionmaker, world.a, 2, date(2026, 3, 15))
    await run(app, sessionmaker, world.a, now=NOW + timedelta(days=2))
    rows = await snapshots(sessionmaker, world.a)
    assert [r for r in rows if r[1] < date(2026, 3, 15)] == [r for r in before]  # the past is untouched
    assert {(r[0], r[1], r[3]) for r in rows if r[1] >= date(2026, 3, 15)} == {
        ("kpitest.posts", date(2026, 3, 15), 2), ("kpitest.posts", date(2026, 3, 16), 2),
        ("kpitest.share", date(2026, 3, 15), 2), ("kpitest.share", date(2026, 3, 16), 2)}  # share: from v2's day
    # the Measurements page states each row's version
    page = await client.get("/t/acme/measurements/?kpi=kpitest.posts")
    assert page.status_code == 200 and "Berichten" in page.text and "<td>2</td>" in page.text


async def test_only_active_plugins_are_measured_and_the_first_run_goes_back_at_most_90_days(
        app, client, sessionmaker, world, plugin):
    row = await activation(sessionmaker, world.a, kpi_plugin.NAME, "marketing", status="paused")
    await login_as(client, world.a, "regie")
    await methodology(client, world.a)
    await backdate(sessionmaker, world.a, 1, date(2025, 1, 1))
    assert await run(app, sessionmaker, world.a) == 0  # paused: not measured
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():
            (await s.get(type(row), row.id)).status = "active"
    await run(app, sessionmaker, world.a)
    posts = [r[1] for r in await snapshots(sessionmaker, world.a) if r[0] == "kpitest.posts"]
    assert len(posts) == 90 and posts[-1] == date(2026, 3, 14)


async def test_the_core_job_is_scheduled_hourly_for_every_tenant_and_runs(app, client, sessionmaker, world, plugin):
    owner, spec = SPECS["core.measurement.snapshot"]
    assert owner == "core" and spec.every_seconds == 3600
    await activation(sessionmaker, world.a, kpi_plugin.NAME, "marketing")
    await login_as(client, world.a, "regie")
    await methodology(client, world.a)
    today = datetime.now(UTC).date()
    await backdate(sessionmaker, world.a, 1, today - timedelta(days=3))
    assert await run_named_job(app, "core.measurement.snapshot", world.a.id) == 6  # 3 days × posts and empty
    assert await run_named_job(app, "core.measurement.snapshot", world.a.id) == 0
    assert await run_named_job(app, "core.measurement.snapshot", world.b.id) == 0
    days = [r[1] for r in await snapshots(sessionmaker, world.a) if r[0] == "kpitest.posts"]
    assert days == [today - timedelta(days=n) for n in (3, 2, 1)]


async def test_catalogue_and_series_for_the_other_slices(app, client, sessionmaker, world, plugin):
    await setup(app, client, sessionmaker, world)
    await run(app, sessionmaker, world.a)
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            catalogue = await kpi_catalogue(s, app.state.pm, {"kpitest"}, "en")
            assert list(catalogue) == ["kpitest.posts", "kpitest.broken", "kpitest.empty", "leads"]
            posts, leads = catalogue["kpitest.posts"], catalogue["leads"]
            assert (posts.title, posts.unit, posts.kind, posts.plugin, posts.active, posts.definition) == \
                ("Posts", "count", "plugin", "kpitest", True, "Posts published.")
            assert (leads.title, leads.unit, leads.kind, leads.owner, leads.active, leads.methodology_number) == \
                ("Leads", "count", "manual", "Marketing", True, 1)
            assert not (await kpi_catalogue(s, app.state.pm, set(), "en"))["kpitest.posts"].active
            got = await series(s, ["kpitest.posts", "kpitest.empty", "leads"], date(2026, 3, 13), date(2026, 3, 20))
    assert got == {"kpitest.posts": {date(2026, 3, 13): 130.0, date(2026, 3, 14): 140.0},
                   "kpitest.empty": {date(2026, 3, 13): None, date(2026, 3, 14): None}, "leads": {}}


async def test_a_real_plugin_kpi_is_measured_per_day(app, client, sessionmaker, world):
    """monitoring's KPIs through the real hook: an empty day counts 0 mentions, not nothing."""
    await activation(sessionmaker, world.a, "monitoring", "comms")
    await login_as(client, world.a, "regie")
    await methodology(client, world.a, "monitoring.volume | | | | plugin\nmonitoring.negative_share | | | | plugin")
    await backdate(sessionmaker, world.a, 1, date(2026, 3, 12))
    assert await run(app, sessionmaker, world.a) == 6
    rows = await snapshots(sessionmaker, world.a)
    assert [(r[0], r[1], r[2]) for r in rows if r[0] == "monitoring.volume"] == [
        ("monitoring.volume", date(2026, 3, d), 0.0) for d in (12, 13, 14)]
    page = await client.get("/t/acme/measurements/")
    assert "Vermeldingen" in page.text and "Aandeel negatief" in page.text  # the plugin's titles, in Dutch


async def test_a_result_that_is_not_a_number(app, client, sessionmaker, world, plugin):
    """NaN is "nothing to measure"; a word is a plugin bug: that KPI is skipped, the others are stored."""
    await activation(sessionmaker, world.a, kpi_plugin.NAME, "marketing")
    await login_as(client, world.a, "regie")
    await methodology(client, world.a, "kpitest.word | | | | plugin\nkpitest.nan | | | | plugin\n"
                      "kpitest.posts | | | | plugin")
    await backdate(sessionmaker, world.a, 1, date(2026, 3, 14))
    assert await run(app, sessionmaker, world.a) == 2
    assert [(r[0], r[2]) for r in await snapshots(sessionmaker, world.a)] == [("kpitest.nan", None),
                                                                              ("kpitest.posts", 140.0)]
