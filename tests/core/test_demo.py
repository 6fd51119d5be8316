"""`regie demo`: two Dutch organisations in different phases and a mediator, seeded idempotently."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.db.models import metadata
from core.demo import DEMO_PASSWORD, demo_accounts, format_accounts, seed_demo
from core.measurement.models import MethodologyVersion, Target
from core.policy.models import PolicyVersion
from core.roadmap.models import BaselineStudy, PhaseTransition, StartingPointsAck, StartingPointsVersion
from core.tenancy.models import Tenant
from core.tenancy.scope import cross_tenant, tenant_scope
from core.trainings.models import TrainingSuggestion
from core.workgroup.models import RegieAppointment, WorkgroupSeat
from plugins.webcare.models import Answer, Case, Question, Reply
from tests.support import login, post_form


async def _counts(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    with cross_tenant():
        async with sessionmaker() as session:
            return {t.name: await session.scalar(select(func.count()).select_from(t))
                    for t in metadata.sorted_tables}


async def test_demo_is_idempotent(sessionmaker: async_sessionmaker[AsyncSession], settings: Any) -> None:
    """With the plugins' demo data too: webcare's set-up and cases are there, and a second run adds nothing."""
    from core.plugins.manager import build_plugin_manager

    pm = build_plugin_manager()
    first = await seed_demo(sessionmaker, pm, settings)
    counts = await _counts(sessionmaker)
    second = await seed_demo(sessionmaker, pm, settings)
    assert first == second == demo_accounts()
    assert await _counts(sessionmaker) == counts
    assert counts["webcare_rule"] == 5 and counts["webcare_queue"] == 5 and counts["webcare_holiday"] >= 8
    assert counts["webcare_canned"] >= 10 and counts["webcare_escalation"] == 3
    assert counts["tenant_summary"] == 2  # the mediator's console shows both demo organisations from the start
    # eight story cases plus the ones this morning's monitoring burst opened through the real intake
    assert counts["webcare_case"] > 8 and counts["webcare_reply"] == 5
    with cross_tenant():
        async with sessionmaker() as session:
            statuses = set((await session.scalars(select(Case.status))).all())
            replies = sorted((await session.scalars(select(Reply.status))).all())
            burst = await session.scalar(select(func.count()).select_from(Case).where(Case.rule_id.is_not(None)))
    assert {"new", "waiting", "resolved", "closed"} <= statuses
    assert replies == ["pending_approval"] + ["sent"] * 4 and burst > 0
    # the community: answered and accepted, answered, unanswered, and a first question waiting for moderation
    with cross_tenant():
        async with sessionmaker() as session:
            questions = sorted((await session.scalars(select(Question.status))).all())
            accepted = await session.scalar(select(func.count()).select_from(Answer).where(Answer.is_accepted))
    assert questions == ["pending"] + ["published"] * 3 and counts["webcare_answer"] == 3 and accepted == 1
    assert counts["tenant"] == 2 and counts["user_account"] == len(first)
    # measurement: Vitaal's methodology measured daily since it was written, targets, CRM leads, a suggestion
    assert counts["kpi_target"] == 10 and counts["manual_measurement"] == 10  # five of them energizing's
    # talking: a month of calendar with a campaign, two streams and posts that went out (posted elsewhere)
    assert counts["talking_campaign"] == 1 and counts["talking_stream"] == 2 and counts["talking_post"] >= 12
    with cross_tenant():
        async with sessionmaker() as session:
            from plugins.talking.models import Post, PostVariant

            states = set((await session.scalars(select(Post.state))).all())
            posted = (await session.scalars(select(PostVariant.external_url).where(
                PostVariant.external_url != ""))).all()
    assert {"published", "scheduled", "in_review", "draft", "cancelled"} <= states
    assert posted and all(url.startswith("https://") for url in posted) and counts["short_link"] > 10
    assert counts["kpi_snapshot"] >= 5 * 34 + 10 and counts["training_suggestion"] == 1
    # accounts: the hub's three in use, a dormant page under the policy's longest silence, one found to claim
    with cross_tenant():
        async with sessionmaker() as session:
            from core.accounts.models import AccountWatch, SocialAccount
            from core.policy.silence import parse_silence

            accounts = dict((await session.execute(select(SocialAccount.handle, SocialAccount.status))).all())
            ways = (await session.scalars(select(PolicyVersion.way_of_work))).all()
            terms = (await session.scalars(select(AccountWatch.brand_terms))).all()
    assert accounts == {"VitaalZorg": "active", "vitaalzorgverzekeraar": "active", "vitaal-zorgverzekeraar": "active",
                        "VitaalWerkgevers": "dormant", "vitaal_regio_noord": "to_claim"}
    assert [parse_silence(w["longest_silence"]).days_for("linkedin") for w in ways if "longest_silence" in w] == [60]
    assert terms == [["Vitaal", "VitaalZorg", "Vitaal Zorgverzekeraar"]] and counts["social_account_owner"] == 4
    # the plugins' demos chose their KPIs and targets (the core's demo names no plugin); the core added its own
    with cross_tenant():
        async with sessionmaker() as session:
            kpis = (await session.scalar(select(MethodologyVersion.kpis))) or []
            targets = dict((await session.execute(select(Target.kpi, Target.value))).all())
            reasons = (await session.scalars(select(TrainingSuggestion.reason))).all()
    energizing = ("nps", "answers", "active_ambassadors", "missions_completed", "leads", "qualified_leads")
    assert [(k["key"], k["source"], k["kind"]) for k in kpis] == [
        *((f"energizing.{key}", "energizing", "plugin") for key in energizing),
        ("monitoring.volume", "monitoring", "plugin"), ("monitoring.negative_share", "monitoring", "plugin"),
        ("monitoring.reach", "monitoring", "plugin"), ("talking.objective_share", "talking", "plugin"),
        ("talking.clicks", "talking", "plugin"), ("talking.interactions", "talking", "plugin"),
        ("talking.engagement_rate", "talking", "plugin"), ("talking.followers", "talking", "plugin"),
        ("webcare.cases", "webcare", "plugin"), ("webcare.within_sla", "webcare", "plugin"), ("leads", "CRM", "manual")]
    assert [k["unit"] for k in kpis] == ["score", "count", "count", "count", "count", "count",
                                         "count", "percent", "count", "percent", "count", "count", "percent", "count",
                                         "count", "percent", "count"]
    assert targets == {"monitoring.volume": 1500, "monitoring.negative_share": 20, "talking.objective_share": 80,
                       "webcare.within_sla": 90, "leads": 40, "energizing.nps": 20,
                       "energizing.active_ambassadors": 25, "energizing.missions_completed": 60,
                       "energizing.leads": 40, "energizing.qualified_leads": 15}
    assert reasons == ["plugin.activated:webcare"]
    table = format_accounts(first)
    assert DEMO_PASSWORD in table and "http://127.0.0.1:8000/t/zuiderhaven/login" in table
    assert "http://127.0.0.1:8000/login" in table


async def test_demo_tells_two_stories(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await seed_demo(sessionmaker)
    async with sessionmaker() as session:
        tenants = {t.slug: t for t in (await session.scalars(select(Tenant))).all()}
        assert (tenants["zuiderhaven"].phase, tenants["zuiderhaven"].org_model) == ("listening", "hub_and_spoke")
        assert (tenants["vitaal"].phase, tenants["vitaal"].org_model) == ("pilot", "centralized")

        async def scalar_count(model: Any, *where: Any) -> int:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

        with tenant_scope(tenants["zuiderhaven"].id):
            assert await scalar_count(WorkgroupSeat) == 3
            regie = await session.scalar(select(RegieAppointment).where(RegieAppointment.ended_at.is_(None)))
            assert regie is not None and regie.reason
            version = await session.scalar(select(StartingPointsVersion))
            assert version.approved_at is not None and "Zuiderhaven" in version.organisation_analysis
            assert len(version.wishes) == 3
            assert await scalar_count(StartingPointsAck) == 2  # partly acknowledged
            monitoring = await session.scalar(select(PluginActivation))
            assert (monitoring.plugin, monitoring.status) == ("monitoring", "requested")
            assert await scalar_count(PolicyVersion) == 0
            assert await scalar_count(AuditEntry, AuditEntry.action == "regie.appointed") == 1
        with tenant_scope(tenants["vitaal"].id):
            assert await scalar_count(WorkgroupSeat) == 4
            assert await scalar_count(StartingPointsAck) == 4
            assert await scalar_count(BaselineStudy, BaselineStudy.source == "external") == 1
            active = (await session.scalars(select(PluginActivation.plugin).where(
                PluginActivation.status == "active"))).all()
            assert sorted(active) == ["energizing", "monitoring", "talking", "webcare"]
            transition = await session.scalar(select(PhaseTransition))
            assert (transition.from_phase, transition.to_phase) == ("listening", "pilot")
            policy = await session.scalar(select(PolicyVersion))
            assert policy.published_at is not None and policy.tone_rules["forbidden_words"]
            assert policy.tone_rules["max_length"]["x"] == 280


async def test_demo_activates_only_available_plugins_each_approved_by_a_second_person(
        sessionmaker: async_sessionmaker[AsyncSession], settings: Any) -> None:
    from core.plugins.manager import build_plugin_manager

    pm = build_plugin_manager()
    await seed_demo(sessionmaker, pm, settings)
    available = {info.name for info in pm.infos if info.available}
    assert "cocreation" not in available and {"talking", "energizing"} <= available
    with cross_tenant():
        async with sessionmaker() as session:
            rows = (await session.scalars(select(PluginActivation))).all()
    assert rows and {row.plugin for row in rows} <= available
    decided = [row for row in rows if row.decided_by_id is not None]
    assert sorted(row.plugin for row in decided) == ["energizing", "monitoring", "talking", "webcare"]  # Vitaal's
    assert all(row.decided_by_id != row.requested_by_id for row in decided)


async def test_demo_accounts_can_sign_in(client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    accounts = await seed_demo(sessionmaker)
    for account in accounts:
        client.cookies.clear()
        await login(client, account.email, account.tenant or None, password=DEMO_PASSWORD)
    client.cookies.clear()
    wrong = await post_form(client, "/t/vitaal/login", {"email": "directie@vitaal.example", "password": "fout"})
    assert 400 <= wrong.status_code < 500
    assert "E-mailadres of wachtwoord is onjuist." in wrong.text
