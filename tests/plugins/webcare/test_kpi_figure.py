"""The KPI page reads figures the job `webcare.kpi_figures` stored: day rows (counts that add up over days, each
day's first-response median and p90) kept current by what changed since the last run, and the whole figures of
the preset periods. A page view of a preset reads no case; chosen dates add the day rows up and compute only
the three time KPIs from the cases. The page says when its figures were computed, and says they are being
computed (and queues the job) before there are any."""

from __future__ import annotations

import html
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import dramatiq
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import User
from core.customers.models import Customer
from core.jobs.outbox import relay, wait_for_relays
from core.plugins.api import HookContext, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.measure import kpi_figure, service
from plugins.webcare.measure.service import Day, Figures, Window
from plugins.webcare.models import Answer, Case, CommunityProfile, DayFigure, PeriodFigure, Question
from plugins.webcare.privacy.hooks import retention
from tests.core.kpi_html import figure
from tests.plugins.webcare.test_measure import at, case, seed_week
from tests.querycount import count_queries
from tests.support import TenantWorld, World, login_as

JOB = "webcare.kpi_figures"
AFTER_THE_WEEK = "2026-03-09T12:00:00+00:00"
"""A moment whose last 7 days are `test_measure`'s seeded week, 2 – 8 March 2026."""
WEEK_FIGURES = Figures(cases=6, first_response_median=25.0, first_response_p90=51.0, resolution_median=150.0,
                       within_sla=25.0, ended=4, negative_turned=33.3, negative_ended=3,
                       community_customer_share=75.0, answers=4)
"""The week's KPIs as `test_measure` counts them by hand."""
READS_CASES = re.compile(r"\bwebcare_case\b", re.IGNORECASE)
KPIS = "/t/acme/p/webcare/kpis/"


async def day_rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[date, Day]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            rows = (await session.scalars(select(DayFigure).order_by(DayFigure.day))).all()
            return {r.day: Day(**{k: getattr(r, k) for k in kpi_figure.DAY_FIELDS}) for r in rows}


async def period_row(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> PeriodFigure | None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await kpi_figure.stored(session)


async def refresh(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, moment: datetime) -> bool:
    """One run of the job as of `moment`, in its own transaction; True when it recomputed every day."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            return await kpi_figure.refresh(session, moment)


async def queued(app: Any) -> list[str]:
    """The tenants a KPI figures run was queued for (relayed from the outbox to the stub broker)."""
    await wait_for_relays()
    await relay(app.state.sessionmaker)
    queue = app.state.broker.queues.get("default")
    messages = [dramatiq.Message.decode(m) for m in list(queue.queue)] if queue else []
    return [m.kwargs["tenant_id"] for m in messages if m.actor_name == JOB]


# -- the job -------------------------------------------------------------------------------------------------------

async def test_the_job_stores_day_rows_and_presets_and_a_second_run_changes_nothing(
        app: Any, wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    with tenant_scope(wc.b.id):  # another tenant's case on the same day never counts
        async with sessionmaker() as session, session.begin():
            session.add(case(1, at(0, 600), status="resolved", first=5, resolved=6))

    assert await run_named_job(app, JOB, wc.a.id, now=AFTER_THE_WEEK) == AFTER_THE_WEEK
    days = await day_rows(sessionmaker, wc.a)
    # only days with a case (opened) or a published answer (created); the week, the Sunday before, the Monday
    # after (#8 at its midnight) and the answer two days later
    assert [str(d) for d in days] == ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05",
                                      "2026-03-06", "2026-03-09", "2026-03-11"]
    monday = days[date(2026, 3, 2)]  # #1 within SLA, negative → positive; #2 answered late, negative → neutral
    assert monday == Day(opened=2, negative=2, ended=2, within_sla=1, negative_ended=2, turned=1,
                         first_response_median=15.0, first_response_p90=19.0)
    assert days[date(2026, 3, 5)] == Day(opened=1, answers=2, customer_answers=1)  # #5 unanswered; one pending
    assert days[date(2026, 3, 6)] == Day(opened=1, negative=1, ended=1, negative_ended=1)  # closed unanswered
    assert days[date(2026, 3, 11)] == Day(answers=1, customer_answers=1)
    # the week's counts add up from its days to what the cases say (the percentiles come from the cases)
    week = [d for day, d in days.items() if date(2026, 3, 2) <= day <= date(2026, 3, 8)]
    assert service.added_up(week, (25.0, 51.0, 150.0)) == WEEK_FIGURES

    row = await period_row(sessionmaker, wc.a)
    assert row is not None and row.computed_at == datetime.fromisoformat(AFTER_THE_WEEK)
    assert str(row.full_on) == "2026-03-09"
    assert kpi_figure.preset_of(row, date(2026, 3, 2), date(2026, 3, 8)) == (
        WEEK_FIGURES, datetime.fromisoformat(AFTER_THE_WEEK))
    assert {k: (v["first"], v["last"]) for k, v in row.presets.items()} == {
        "7d": ("2026-03-02", "2026-03-08"), "30d": ("2026-02-07", "2026-03-08"), "90d": ("2025-12-09", "2026-03-08")}
    assert row.presets["30d"]["figures"]["cases"] == 7  # the Sunday before too

    # idempotent: a second run at the same moment leaves the same rows with the same figures
    before = await stored_rows(sessionmaker, wc.a)
    assert await refresh(sessionmaker, wc.a, datetime.fromisoformat(AFTER_THE_WEEK)) is False  # nothing changed
    assert await stored_rows(sessionmaker, wc.a) == before
    again = await period_row(sessionmaker, wc.a)
    assert again is not None and (again.id, again.presets) == (row.id, row.presets)

    # the other tenant: nothing until its own run, then its own case only
    assert await day_rows(sessionmaker, wc.b) == {} and await period_row(sessionmaker, wc.b) is None
    await run_named_job(app, JOB, wc.b.id, now=AFTER_THE_WEEK)
    assert await day_rows(sessionmaker, wc.b) == {date(2026, 3, 2): Day(opened=1, ended=1, within_sla=1,
                                                                         first_response_median=5.0,
                                                                         first_response_p90=5.0)}
    assert len(await day_rows(sessionmaker, wc.a)) == 8


async def stored_rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> list[tuple[Any, ...]]:
    """Every day row as (id, day, figures...)."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return [(r.id, r.day, *(getattr(r, k) for k in kpi_figure.DAY_FIELDS))
                    for r in (await session.scalars(select(DayFigure).order_by(DayFigure.day))).all()]


