"""Leads' KPIs, widget, digest line, demo data and privacy hooks."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from core.plugins.api import ErasureSubject, tenant_scope
from core.plugins.context import hook_context
from plugins.energizing.leads import hooks
from plugins.energizing.leads.models import ERASED, CampaignLink, Lead, LeadWeek
from plugins.energizing.leads.weeks import monday
from tests.plugins.energizing.leads.conftest import stored_leads
from tests.querycount import count_queries


async def _add(sessionmaker, tw, **fields):
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            s.add(Lead(**{"name": "Sanne", "email": "sanne@example.org", "phone": "0612345678",
                          "message": "Bel me", "client_ip": "10.0.0.1", **fields}))


async def test_kpis_widget_and_digest_count_by_their_moments(leads, sessionmaker):
    a = leads.world.a
    now = datetime.now(UTC)
    today = now.date()
    await _add(sessionmaker, a, created_at=now)
    await _add(sessionmaker, a, created_at=now - timedelta(days=40), state="won",
               qualified_at=now, closed_at=now)  # old lead, qualified today
    await _add(sessionmaker, a, created_at=now - timedelta(days=40))
    await _add(sessionmaker, leads.world.b, created_at=now, qualified_at=now, state="qualified")
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            ctx = hook_context(s, a.tenant, "en")
            assert await hooks.measure(ctx, "energizing.leads", (today, today)) == 1.0
            assert await hooks.measure(ctx, "energizing.qualified_leads", (today, today)) == 1.0
            assert await hooks.measure(ctx, "energizing.leads", (today - timedelta(days=45), today)) == 3.0
            assert await hooks.measure(ctx, "energizing.other", (today, today)) is None
            [line] = await hooks.digest(ctx, today - timedelta(days=today.weekday()),
                                        today - timedelta(days=today.weekday()) + timedelta(days=6))
            [entry] = hooks.nav(hook_context(s, a.tenant, "nl"))
    assert line.text == "1 new lead, 1 qualified" and line.href == "p/energizing/leads/"
    assert entry.href == "/t/acme/p/energizing/leads/"


async def test_the_widget_reads_the_weekly_counts_not_the_leads(app, leads, sessionmaker):
    """Four weeks of `LeadWeek` rows added up; the leads themselves are not read (nor counted) on a dashboard view."""
    a = leads.world.a
    now = datetime.now(UTC)
    this_week = monday(now)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            s.add_all([LeadWeek(week_start=this_week, source="ambassador", leads=5, qualified=2),
                       LeadWeek(week_start=this_week, source="direct", leads=1, qualified=0),
                       LeadWeek(week_start=this_week - timedelta(weeks=3), source="campaign", leads=2, qualified=1),
                       LeadWeek(week_start=this_week - timedelta(weeks=4), source="campaign", leads=40,
                                qualified=9)])  # before the four weeks
    await _add(sessionmaker, a, created_at=now, qualified_at=now, state="qualified")  # not in the weekly counts
    await _add(sessionmaker, leads.world.b, created_at=now)
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            with count_queries(app.state.engine) as queries:
                [widget] = await hooks.widgets(hook_context(s, a.tenant, "nl"))
    assert (widget.context["leads"], widget.context["qualified"]) == (8, 3)
    assert widget.title == "Leads in de laatste vier weken" and widget.template == "energizing/leads/widget.html"
    assert not [q for q in queries.statements if re.search(r"\benergizing_lead\b", q)], queries.report()


async def test_an_erasure_without_a_platform_takes_the_address_too(leads, sessionmaker):
    """No platform means any platform: a handle that is an e-mail address pseudonymises that person's leads."""
    a = leads.world.a
    await _add(sessionmaker, a, email="iedereen@example.org")
    await _add(sessionmaker, a, email="ander@example.org")
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            erased = await hooks.erase_subject(hook_context(s, a.tenant, "nl"), ErasureSubject(
                kind="author", platform="", handle=" Iedereen@Example.org"))
    assert erased == {"leads_pseudonymised": 1}
    assert sorted(r.email for r in await stored_leads(sessionmaker, a)) == ["", "ander@example.org"]


async def test_retention_and_erasure_blank_the_person_and_keep_the_counts(leads, sessionmaker):
    a = leads.world.a
    now = datetime.now(UTC)
    await _add(sessionmaker, a, created_at=now - timedelta(days=800), email="oud@example.org")
    await _add(sessionmaker, a, created_at=now - timedelta(days=3), email="middel@example.org")
    await _add(sessionmaker, a, created_at=now, email="nieuw@example.org")
    cutoff = now - timedelta(days=730)
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            ctx = hook_context(s, a.tenant, "nl")
            assert await hooks.retention(ctx, cutoff, "pseudonymise") == {"leads_pseudonymised": 1,
                                                                         "lead_addresses_blanked": 1}
            assert await hooks.retention(ctx, cutoff, "pseudonymise") == {"leads_pseudonymised": 0,
                                                                         "lead_addresses_blanked": 0}
            erased = await hooks.erase_subject(ctx, ErasureSubject(kind="author", platform="email",
                                                                   handle="NIEUW@example.org"))
            assert erased == {"leads_pseudonymised": 1}
            assert await hooks.erase_subject(ctx, ErasureSubject(kind="author", handle="nieuw")) == {}
            assert await hooks.erase_subject(ctx, ErasureSubject(kind="author", platform="x",
                                                                 handle="middel@example.org")) == {}
    old, middle, new = await stored_leads(sessionmaker, a)
    assert all((r.name, r.email, r.phone, r.message, r.client_ip) == (ERASED, "", "", "", "") for r in (old, new))
    assert (middle.email, middle.client_ip) == ("middel@example.org", "")  # the client address went after a day
    with tenant_scope(a.id):
        async with sessionmaker() as s, s.begin():
            assert (await hooks.retention(hook_context(s, a.tenant, "nl"), cutoff, "delete"))["leads_deleted"] == 1
    assert len(await stored_leads(sessionmaker, a)) == 2


async def test_the_demo_seeds_leads_in_every_state_once(leads, sessionmaker, settings):
    a = leads.world.a
    for _run in range(2):
        with tenant_scope(a.id):
            async with sessionmaker() as s, s.begin():
                kpis = await hooks.seed_demo(hook_context(s, a.tenant, "nl", settings=settings))
    assert [k.key for k in kpis] == ["energizing.leads", "energizing.qualified_leads"]
    rows = await stored_leads(sessionmaker, a)
    assert len(rows) == 25
    assert {r.state for r in rows} == {"new", "qualified", "won", "lost"}
    assert {r.source for r in rows} == {"ambassador", "campaign", "direct"}
    assert all(r.qualified_at is not None for r in rows if r.state in ("qualified", "won"))
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            assert await s.scalar(select(func.count()).select_from(CampaignLink)) == 3  # the fixture's and two
    assert date.today() - min(r.created_at for r in rows).date() <= timedelta(days=61)
