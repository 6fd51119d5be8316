"""The overview widget's figures are computed ahead by the job `webcare.widget_figures`: the job stores one row per
tenant (run twice, the same row), a page view reads that row and never the cases, the widget says when its
figures were computed, and before the first run (or before the run of a new day) it says they are being
computed."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.auth.models import User
from core.jobs.outbox import wait_for_relays
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.measure import widget_figure
from plugins.webcare.measure.service import Figures
from plugins.webcare.models import Case, WidgetFigure
from tests.plugins.webcare.test_measure import at, case, seed_week
from tests.querycount import count_queries
from tests.support import World, login_as

AFTER_THE_WEEK = "2026-03-09T12:00:00+00:00"
"""A moment whose window (the seven whole days before it) is `test_measure`'s seeded week, 2 – 8 March 2026."""
READS_CASES = re.compile(r"\bwebcare_case\b", re.IGNORECASE)


def card(page: str) -> str:
    """The webcare widget's card, with the core's freshness line under it."""
    text = html.unescape(page)
    at_widget = text.index('data-widget="webcare"')
    return text[text.rindex("<article", 0, at_widget):text.index("</article>", at_widget)]


async def stored(sessionmaker: async_sessionmaker[AsyncSession], tenant_id: Any) -> list[WidgetFigure]:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(WidgetFigure))).all())


