"""Webcare measurement: every KPI from hand-made cases (exact numbers, both backends), empty periods, the
overview widget, the KPI page with its period filter, the way-of-work sections in the policy editor, and the
reply form's channel suggestions from the published policy."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.customers.models import Customer
from core.plugins.api import HookContext, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.measure import hooks
from plugins.webcare.models import Answer, Case, CommunityProfile, Escalation, Question
from tests.core.kpi_html import figure
from tests.plugins.webcare.test_replies import RULES, publish
from tests.support import TenantWorld, World, login_as

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
WEEK = (date(2026, 3, 2), date(2026, 3, 8))


def at(days: float, minutes: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, minutes=minutes)


def case(number: int, opened: datetime, *, status: str = "open", first: float | None = None,
         resolved: float | None = None, closed: float | None = None, first_due: float | None = None,
         resolution_due: float | None = None, sentiments: tuple[str, str] = ("neutral", "neutral")) -> Case:
    """A case opened at `opened`; the other moments are minutes after it."""
    def later(minutes: float | None) -> datetime | None:
        return None if minutes is None else opened + timedelta(minutes=minutes)

    return Case(number=number, subject=f"Case {number}", status=status, opened_at=opened, last_message_at=opened,
                first_response_at=later(first), resolved_at=later(resolved), closed_at=later(closed),
                first_response_due=later(first_due), resolution_due=later(resolution_due),
                sentiment_first=sentiments[0], sentiment_last=sentiments[1])


async def seed_week(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add_all([
                # within SLA, negative → positive
                case(1, at(0, 600), status="resolved", first=10, resolved=100, first_due=30, resolution_due=240,
                     sentiments=("negative", "positive")),
                # first response too late; resolved, then closed (ended when resolved), negative → neutral
                case(2, at(0, 660), status="closed", first=20, resolved=200, closed=500, first_due=15,
                     resolution_due=480, sentiments=("negative", "neutral")),
                case(3, at(1, 540), status="open", first=30, first_due=60, resolution_due=480,
                     sentiments=("negative", "negative")),
                # resolved too late
                case(4, at(2, 540), status="resolved", first=60, resolved=300, first_due=120, resolution_due=240,
                     sentiments=("neutral", "positive")),
                case(5, at(3, 540), status="new", first_due=120, resolution_due=480),
                # closed without a reply, after the first-response deadline; negative stays negative
                case(6, at(4, 720), status="closed", closed=50, first_due=30, resolution_due=480,
                     sentiments=("negative", "negative")),
                # outside the week: the Sunday before and the Monday after
                case(7, at(-1, 600), status="resolved", first=1, resolved=2, sentiments=("negative", "positive")),
                case(8, at(7), status="resolved", first=1, resolved=2),
            ])
            customer = Customer(email=f"klant@{tw.slug}.test", display_name=f"Klant {tw.tenant.name}")
            session.add(customer)
            await session.flush()
            session.add(CommunityProfile(id=customer.id))
            question = Question(customer_id=customer.id, title=f"Vraag bij {tw.tenant.name}", status="published")
            session.add(question)
            await session.flush()
            staff = tw.users["agent"].id
            for who, status, day in (("customer", "published", 1), ("customer", "published", 2),
                                     ("customer", "published", 3), ("staff", "published", 3),
                                     ("customer", "pending", 3), ("customer", "published", 9)):
                session.add(Answer(question_id=question.id, body="Antwoord", status=status,
                                   customer_id=customer.id if who == "customer" else None,
                                   user_id=staff if who == "staff" else None, created_at=at(day)))


async def test_every_kpi_from_hand_made_cases(wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    with tenant_scope(wc.b.id):  # another tenant's case in the same week never counts
        async with sessionmaker() as session, session.begin():
            session.add(case(1, at(0, 600), status="resolved", first=1000, resolved=1000,
                             sentiments=("negative", "negative")))
    expected = {
        "webcare.cases": 6,
        "webcare.first_response_median": 25.0,  # 10, 20, 30, 60
        "webcare.first_response_p90": 51.0,  # 30 + 0.7 × (60 − 30)
        "webcare.resolution_median": 150.0,  # 50, 100, 200, 300
        "webcare.within_sla": 25.0,  # 1 of the 4 ended cases
        "webcare.negative_turned": 33.3,  # 1 of the 3 ended negative cases
        "webcare.community_customer_share": 75.0,  # 3 of the 4 published answers
        "talking.posts": None,  # not webcare's
    }
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            ctx = HookContext(tenant_id=wc.a.id, tenant_slug="acme", session=session)
            got = {kpi: await hooks.measure(ctx, kpi, WEEK) for kpi in expected}
            assert got == expected
            assert {k.key for k in hooks.KPIS} == set(expected) - {"talking.posts"}
            # datetimes count by their date; one day; an empty period: 0 cases, nothing else to measure
            day = (MONDAY, MONDAY + timedelta(hours=23))
            assert await hooks.measure(ctx, "webcare.cases", day) == 2
            assert await hooks.measure(ctx, "webcare.first_response_median", day) == 15.0
            empty = (date(2025, 1, 1), date(2025, 1, 7))
            assert {kpi: await hooks.measure(ctx, kpi, empty) for kpi in hooks.KPI_FIELDS} == {
                "webcare.cases": 0, "webcare.first_response_median": None, "webcare.first_response_p90": None,
                "webcare.resolution_median": None, "webcare.within_sla": None, "webcare.negative_turned": None,
                "webcare.community_customer_share": None}
            per_day = await hooks.service.cases_per_day(session, hooks.window_of(WEEK))
            assert [v["opened"] for v in per_day.values()] == [2, 1, 1, 1, 1, 0, 0]
            assert [v["negative"] for v in per_day.values()] == [2, 1, 0, 0, 1, 0, 0]
            trend = await hooks.service.first_response_per_day(session, hooks.window_of(WEEK))
            assert list(trend.values())[:4] == [(15.0, 19.0), (30.0, 30.0), (60.0, 60.0), (None, None)]


async def test_widget_kpi_page_policy_sections_and_channels(app: Any, wc: World, client: Any,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_week(sessionmaker, wc.a)
    now = datetime.now(UTC)
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add_all([
                Case(number=20, status="new", priority="urgent", opened_at=now, last_message_at=now,
                     first_response_due=now - timedelta(minutes=5), resolution_due=now + timedelta(days=10)),
                Case(number=21, status="new", priority="normal", opened_at=now, last_message_at=now,
                     first_response_due=now + timedelta(minutes=5), resolution_due=now + timedelta(days=10)),
                Case(number=22, status="waiting", priority="normal", opened_at=now, last_message_at=now,
                     first_response_at=now, resolution_due=now - timedelta(hours=1)),  # clock stands still
                Case(number=23, status="reopened", priority="low", opened_at=now, last_message_at=now,
                     first_response_at=now, resolution_due=now + timedelta(days=10)),
            ])
            session.add(Escalation(case_id=await session.scalar(select(Case.id).where(Case.number == 3)),
                                   to_department_id=wc.a.departments["comms"].id, reason="press", note=""))
    await publish(sessionmaker, wc.a, RULES)
    await login_as(client, wc.a, "agent")

    await run_named_job(app, "webcare.widget_figures", wc.a.id)  # the widget shows what the job computed
    overview = html.unescape((await client.get("/t/acme/")).text)
    widget = overview.split('data-widget="webcare"', 1)[1].split("</article>", 1)[0]
    # open from the seeded week: #3 (open) and #5 (new), both long past their deadlines
    assert 'data-figure="breached">3<' in widget and 'data-figure="at-risk">1<' in widget
    for status, n in (("new", 3), ("open", 1), ("waiting", 1), ("reopened", 1)):
        assert f'data-status="{status}">{n}<' in widget, status
    assert "urgent: 1" in widget and "normaal: 4" in widget and "laag: 1" in widget
    # the four cases came in today: counted as today's (so far), not yet in the last 7 days (the seven whole days
    # before today, as on the dashboard)
    assert 'data-figure="opened-today">4<' in widget
    week = f"{now.date() - timedelta(days=7)}/{now.date() - timedelta(days=1)}"
    assert "Afgelopen 7 dagen" in widget and figure(widget, "webcare.cases", week) == "0"
    assert "data-chart" in widget and "Cases per dag" in widget and "/t/acme/p/webcare/kpis/" in widget
    assert "Webcare-KPI's" in overview  # the navigation entry

    await run_named_job(app, "webcare.kpi_figures", wc.a.id)  # the KPI page reads what this job stored
    page = html.unescape((await client.get("/t/acme/p/webcare/kpis/?from=2026-03-02&to=2026-03-08")).text)
    kpi = {k: page.split(f'data-kpi="{k}">', 1)[1].split('<div class="kpi"', 1)[0] for k in hooks.KPI_FIELDS}
    assert ">6<" in kpi["webcare.cases"]
    assert ">25 min<" in kpi["webcare.first_response_median"] and ">51 min<" in kpi["webcare.first_response_p90"]
    assert ">2 h 30 min<" in kpi["webcare.resolution_median"]
    # written as every page writes a KPI (`kpi_format`): a whole percentage without decimals
    assert ">25 %<" in kpi["webcare.within_sla"] and "van 4 afgeronde cases" in kpi["webcare.within_sla"]
    assert "33,3 %" in kpi["webcare.negative_turned"] and ">75 %<" in kpi["webcare.community_customer_share"]
    assert page.count("data-chart") == 2 and "Van 2 mrt 2026 tot en met 8 mrt 2026" in page
    for query, field_text in (("from=2026-03-08&to=2026-03-01", "Het einde van de periode ligt vóór het begin."),
                              ("period=decade", "period"), ("period=custom&from=gisteren&to=2026-03-01", "from"),
                              ("from=2024-01-01&to=2026-03-01", "Kies een periode van hoogstens 366 dagen.")):
        response = await client.get(f"/t/acme/p/webcare/kpis/?{query}")
        assert response.status_code == 422 and field_text in html.unescape(response.text), query
        assert "data-chart" not in response.text

    # reply form: the policy's channels with their maximum (RULES: twitter 60)
    panel = (await client.get(f"/t/acme/p/webcare/cases/{await _case_id(sessionmaker, wc.a, 5)}/replies")).text
    assert '<option value="twitter" label="twitter: hoogstens 60 tekens">' in html.unescape(panel)

    # the way-of-work sections in the policy editor, with the current settings in their hints
    client.cookies.clear()
    await login_as(client, wc.a, "regie")
    editor = html.unescape((await client.get("/t/acme/policy/new")).text)
    for name, title in (("webcare_response_times", "Webcare: reactietijden (SLA)"),
                        ("webcare_escalation", "Webcare: escalatiepaden"),
                        ("webcare_tone_of_voice", "Webcare: tone of voice")):
        assert f'name="{name}"' in editor and title in editor, name
    assert "urgent: eerste reactie binnen 30 min, opgelost binnen 4 h 00 min" in editor
    assert "Kantoortijden: ma–vr 09:00–17:00 (Europe/Amsterdam), 0 feestdagen" in editor
    assert "Tot nu toe geëscaleerd: persvraag → Communicatie (1)." in editor
    assert 'ondertekening "^{initials}", 1 verboden woorden, maximale lengte per kanaal: twitter 60' in editor


async def _case_id(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, number: int) -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(Case.id).where(Case.number == number))
