"""Platform services plugins build on: outbound URL guard, notifications, job progress, plugin jobs, bulk inserts."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from dramatiq import Message
from litestar import get
from litestar.testing import AsyncTestClient
from sqlalchemy import func, insert, select

from core.activation.models import PluginActivation
from core.errors import DomainError
from core.jobs.models import JobProgress, OutboxMessage
from core.jobs.progress import start_progress, update_progress
from core.net.outbound import check_outbound_url
from core.notifications.models import Notification
from core.notifications.service import department_and_regie, notify_people
from core.plugins.api import JobSpec, PluginInfo, TenantScoped, enqueue_job, hookimpl, run_named_job
from core.settings import Settings
from core.tenancy.scope import TenantScopeError, tenant_scope
from core.web.app import create_app
from tests.support import delivered_mails, login_as, post_form

# ------------------------------------------------------------------ outbound URLs (SSRF)


@pytest.mark.parametrize("url", ["http://10.0.0.1/feed", "http://169.254.169.254/latest/meta-data",
                                 "http://localhost/x", "http://[::ffff:10.1.2.3]/", "http://192.168.1.10:8080/rss",
                                 "http://0.0.0.0/"])
def test_private_destinations_are_refused(url: str) -> None:
    with pytest.raises(DomainError) as info:
        check_outbound_url(url, Settings(outbound_allow=()), field="url")
    assert "url" in info.value.errors
    assert "private network" in info.value.errors["url"].render("en")


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "not a url", "http://user:pw@93.184.216.34/"])
def test_malformed_or_credentialed_urls_are_refused(url: str) -> None:
    with pytest.raises(DomainError):
        check_outbound_url(url, Settings(), field="url")


def test_public_address_passes_and_operator_can_allow_a_private_one() -> None:
    assert check_outbound_url("https://93.184.216.34/feed.xml", Settings()) == "https://93.184.216.34/feed.xml"
    allowed = Settings(outbound_allow=("127.0.0.1", "10.0.0.0/8"))
    assert check_outbound_url("http://127.0.0.1:8123/rss", allowed)
    assert check_outbound_url("http://10.20.30.40/rss", allowed)
    with pytest.raises(DomainError):
        check_outbound_url("http://192.168.0.1/rss", allowed)


def test_refusal_reason_is_translated() -> None:
    with pytest.raises(DomainError) as info:
        check_outbound_url("http://10.0.0.1/", Settings())
    assert "privé-netwerk" in info.value.errors["url"].render("nl")


# ------------------------------------------------------------------ notifications


async def test_notify_people_writes_one_notification_and_mail_per_person_in_their_language(app, world, sessionmaker):
    from core.auth.models import User
    from core.i18n import Msg

    async with sessionmaker() as session, session.begin():
        (await session.get(User, world.a.users["marketer"].id)).locale = "en"
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            users = await department_and_regie(session, world.a.departments["marketing"].id)
            in_marketing = {world.a.users[who].email for who, m in world.a.memberships.items()
                            if m.department_id == world.a.departments["marketing"].id}
            assert {u.email for u in users} == in_marketing | {world.a.users["marketer"].email,
                                                               world.a.users["regie"].email}
            await notify_people(session, app.state.settings, users, "test.alert", Msg("Notifications"),
                                Msg("No notifications yet."), href="/t/acme/notifications/")
        async with sessionmaker() as session:
            notes = (await session.scalars(select(Notification))).all()
    titles = {n.user_id: n.title for n in notes}
    assert len(notes) == len(users)
    assert titles[world.a.users["marketer"].id] == "Notifications"  # English for the one who reads English
    assert titles[world.a.users["regie"].id] == "Meldingen"
    mails = await delivered_mails(app)
    assert sorted(m["to"] for m in mails) == sorted(u.email for u in users)
    assert all("/t/acme/notifications/" in m["text"] for m in mails)


async def test_inbox_shows_own_notifications_and_marks_them_read(client, world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            mine = Notification(user_id=world.a.users["regie"].id, kind="k", title="Piek in vermeldingen",
                                href="/t/acme/roadmap/")
            other = Notification(user_id=world.a.users["marketer"].id, kind="k", title="Niet voor jou")
            session.add_all([mine, other])
    await login_as(client, world.a, "regie")
    page = await client.get("/t/acme/notifications/")
    assert "Piek in vermeldingen" in page.text and "Niet voor jou" not in page.text
    assert 'class="badge"' in page.text  # the unread count in the top bar
    response = await post_form(client, f"/t/acme/notifications/{mine.id}/read", {})
    assert response.status_code in (200, 303) and "/t/acme/roadmap/" in str(response.url)
    # another person's notification: nothing is marked, no redirect to its link
    await post_form(client, f"/t/acme/notifications/{other.id}/read", {})
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await session.get(Notification, mine.id)).read_at is not None
            assert (await session.get(Notification, other.id)).read_at is None


# ------------------------------------------------------------------ job progress


async def test_progress_fragment_polls_until_done(client, world, sessionmaker):
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            job = start_progress(session, "test.import", "Import van export.csv", total=200)
        await update_progress(sessionmaker, job.id, done=50, status="running")
    await login_as(client, world.a, "viewer")
    running = await client.get(f"/t/acme/jobs/{job.id}")
    assert 'value="25"' in running.text and "hx-get" in running.text and "50 / 200" in running.text
    with tenant_scope(world.a.id):
        await update_progress(sessionmaker, job.id, done=200, status="done", result={"href": "/t/acme/"})
    done = await client.get(f"/t/acme/jobs/{job.id}")
    assert 'value="100"' in done.text and "hx-get" not in done.text and 'href="/t/acme/"' in done.text
    await login_as(client, world.b, "admin")
    assert (await client.get(f"/t/globex/jobs/{job.id}")).status_code == 404


# ------------------------------------------------------------------ plugin jobs

RUNS: list[tuple[str, object]] = []


async def _remember(ctx, note: str = "") -> str:  # type: ignore[no-untyped-def]
    from core.jobs.models import JobProgress as Progress

    RUNS.append((ctx.tenant_slug, note))
    ctx.session.add(Progress(kind="jobs.test", title=note))  # written in the job's own tenant scope
    return note


@get("/configure", opt={"action": "plugin.configure"})
async def configure() -> dict[str, str]:
    return {"ok": "configured"}


class JobsPlugin:
    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="jobsplug", groundswell_function="talking", default_owner="marketing")

    @hookimpl
    def regie_jobs(self) -> list[JobSpec]:
        return [JobSpec(name="jobsplug.remember", run=_remember, every_seconds=60),
                JobSpec(name="jobsplug.trigger", run=_remember, coalesce=True)]

    @hookimpl
    def regie_routes(self) -> list:
        return [configure]


@pytest.fixture
async def jobs_app(settings, restore_broker):
    app = create_app(settings, extra_plugins=[JobsPlugin()], start_jobs=False)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield app, client


async def _activate(sessionmaker, tw, department: str = "marketing") -> None:  # type: ignore[no-untyped-def]
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="jobsplug", department_id=tw.departments[department].id,
                                         status="active", activated_at=datetime.now(UTC)))


async def test_plugin_job_runs_in_its_tenant_scope_via_outbox_and_worker(jobs_app, world, sessionmaker):
    app, _client = jobs_app
    RUNS.clear()
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            enqueue_job(session, "jobsplug.remember", note="via the outbox")
        async with sessionmaker() as session:
            row = await session.scalar(select(OutboxMessage).where(OutboxMessage.actor == "jobsplug.remember"))
            assert row is not None
    await delivered_mails(app)  # relays the outbox; then work the default queue with a real worker thread
    from dramatiq import Worker

    worker = Worker(app.state.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        app.state.broker.join("default", timeout=30_000)
    finally:
        worker.stop(timeout=5000)
    assert ("acme", "via the outbox") in RUNS
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(JobProgress)
                                        .where(JobProgress.kind == "jobs.test")) == 1


async def test_triggers_sent_before_a_run_started_are_covered_by_it(jobs_app, world, monkeypatch):
    """A coalesced job: of the triggers queued while the worker was busy, one run covers all; another payload
    or another tenant is its own run."""
    from dramatiq import Worker

    from core.jobs.actors import actor
    from core.jobs.plugin_jobs import COALESCED

    app, _client = jobs_app
    monkeypatch.setattr(COALESCED, "SKEW", 0.0)
    RUNS.clear()
    for _ in range(3):
        actor("jobsplug.trigger").send(tenant_id=str(world.a.id), note="batch")
    actor("jobsplug.trigger").send(tenant_id=str(world.a.id), note="other")
    actor("jobsplug.trigger").send(tenant_id=str(world.b.id), note="batch")
    worker = Worker(app.state.broker, worker_threads=1, worker_timeout=100)
    worker.start()
    try:
        app.state.broker.join("default", timeout=30_000)
        assert sorted(RUNS) == [("acme", "batch"), ("acme", "other"), ("globex", "batch")]
        actor("jobsplug.trigger").send(tenant_id=str(world.a.id), note="batch")  # sent after the run: runs again
        app.state.broker.join("default", timeout=30_000)
    finally:
        worker.stop(timeout=5000)
    assert RUNS.count(("acme", "batch")) == 2


async def test_a_delayed_job_is_sent_with_its_delay(jobs_app, world, sessionmaker):
    app, _client = jobs_app
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            enqueue_job(session, "jobsplug.trigger", after_seconds=2.5, note="later")
    from core.jobs.outbox import relay, wait_for_relays

    await wait_for_relays()  # the after-commit relay, else the scheduled one
    await relay(app.state.sessionmaker)
    delayed = app.state.broker.queues["default.DQ"]
    assert delayed.qsize() == 1 and app.state.broker.queues["default"].qsize() == 0
    from core.jobs.outbox import DUE_OPTION

    message = Message.decode(delayed.get())
    assert message.kwargs == {"tenant_id": str(world.a.id), "note": "later"}  # the delay is not in the payload
    assert message.options["eta"] - message.message_timestamp >= 2400
    assert abs(message.options[DUE_OPTION] - message.options["eta"]) < 1000


async def test_a_delayed_trigger_stands_for_what_commits_until_it_is_due(jobs_app, world, monkeypatch):
    """A run that starts before a delayed trigger is due does not cover it, although it was sent earlier."""
    from dramatiq import Worker

    from core.jobs.actors import actor
    from core.jobs.plugin_jobs import COALESCED

    app, _client = jobs_app
    monkeypatch.setattr(COALESCED, "SKEW", 0.0)
    RUNS.clear()
    from core.jobs.outbox import DUE_OPTION

    due = int(time.time() * 1000) + 300
    actor("jobsplug.trigger").send_with_options(kwargs={"tenant_id": str(world.a.id), "note": "d"}, delay=300,
                                                **{DUE_OPTION: due})
    actor("jobsplug.trigger").send(tenant_id=str(world.a.id), note="d")
    worker = Worker(app.state.broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        for _ in range(100):  # the worker holds the delayed message until it is due
            if len(RUNS) == 2:
                break
            await asyncio.sleep(0.05)
    finally:
        worker.stop(timeout=5000)
    assert RUNS == [("acme", "d"), ("acme", "d")]


def test_a_failed_run_covers_nothing() -> None:
    from core.jobs.plugin_jobs import Coalescer

    coalescer = Coalescer()
    key = coalescer.key("p.job", "t", {"a": 1})
    assert not coalescer.covers(key, 100.0)
    coalescer.ran(key, 200.0)  # only successful runs are recorded (perform calls ran() after the job returned)
    assert coalescer.covers(key, 100.0) and not coalescer.covers(key, 199.5)  # within the clock skew allowance
    assert not coalescer.covers(coalescer.key("p.job", "t", {"a": 2}), 100.0)
    assert not coalescer.covers(key, None)  # no timestamp: always run


async def test_run_named_job_and_periodic_fan_out_reach_only_active_tenants(jobs_app, world, sessionmaker):
    from core.jobs.plugin_jobs import fan_out

    app, _client = jobs_app
    RUNS.clear()
    assert await run_named_job(app, "jobsplug.remember", world.b.id, note="direct") == "direct"
    assert RUNS == [("globex", "direct")]
    await _activate(sessionmaker, world.a)
    assert await fan_out(app.state.sessionmaker, "jobsplug", "jobsplug.remember") == 1
    assert app.state.broker.queues["default"].qsize() == 1


async def test_owning_department_gets_configure_rights_inside_the_plugin(jobs_app, world, sessionmaker):
    _app, client = jobs_app
    await _activate(sessionmaker, world.a, "marketing")
    await login_as(client, world.a, "marketer")  # member of marketing: owner
    assert (await client.get("/t/acme/p/jobsplug/configure")).json() == {"ok": "configured"}
    await login_as(client, world.a, "agent")  # a member of another department (service)
    assert (await client.get("/t/acme/p/jobsplug/configure")).status_code == 403
    await login_as(client, world.a, "viewer")
    assert (await client.get("/t/acme/p/jobsplug/configure")).status_code == 403


# ------------------------------------------------------------------ bulk inserts are stamped by the guard


async def test_bulk_insert_is_stamped_with_the_tenant_and_refuses_another(world, sessionmaker):
    rows = [{"kind": "bulk", "title": f"rij {i}"} for i in range(3)]
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(insert(JobProgress), rows)
    assert all(r["tenant_id"] == world.a.id for r in rows)
    with tenant_scope(world.b.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(JobProgress)) == 0
            with pytest.raises(TenantScopeError):
                await session.execute(insert(JobProgress), [{"kind": "x", "tenant_id": world.a.id}])
    async with sessionmaker() as session:
        with pytest.raises(TenantScopeError):
            await session.execute(insert(JobProgress), [{"kind": "no scope"}])
    assert issubclass(JobProgress, TenantScoped) and uuid4()


# ------------------------------------------------------------------ batched domain events


class _BatchListener:
    def __init__(self, name: str, fail: bool = False) -> None:
        self.name, self.fail, self.batches = name, fail, []

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name=self.name, groundswell_function="talking", default_owner="marketing")

    @hookimpl
    async def regie_events(self, ctx, events):  # type: ignore[no-untyped-def]
        ctx.session.add(JobProgress(kind=f"events.{self.name}", title=str(len(events))))
        await ctx.session.flush()
        if self.fail:
            raise RuntimeError("listener broke")
        self.batches.append([e.payload["plugin"] for e in events])


async def test_a_batch_goes_to_regie_events_in_one_call_and_a_failing_listener_undoes_only_its_own(
        settings, world, sessionmaker):
    from core.activation.service import fire_events
    from core.plugins.api import DomainEvent
    from core.plugins.manager import build_plugin_manager

    good, bad = _BatchListener("batchgood"), _BatchListener("batchbad", fail=True)
    pm = build_plugin_manager([good, bad])
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            for name in ("batchgood", "batchbad"):
                session.add(PluginActivation(plugin=name, department_id=world.a.departments["marketing"].id,
                                             status="active", activated_at=datetime.now(UTC)))
        async with sessionmaker() as session, session.begin():
            events = [DomainEvent("plugin.paused", {"plugin": f"p{n}", "department": "marketing"}) for n in range(3)]
            assert await fire_events(session, world.a.tenant, pm, events) == 2
        async with sessionmaker() as session:
            kinds = (await session.scalars(select(JobProgress.kind))).all()
    assert good.batches == [["p0", "p1", "p2"]]
    assert sorted(kinds) == ["events.batchgood"]  # the failing listener's own write was rolled back
