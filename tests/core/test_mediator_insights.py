"""The mediator's insights: each tenant's phase, gate, KPIs against targets and alerts; the comparison per phase;
and a tenant's anonymised benchmark (k-anonymity: at least five other organisations, rounded)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from core.audit.models import AuditEntry
from core.measurement.models import KpiSnapshot, MethodologyVersion, Target
from core.mediator.insights import distribution
from core.notifications.models import Notification
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from tests.core.kpi_html import figure
from tests.core.test_gates import set_phase
from tests.support import login, login_as, summarise

YESTERDAY = datetime.now(UTC).date() - timedelta(days=1)
YEAR = (date(YESTERDAY.year, 1, 1), date(YESTERDAY.year, 12, 31))


async def measure(sessionmaker, tenant_id, value: float, kpi: str = "mentions", day: date = YESTERDAY) -> None:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            session.add(KpiSnapshot(kpi=kpi, day=day, value=value, source="plugin", measured_at=datetime.now(UTC)))


async def target(sessionmaker, tenant_id, value: float, kpi: str = "mentions") -> None:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            session.add(Target(kpi=kpi, period_start=YEAR[0], period_end=YEAR[1], value=value))


async def extra_tenant(sessionmaker, slug: str, name: str, phase: str = "listening") -> object:
    async with sessionmaker() as session, session.begin():
        tenant = Tenant(slug=slug, name=name, org_model="decentralized", phase=phase)
        session.add(tenant)
    return tenant.id


def row_of(html: str, slug: str) -> str:
    return html.split(f'data-slug="{slug}"')[1].split("</tr>")[0]


async def test_console_shows_phase_kpis_against_targets_and_alerts(app, client, world, sessionmaker):
    await set_phase(sessionmaker, world.b, "pilot")
    await measure(sessionmaker, world.a.id, 30, day=YESTERDAY - timedelta(days=1))
    await measure(sessionmaker, world.a.id, 40)
    await target(sessionmaker, world.a.id, 100)
    await measure(sessionmaker, world.b.id, 7, kpi="leads")
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Notification(user_id=world.a.users["regie"].id, kind="monitoring.alert",
                                     title="Piek in vermeldingen"))
    await summarise(app)
    await login(client, world.mediator.email)
    r = await client.get("/mediator/")
    assert r.status_code == 200
    acme, globex = row_of(r.text, "acme"), row_of(r.text, "globex")
    assert "luisteren" in acme and "pilot" in globex
    # the figure the target is measured against: both days of the year so far (30 + 40), with those days
    this_year = f"{YEAR[0]}/{YESTERDAY}"
    assert figure(acme, "mentions", this_year) == "70"
    mentions = acme.split('data-kpi="mentions"')[1].split("</div>")[0]
    assert "/ 100" in mentions and "70 %" in mentions
    assert "1 ongelezen" in acme and "Piek in vermeldingen" not in acme  # a count, never a title
    # without a target: the dashboard's default period, the last 30 days
    assert figure(globex, "leads", f"{YESTERDAY - timedelta(days=29)}/{YESTERDAY}") == "7"
    assert "ongelezen" not in globex
    # filter by phase, sort by phase
    only_pilot = (await client.get("/mediator/?phase=pilot")).text
    assert 'data-slug="globex"' in only_pilot and 'data-slug="acme"' not in only_pilot
    by_phase = (await client.get("/mediator/?sort=phase")).text
    assert by_phase.index('data-slug="acme"') < by_phase.index('data-slug="globex"')  # listening before pilot
    by_name = (await client.get("/mediator/?sort=name&phase=nonsense")).text
    assert 'data-slug="acme"' in by_name and 'data-slug="globex"' in by_name
    # reading the console writes no per-tenant audit entry (see core.mediator.service)
    async with sessionmaker() as session:
        with tenant_scope(world.a.id):
            assert (await session.scalars(select(AuditEntry).where(AuditEntry.action == "mediator.read"))).all() == []


async def test_console_and_comparison_are_for_the_mediator_only(client, world):
    for who in ("admin", "regie"):
        await login_as(client, world.a, who)
        assert (await client.get("/mediator/comparison/")).status_code == 403
        assert (await client.get("/mediator/?phase=listening")).status_code == 403


def test_distribution_median_and_quartiles():
    d = distribution([30, 10, 20])
    assert (d.count, d.minimum, d.q1, d.median, d.q3, d.maximum) == (3, 10, 15, 20, 25, 30)
    assert distribution([]) is None and distribution([5]).median == 5


async def test_comparison_per_phase_without_names(app, client, world, sessionmaker):
    await set_phase(sessionmaker, world.b, "pilot")
    c = await extra_tenant(sessionmaker, "initech", "Initech BV")
    for tenant_id, value in ((world.a.id, 10), (c, 30), (world.b.id, 99)):
        await measure(sessionmaker, tenant_id, value)
    await summarise(app)
    await login(client, world.mediator.email)
    r = await client.get("/mediator/comparison/")
    assert r.status_code == 200
    listening = r.text.split('data-phase="listening"')[1].split("</section>")[0]
    mentions = listening.split('data-kpi="mentions"')[1].split("</tr>")[0]
    assert "<td>2</td>" in mentions and "<td>20</td>" in mentions  # two organisations, median 20
    pilot = r.text.split('data-phase="pilot"')[1].split("</section>")[0]
    assert "99" in pilot
    for name in ("Acme BV", "Globex NV", "Initech BV", "initech"):
        assert name not in r.text.split("<main")[1]


async def test_benchmark_is_anonymous_and_needs_five_other_tenants(app, client, world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(MethodologyVersion(number=1, kpis=[{"key": "mentions", "name": "Vermeldingen"}], reason="r"))
    await measure(sessionmaker, world.a.id, 40)
    others = [world.b.id, await extra_tenant(sessionmaker, "initech", "Initech BV")]
    for tenant_id, value in zip(others, (10, 20), strict=True):
        await measure(sessionmaker, tenant_id, value)
    # a tenant in another phase never counts
    await measure(sessionmaker, await extra_tenant(sessionmaker, "umbrella", "Umbrella NV", "pilot"), 500)
    await summarise(app)
    await login_as(client, world.a, "viewer")
    r = await client.get("/t/acme/benchmark/")
    assert r.status_code == 200
    row = r.text.split('data-kpi="mentions"')[1].split("</tr>")[0]
    assert "Vermeldingen" in row and "40" in row
    assert "Nog niet genoeg organisaties in deze fase meten dit." in row  # two others: not enough
    assert "data-chart" not in r.text
    # four others are still too few: three or four values can be worked back from the quartiles
    for slug, name, value in (("hooli", "Hooli BV", 30), ("pied", "Pied Piper BV", 1234)):
        others.append(await extra_tenant(sessionmaker, slug, name))
        await measure(sessionmaker, others[-1], value)
        await summarise(app)
        r = await client.get("/t/acme/benchmark/")
        assert "Nog niet genoeg organisaties" in r.text.split('data-kpi="mentions"')[1].split("</tr>")[0]
    # a fifth: the distribution of the others shows (without acme's own 40), rounded, without min and max
    others.append(await extra_tenant(sessionmaker, "wonka", "Wonka BV"))
    await measure(sessionmaker, others[-1], 47)
    await summarise(app)
    r = await client.get("/t/acme/benchmark/")
    row = r.text.split('data-kpi="mentions"')[1].split("</tr>")[0]
    # neither the other phase's 500 nor the maximum (as a number: a random token may hold the digits "500")
    assert "<td>20</td><td>30</td><td>47</td>" in row and not re.search(r"\b500\b", r.text)
    assert "1.234" not in r.text
    assert "data-chart" in r.text
    main = r.text.split("<main")[1]
    for secret in ("Globex", "globex", "Initech", "initech", "Hooli", "hooli", "Wonka", "Pied", "Umbrella",
                   *map(str, others)):
        assert secret not in main
    # the other tenants' users see their own benchmark under their own slug only
    await login_as(client, world.b, "admin")
    assert (await client.get("/t/acme/benchmark/")).status_code in (403, 404)
