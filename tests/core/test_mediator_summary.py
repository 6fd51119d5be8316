"""Each tenant's summary for the mediator's pages: worked out by a job per tenant in its own scope, refreshed every
few minutes and after a phase change, read by the console, the comparison and the benchmark as of its moment."""

from __future__ import annotations

from sqlalchemy import select, update

from core.auth.models import User
from core.jobs.plugin_jobs import collect_specs, run_named_job
from core.measurement.models import MethodologyVersion
from core.mediator.jobs import JOB, REFRESH_SECONDS
from core.mediator.models import TenantSummary
from core.notifications.models import Notification
from core.tenancy.scope import cross_tenant, tenant_scope
from tests.core.test_gates import add
from tests.core.test_mediator_insights import measure, row_of
from tests.support import login, login_as, post_form, summarise

REASON = "Pilot mag starten, nulmeting volgt later."


async def stored(sessionmaker) -> list[TenantSummary]:
    with cross_tenant():
        async with sessionmaker() as session:
            return list((await session.scalars(select(TenantSummary))).all())


async def queued(app) -> list[str]:
    """The tenants a summary refresh was queued for: relayed from the outbox to the (stub) broker."""
    import dramatiq

    from core.jobs.outbox import relay, wait_for_relays

    await wait_for_relays()
    await relay(app.state.sessionmaker)
    queue = app.state.broker.queues.get("default")
    messages = [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue else []
    return [m.kwargs["tenant_id"] for m in messages if m.actor_name == JOB]


def test_the_job_runs_every_few_minutes_for_every_tenant(app):
    owner, spec = collect_specs(app.state.pm)[JOB]
    assert owner == "core" and spec.every_seconds == REFRESH_SECONDS == 300 and spec.coalesce


async def test_a_tenant_without_a_summary_is_being_computed_until_the_job_ran(app, client, world):
    await login(client, world.mediator.email)
    r = await client.get("/mediator/")
    acme = row_of(r.text, "acme")
    assert "Acme BV" in acme and "luisteren" in acme and "wordt berekend" in acme and "punten voldoen" not in acme
    assert "Stand van" not in r.text
    comparison = (await client.get("/mediator/comparison/")).text
    assert "2 organisaties worden nog berekend." in comparison and "Stand van" not in comparison
    await run_named_job(app, JOB, world.a.id)
    r = await client.get("/mediator/")
    assert "3 van 5 punten voldoen" in row_of(r.text, "acme") and "wordt berekend" in row_of(r.text, "globex")
    assert "Stand van " in r.text and "om de paar minuten opnieuw berekend" in r.text
    comparison = (await client.get("/mediator/comparison/")).text
    assert "Stand van " in comparison and "1 organisatie wordt nog berekend." in comparison


async def test_the_job_is_idempotent_and_reads_only_its_own_tenant(app, world, sessionmaker):
    with tenant_scope(world.b.id):
        async with sessionmaker() as session, session.begin():
            session.add(Notification(user_id=world.b.users["regie"].id, kind="webcare.sla", title="Klant X wacht"))
    await measure(sessionmaker, world.a.id, 40)
    assert await summarise(app) == 2
    [first] = [s for s in await stored(sessionmaker) if s.tenant_id == world.a.id]
    await measure(sessionmaker, world.a.id, 2, kpi="leads")
    assert await run_named_job(app, JOB, world.a.id) is True
    rows = {s.tenant_id: s for s in await stored(sessionmaker)}
    assert len(rows) == 2  # one row per tenant, overwritten
    acme, globex = rows[world.a.id], rows[world.b.id]
    assert acme.id == first.id and acme.computed_at > first.computed_at
    assert acme.recent == {"mentions": 40.0, "leads": 2.0} and globex.recent == {}
    assert (acme.alerts_unread, globex.alerts_unread, globex.alerts_latest_kind) == (0, 1, "webcare.sla")
    assert (acme.phase, acme.gate_holding, acme.gate_total) == ("listening", 3, 5)
    assert sorted(acme.gate_failing) == ["baseline", "starting_points"]
    # a summary is the tenant's own row: another tenant's scope does not see it
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            assert [s.tenant_id for s in (await session.scalars(select(TenantSummary))).all()] == [world.b.id]


async def test_a_phase_change_queues_a_refresh_and_the_old_phase_is_not_shown(app, client, world, sessionmaker):
    await summarise(app)
    await login_as(client, world.a, "regie")
    r = await post_form(client, "/t/acme/roadmap/override", {"reason": REASON}, follow_redirects=False)
    assert r.status_code == 303
    assert await queued(app) == [str(world.a.id)]
    client.cookies.clear()
    await login(client, world.mediator.email)
    acme = row_of((await client.get("/mediator/")).text, "acme")
    # the summary speaks of the listening gate: not shown against the pilot phase
    assert "pilot" in acme and "wordt berekend" in acme and "punten voldoen" not in acme
    await run_named_job(app, JOB, world.a.id)
    acme = row_of((await client.get("/mediator/")).text, "acme")
    assert "overschreven" in acme and REASON in acme and "0 van 2 punten voldoen" in acme


async def test_a_new_tenant_queues_its_summary(app, client, world):
    await login(client, world.mediator.email)
    r = await post_form(client, "/mediator/tenants", {"name": "Initech", "slug": "initech", "org_model": "holistic",
                                                      "admin_email": "baas@initech.test"}, follow_redirects=False)
    assert r.status_code == 303
    [tenant_id] = await queued(app)
    assert tenant_id not in (str(world.a.id), str(world.b.id))


async def test_kpi_names_follow_the_readers_language(app, client, world, sessionmaker):
    """A plugin's KPI the methodology does not name is shown by the plugin's title in the reader's language."""
    await add(sessionmaker, world.a, MethodologyVersion(
        number=1, reason="meten", kpis=[{"key": "monitoring.volume", "kind": "plugin", "source": "monitoring"}]))
    await summarise(app)
    await login(client, world.mediator.email)
    assert "Vermeldingen:" in row_of((await client.get("/mediator/")).text, "acme")
    async with sessionmaker() as session, session.begin():
        await session.execute(update(User).where(User.id == world.mediator.id).values(locale="en"))
    client.cookies.clear()
    await login(client, world.mediator.email)
    acme = row_of((await client.get("/mediator/")).text, "acme")
    assert "Mentions:" in acme and "Vermeldingen" not in acme


async def test_the_benchmark_says_when_its_own_figures_are_being_computed(app, client, world, sessionmaker):
    await login_as(client, world.a, "viewer")
    r = await client.get("/t/acme/benchmark/")
    assert r.status_code == 200 and "De cijfers van jouw organisatie worden berekend." in r.text
    await measure(sessionmaker, world.a.id, 40)
    await summarise(app)
    r = await client.get("/t/acme/benchmark/")
    assert "worden berekend" not in r.text and "Stand van " in r.text
    assert ">40</td>" in r.text.split('data-kpi="mentions"')[1].split("</tr>")[0]