async def test_the_job_stores_one_row_per_tenant_and_a_second_run_the_same(
        app: Any, wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    with tenant_scope(wc.b.id):  # another tenant's case in the same week never counts
        async with sessionmaker() as session, session.begin():
            session.add(case(1, at(0, 600), status="open", first_due=10, resolution_due=20,
                             sentiments=("negative", "negative")))
    assert await stored(sessionmaker, wc.a.id) == [] and await stored(sessionmaker, wc.b.id) == []

    assert await run_named_job(app, "webcare.widget_figures", wc.a.id, now=AFTER_THE_WEEK) == AFTER_THE_WEEK
    [row] = await stored(sessionmaker, wc.a.id)
    assert (str(row.first), str(row.last)) == ("2026-03-02", "2026-03-08")
    assert row.computed_at == datetime.fromisoformat(AFTER_THE_WEEK)
    # the week's KPIs as the measurement hook counts them (test_measure), stored as the service's Figures
    assert widget_figure.figures_of(row) == Figures(
        cases=6, first_response_median=25.0, first_response_p90=51.0, resolution_median=150.0, within_sla=25.0,
        ended=4, negative_turned=33.3, negative_ended=3, community_customer_share=75.0, answers=4)
    # open at that moment: #3 (open) and #5 (new), both past a deadline
    now = widget_figure.now_of(row)
    assert now.by_status == {"new": 1, "open": 1, "waiting": 0, "reopened": 0} and now.open == 2
    assert now.by_priority == {"urgent": 0, "high": 0, "normal": 2, "low": 0}
    assert (now.breached, now.at_risk) == (2, 0)
    # the window's days and the day of the run (#8 opened at its midnight)
    per_day = widget_figure.per_day_of(row)
    assert [str(d) for d in per_day] == [f"2026-03-0{n}" for n in range(2, 10)]
    assert [v["opened"] for v in per_day.values()] == [2, 1, 1, 1, 1, 0, 0, 1]
    assert [v["negative"] for v in per_day.values()] == [2, 1, 0, 0, 1, 0, 0, 0]
    first = (row.id, row.now, row.figures, row.per_day, row.computed_at)

    # idempotent: a second run at the same moment leaves the same one row
    await run_named_job(app, "webcare.widget_figures", wc.a.id, now=AFTER_THE_WEEK)
    [again] = await stored(sessionmaker, wc.a.id)
    assert (again.id, again.now, again.figures, again.per_day, again.computed_at) == first
    # a later run overwrites it: the window moved on, the week's cases left it
    await run_named_job(app, "webcare.widget_figures", wc.a.id, now="2026-03-20T08:00:00+00:00")
    [later] = await stored(sessionmaker, wc.a.id)
    assert later.id == row.id and str(later.last) == "2026-03-19" and later.figures["cases"] == 0

    # the other tenant: no row until its own run, then its own case only
    assert await stored(sessionmaker, wc.b.id) == []
    await run_named_job(app, "webcare.widget_figures", wc.b.id, now=AFTER_THE_WEEK)
    [other] = await stored(sessionmaker, wc.b.id)
    assert other.figures["cases"] == 1 and other.now["breached"] == 1 and other.id != row.id
    assert len(await stored(sessionmaker, wc.a.id)) == 1


async def test_the_widget_says_it_is_being_computed_until_the_job_ran(
        app: Any, wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(Case(number=1, status="new", priority="urgent", opened_at=now, last_message_at=now,
                             first_response_due=now - timedelta(minutes=5), resolution_due=now + timedelta(days=1)))
    await login_as(client, wc.a, "agent")

    widget = card((await client.get("/t/acme/")).text)
    assert 'data-webcare="pending"' in widget
    assert "Wordt berekend: de cijfers verschijnen binnen een minuut." in widget
    assert 'data-figure="breached"' not in widget and 'data-figure="opened-today"' not in widget
    assert "Afgelopen 7 dagen" in widget  # the KPI tiles: the core's daily figures, or "—"

    # a row of another day's window (the job has not run since midnight) is not shown as today's
    await run_named_job(app, "webcare.widget_figures", wc.a.id, now=(now - timedelta(days=1)).isoformat())
    assert 'data-webcare="pending"' in card((await client.get("/t/acme/")).text)

    await run_named_job(app, "webcare.widget_figures", wc.a.id)
    [row] = await stored(sessionmaker, wc.a.id)
    widget = card((await client.get("/t/acme/")).text)
    assert 'data-webcare="pending"' not in widget and "Wordt berekend" not in widget
    assert 'data-figure="breached">1<' in widget and 'data-figure="opened-today">1<' in widget
    assert "urgent: 1" in widget and "Nu: op het moment dat de cijfers zijn berekend." in widget
    # the core's freshness line: when the job computed the figures, not "current figures"
    assert f'data-as-of="{row.computed_at.isoformat()}"' in widget
    assert "Berekend" in widget and "Actuele cijfers" not in widget

    # in English: the msgids, and the core's "Computed <moment>"
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            (await session.get(User, wc.a.users["viewer"].id)).locale = "en"
    client.cookies.clear()
    await login_as(client, wc.a, "viewer")
    english = card((await client.get("/t/acme/")).text)
    assert "Now: at the moment the figures were computed." in english and "Computed" in english
    assert "Last 7 days" in english and "Nu:" not in english


async def test_a_page_view_reads_no_case(app: Any, wc: World, client: Any,
                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The overview and the dashboard read the stored row: not one statement of the page view touches the cases
    (with 200,000 cases, aggregating them took six queries of 50–90 ms per view)."""
    await seed_week(sessionmaker, wc.a)
    await run_named_job(app, "webcare.widget_figures", wc.a.id)
    await login_as(client, wc.a, "regie")
    await wait_for_relays()
    for path in ("/t/acme/", "/t/acme/dashboard/"):
        with count_queries(app.state.engine) as queries:
            page = await client.get(path)
            await wait_for_relays()
        assert page.status_code == 200 and 'data-widget="webcare"' in page.text, path
        assert 'data-webcare="pending"' not in page.text, path
        reading = [s for s in queries.statements if READS_CASES.search(s)]
        assert reading == [], f"{path}: {reading}\n{queries.report()}"
        assert any("webcare_widget_figure" in s for s in queries.statements), path
    # the job itself does read them (it is where the aggregation went)
    with count_queries(app.state.engine) as queries:
        await run_named_job(app, "webcare.widget_figures", wc.a.id)
    assert any(READS_CASES.search(s) for s in queries.statements)
