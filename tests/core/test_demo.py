"""`regie demo`: two Dutch organisations in different phases and a mediator, seeded idempotently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.audit.models import AuditEntry
from core.db.models import metadata
from core.demo import DEMO_PASSWORD, demo_accounts, format_accounts, seed_demo
from core.demo.measurement import _quarter
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
    # ten for the quarter (five of them energizing's), one for the pilot's first four weeks, co-creation's three
    assert counts["kpi_target"] == 14 and counts["manual_measurement"] == 10
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
            quarter = _quarter(datetime.now(UTC).date())
            targets = dict((await session.execute(select(Target.kpi, Target.value).where(
                Target.period_start == quarter[0], Target.period_end == quarter[1]))).all())
            ended = (await session.execute(select(Target.kpi, Target.value, Target.period_end).where(
                Target.period_end < datetime.now(UTC).date()))).all()
            reasons = (await session.scalars(select(TrainingSuggestion.reason))).all()
    energizing = ("nps", "answers", "active_ambassadors", "missions_completed", "leads", "qualified_leads")
    cocreation = ("ideas", "first_response_median", "told_shipped")
    assert [(k["key"], k["source"], k["kind"]) for k in kpis] == [
        *((f"cocreation.{key}", "cocreation", "plugin") for key in cocreation),
        *((f"energizing.{key}", "energizing", "plugin") for key in energizing),
        ("monitoring.volume", "monitoring", "plugin"), ("monitoring.negative_share", "monitoring", "plugin"),
        ("monitoring.reach", "monitoring", "plugin"), ("talking.objective_share", "talking", "plugin"),
        ("talking.clicks", "talking", "plugin"), ("talking.interactions", "talking", "plugin"),
        ("talking.engagement_rate", "talking", "plugin"), ("talking.followers", "talking", "plugin"),
        ("webcare.cases", "webcare", "plugin"), ("webcare.within_sla", "webcare", "plugin"), ("leads", "CRM", "manual")]
    assert [k["unit"] for k in kpis][3:] == ["score", "count", "count", "count", "count", "count",
                                         "count", "percent", "count", "percent", "count", "count", "percent", "count",
                                         "count", "percent", "count"]
    assert targets == {"monitoring.volume": 1500, "monitoring.negative_share": 20, "talking.objective_share": 80,
                       "webcare.within_sla": 90, "leads": 40, "energizing.nps": 20,
                       "energizing.active_ambassadors": 25, "energizing.missions_completed": 60,
                       "energizing.leads": 40, "energizing.qualified_leads": 15, "cocreation.ideas": 45,
                       "cocreation.first_response_median": 5 * 24 * 60, "cocreation.told_shipped": 20}
    # the pilot's first four weeks, a period that has ended: the track record co-creation's prerequisite reads
    assert [(kpi, value) for kpi, value, _end in ended] == [("monitoring.volume", 400)]
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
    assert {"talking", "energizing", "cocreation"} <= available
    with cross_tenant():
        async with sessionmaker() as session:
            rows = (await session.scalars(select(PluginActivation))).all()
    assert rows and {row.plugin for row in rows} <= available
    decided = [row for row in rows if row.decided_by_id is not None]
    assert sorted(row.plugin for row in decided) == ["cocreation", "energizing", "monitoring", "talking",
                                                     "webcare"]  # Vitaal's
    assert all(row.decided_by_id != row.requested_by_id for row in decided)
    await _cocreation_started_honestly(sessionmaker, pm)


async def _cocreation_started_honestly(sessionmaker: async_sessionmaker[AsyncSession], pm: Any) -> None:
    """Vitaal's Productontwikkeling runs co-creation because its prerequisite is met in the data (monitoring on for
    ten weeks, its target of the pilot's first four weeks met), not by an override; its ideas are linked to the
    forum mention and the webcare case another demo offered."""
    from core.activation.models import PrerequisiteOverride
    from core.activation.overrides import track_records
    from core.activation.service import blockers
    from core.auth.models import User
    from plugins.cocreation.models import Idea, IdeaLink

    async with sessionmaker() as session:
        tenant = await session.scalar(select(Tenant).where(Tenant.slug == "vitaal"))
    with tenant_scope(tenant.id):
        async with sessionmaker() as session:
            row = await session.scalar(select(PluginActivation).where(PluginActivation.plugin == "cocreation"))
            people = dict((await session.execute(select(User.id, User.email))).all())
            assert (row.status, row.department.name, row.activated_in_phase) == ("active", "Productontwikkeling",
                                                                                "pilot")
            assert (people[row.requested_by_id], people[row.decided_by_id]) == ("t.vandam@vitaal.example",
                                                                                "l.visser@vitaal.example")
            assert await session.scalar(select(func.count()).select_from(PrerequisiteOverride)) == 0
            assert await blockers(session, tenant, pm, "cocreation", row.department, "en") == []
            records = {r.plugin: r for r in await track_records(session, pm, exclude="cocreation")}
            monitoring = records["monitoring"]
            assert (datetime.now(UTC) - monitoring.active_since).days >= 8 * 7
            assert monitoring.targets == 1 and monitoring.targets_met
            actions = (await session.scalars(select(AuditEntry.action).where(
                AuditEntry.summary.like("cocreation%")))).all()
            assert sorted(actions) == ["plugin.activated", "plugin.requested"]
            links = (await session.execute(select(Idea.number, IdeaLink.kind, IdeaLink.author_handle)
                                           .join(Idea, Idea.id == IdeaLink.idea_id).order_by(Idea.number))).all()
    assert [tuple(link) for link in links] == [(1, "case", "@lisa_b"), (13, "mention", "@jansen_petra")]


async def test_demo_accounts_can_sign_in(client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    accounts = await seed_demo(sessionmaker)
    for account in accounts:
        client.cookies.clear()
        await login(client, account.email, account.tenant or None, password=DEMO_PASSWORD)
    client.cookies.clear()
    wrong = await post_form(client, "/t/vitaal/login", {"email": "directie@vitaal.example", "password": "fout"})
    assert 400 <= wrong.status_code < 500
    assert "E-mailadres of wachtwoord is onjuist." in wrong.text