async def test_a_case_or_answer_that_changes_after_a_run_is_counted_by_the_next_run(
        app: Any, wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    now = datetime.combine(datetime.now(UTC).date(), time(12), tzinfo=UTC)  # the runs' day: the same for each
    assert await refresh(sessionmaker, wc.a, now) is True  # the first run recomputes every day
    thursday = date(2026, 3, 5)
    assert (await day_rows(sessionmaker, wc.a))[thursday] == Day(opened=1, answers=2, customer_answers=1)

    # #5 (Thursday) gets its first answer and is resolved; the pending answer of that day is published
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            five = await session.scalar(select(Case).where(Case.number == 5))
            five.first_response_at, five.resolved_at, five.status = at(3, 580), at(3, 700), "resolved"
            pending = await session.scalar(select(Answer).where(Answer.status == "pending"))
            pending.status = "published"
    assert (await day_rows(sessionmaker, wc.a))[thursday].ended == 0  # not before the next run

    assert await refresh(sessionmaker, wc.a, now + timedelta(minutes=1)) is False  # only the changed day
    days = await day_rows(sessionmaker, wc.a)
    # answered after 40 minutes (due after 120), resolved after 160 (due after 480): within SLA
    assert days[thursday] == Day(opened=1, ended=1, within_sla=1, answers=3, customer_answers=2,
                                 first_response_median=40.0, first_response_p90=40.0)
    assert days[date(2026, 3, 2)].opened == 2  # the other days as they were
    # the same figures as counting the cases now
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            assert days == await service.days(session, [Window.of_days(date(2026, 3, 1), date(2026, 3, 11))])

    # a Core UPDATE (as the SLA and privacy code write) stamps `updated_at` too: #3 (Tuesday) resolved
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Case).where(Case.number == 3).values(status="resolved",
                                                                            resolved_at=at(1, 900)))
    assert await refresh(sessionmaker, wc.a, now + timedelta(minutes=2)) is False
    assert (await day_rows(sessionmaker, wc.a))[date(2026, 3, 3)].ended == 1

    # a day whose last case is deleted by retention loses its row: no changed row shows a deletion, so the
    # deletion has the next run recompute every day
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Case).where(Case.number == 6).values(last_message_at=at(-400)))
            ctx = HookContext(tenant_id=wc.a.id, tenant_slug="acme", session=session)
            assert await retention(ctx, at(-300), "delete") == {"cases_deleted": 1}
    assert date(2026, 3, 6) in await day_rows(sessionmaker, wc.a)
    assert await refresh(sessionmaker, wc.a, now + timedelta(minutes=3)) is True
    assert date(2026, 3, 6) not in await day_rows(sessionmaker, wc.a)
    assert await refresh(sessionmaker, wc.a, now + timedelta(minutes=4)) is False  # and then incremental again


async def test_a_change_that_commits_after_a_run_read_the_cases_is_found_by_a_later_run(
        app: Any, wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The watermark lies `MARGIN` before the run's start: a change stamped before the run but committed after
    it read the cases (a slow transaction) is still within the next run's reach."""
    await seed_week(sessionmaker, wc.a)
    await refresh(sessionmaker, wc.a, datetime.now(UTC))
    row = await period_row(sessionmaker, wc.a)
    assert row is not None and row.days_through <= datetime.now(UTC) - kpi_figure.MARGIN
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            # as a transaction that flushed a minute ago would have stamped it
            await session.execute(update(Case).where(Case.number == 3).values(
                status="resolved", resolved_at=at(1, 600), updated_at=datetime.now(UTC) - timedelta(minutes=1)))
    await refresh(sessionmaker, wc.a, datetime.now(UTC))
    assert (await day_rows(sessionmaker, wc.a))[date(2026, 3, 3)].ended == 1


async def test_day_rows_add_up_to_the_figures_of_any_period(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Random cases and answers over three weeks: for random periods, the counts summed from the day rows with
    the period's time KPIs are exactly `service.figures` of that period, and each day's median and p90 are the
    day's own."""
    rng = random.Random(20260302)
    start = datetime(2026, 3, 2, tzinfo=UTC)

    def moment() -> datetime:
        return start + timedelta(minutes=rng.randrange(21 * 24 * 60))

    def later(opened: datetime) -> datetime | None:
        return rng.choice([None, opened + timedelta(minutes=rng.randrange(1, 3000))])

    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            for number in range(1, 121):
                opened = moment()
                status = rng.choice(["new", "open", "waiting", "reopened", "resolved", "closed"])
                session.add(Case(number=number, status=status, opened_at=opened, last_message_at=opened,
                                 first_response_at=later(opened), first_response_due=later(opened),
                                 resolution_due=later(opened),
                                 resolved_at=later(opened) if status == "resolved" else None,
                                 closed_at=later(opened) if status in ("closed", "resolved") else None,
                                 sentiment_first=rng.choice(["negative", "neutral", "positive"]),
                                 sentiment_last=rng.choice(["negative", "neutral", "positive"])))
            customer = Customer(email="klant@acme.test", display_name="Klant")
            session.add(customer)
            await session.flush()
            session.add(CommunityProfile(id=customer.id))
            question = Question(customer_id=customer.id, title="Vraag", status="published")
            session.add(question)
            await session.flush()
            for _ in range(40):
                by_customer = rng.random() < 0.6
                session.add(Answer(question_id=question.id, body="Antwoord",
                                   status=rng.choice(["published", "published", "pending", "rejected"]),
                                   customer_id=customer.id if by_customer else None,
                                   user_id=None if by_customer else wc.a.users["agent"].id, created_at=moment()))
    await refresh(sessionmaker, wc.a, datetime(2026, 3, 24, 12, tzinfo=UTC))
    stored_days = await day_rows(sessionmaker, wc.a)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            per_day = await service.first_response_per_day(session, Window.of_days(date(2026, 3, 1),
                                                                                   date(2026, 3, 24)))
            assert {d: (v.first_response_median, v.first_response_p90) for d, v in stored_days.items()} == {
                d: per_day[d] for d in stored_days}
            assert all(v == (None, None) for d, v in per_day.items() if d not in stored_days)
            for _ in range(12):
                first = date(2026, 3, 1) + timedelta(days=rng.randrange(24))
                last = first + timedelta(days=rng.randrange(24))
                days = await kpi_figure.days_of(session, first, last)
                assert await kpi_figure.added_up(session, days, first, last) == await service.figures(
                    session, Window.of_days(first, last)), (first, last)


# -- the page --------------------------------------------------------------------------------------------------------

async def test_the_page_says_the_figures_are_being_computed_and_queues_the_job(
        app: Any, wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    await login_as(client, wc.a, "agent")
    page = html.unescape((await client.get(KPIS)).text)
    assert 'data-webcare="pending"' in page
    assert "De cijfers worden berekend… Ze verschijnen binnen een minuut" in page
    assert "data-kpi=" not in page and "data-chart" not in page and "data-as-of" not in page
    assert await queued(app) == [str(wc.a.id)]  # for this tenant only

    # presets stored on another day (the job has not run since midnight) are not today's: still being computed
    await run_named_job(app, JOB, wc.a.id, now=(datetime.now(UTC) - timedelta(days=1)).isoformat())
    assert 'data-webcare="pending"' in (await client.get(KPIS + "?period=7d")).text
    # chosen dates read the day rows, which any run keeps current
    assert 'data-webcare="pending"' not in (await client.get(KPIS + "?from=2026-03-02&to=2026-03-08")).text

    await run_named_job(app, JOB, wc.a.id)
    row = await period_row(sessionmaker, wc.a)
    assert row is not None
    page = html.unescape((await client.get(KPIS + "?period=7d")).text)
    assert 'data-webcare="pending"' not in page and "wordt berekend" not in page.lower()
    assert f'data-as-of="{row.presets["7d"]["computed_at"]}"' in page and "Berekend " in page
    assert page.count("data-chart") == 2

    with tenant_scope(wc.a.id):  # in English: the core's "Computed <moment>"
        async with sessionmaker() as session, session.begin():
            (await session.get(User, wc.a.users["viewer"].id)).locale = "en"
    client.cookies.clear()
    await login_as(client, wc.a, "viewer")
    assert "Computed " in (await client.get(KPIS + "?period=7d")).text
    client.cookies.clear()
    await login_as(client, wc.a, "agent")
    await wait_for_relays()
    app.state.broker.flush_all()
    await client.get(KPIS + "?period=7d")
    assert await queued(app) == []  # nothing queued once the figures are there


async def test_a_preset_reads_stored_figures_and_no_case(
        app: Any, wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """What the page shows for a preset is what the job stored (changed here by hand to prove it), and not one
    statement of the view reads the cases."""
    await seed_week(sessionmaker, wc.a)
    await run_named_job(app, JOB, wc.a.id)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            row = await kpi_figure.stored(session)
            assert row is not None
            presets = dict(row.presets)
            presets["30d"] = {**presets["30d"], "figures": {**presets["30d"]["figures"], "cases": 4321}}
            row.presets = presets
    await login_as(client, wc.a, "regie")
    await wait_for_relays()
    with count_queries(app.state.engine) as queries:
        page = (await client.get(KPIS + "?period=30d")).text
        await wait_for_relays()
    assert figure(page, "webcare.cases") == "4.321"
    assert [s for s in queries.statements if READS_CASES.search(s)] == [], queries.report()
    assert any("webcare_day_figure" in s for s in queries.statements)


async def test_chosen_dates_add_up_the_days_and_compute_only_the_times(
        app: Any, wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    await run_named_job(app, JOB, wc.a.id)
    row = await period_row(sessionmaker, wc.a)
    assert row is not None
    await login_as(client, wc.a, "regie")
    await wait_for_relays()
    with count_queries(app.state.engine) as queries:
        page = html.unescape((await client.get(KPIS + "?from=2026-03-02&to=2026-03-08")).text)
        await wait_for_relays()
    assert [figure(page, k) for k in ("webcare.cases", "webcare.first_response_median", "webcare.within_sla",
                                      "webcare.community_customer_share")] == ["6", "25 min", "25 %", "75 %"]
    assert "van 4 afgeronde cases" in page
    # the counts from the day rows; from the cases only the time KPIs: first response (median and p90 in one
    # question) and resolution
    reading = [s for s in queries.statements if READS_CASES.search(s)]
    assert len(reading) == 2 and not any("count(" in s.lower() for s in reading), queries.report()
    assert f'data-as-of="{row.computed_at.isoformat()}"' in page
    assert "de reactie- en oplostijden van gekozen data worden berekend zodra je ze opvraagt" in page
    # the charts: every day of the period from the day rows
    assert '"2026-03-02"' in page and '"2026-03-08"' in page

    # chosen dates that are a preset's days get the preset's stored figures
    first, last = row.presets["30d"]["first"], row.presets["30d"]["last"]
    with count_queries(app.state.engine) as queries:
        page = html.unescape((await client.get(f"{KPIS}?from={first}&to={last}")).text)
        await wait_for_relays()
    assert [s for s in queries.statements if READS_CASES.search(s)] == []
    assert f'data-as-of="{row.presets["30d"]["computed_at"]}"' in page and "zodra je ze opvraagt" not in page
    assert figure(page, "webcare.cases", f"{first}/{last}") == "0"


async def test_another_tenants_stored_figures_are_never_read(
        app: Any, wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Day rows and period rows are tenant-owned: tenant b's, stored first, are not acme's."""
    await seed_week(sessionmaker, wc.b)
    await run_named_job(app, JOB, wc.b.id)
    await login_as(client, wc.a, "regie")
    assert 'data-webcare="pending"' in (await client.get(KPIS)).text  # b's period row is not acme's
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(case(1, at(2, 600), status="resolved", first=7, resolved=9))
    await run_named_job(app, JOB, wc.a.id)
    page = html.unescape((await client.get(KPIS + "?from=2026-03-02&to=2026-03-08")).text)
    assert figure(page, "webcare.cases") == "1" and figure(page, "webcare.first_response_median") == "7 min"
    assert len(await day_rows(sessionmaker, wc.b)) == 8 and list(await day_rows(sessionmaker, wc.a)) == [
        date(2026, 3, 4)]
