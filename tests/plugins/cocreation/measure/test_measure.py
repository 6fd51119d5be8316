"""The cocreation plugin's measuring slice: the activation prerequisite (too early, targets missed, met, the regie
holder's override), each KPI on known data, the dashboard cards and digest lines, retention and erasure with the
counts kept true, and the demo seeding run twice."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation, PrerequisiteOverride
from core.activation.service import blocking
from core.audit.models import AuditEntry
from core.customers.models import Customer
from core.measurement.models import KpiSnapshot, Target
from core.plugins.context import hook_context
from core.plugins.info import ErasureSubject
from core.tenancy.models import Tenant
from core.tenancy.scope import tenant_scope
from plugins.cocreation.measure import figures, hooks
from plugins.cocreation.measure.activation import activation_check
from plugins.cocreation.models import (
    CocreationSettings,
    Comment,
    Flag,
    Follower,
    Idea,
    LoopMessage,
    StageChange,
    Vote,
)
from plugins.cocreation.settings import board_settings
from tests.plugins.cocreation.conftest import activate
from tests.support import TenantWorld, World, api_headers, login_as, post_form

TODAY = datetime.now(UTC).date()
DAY = date(2026, 3, 10)
"""A day in the past where the KPI tests put everything (whole UTC days)."""


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


async def _ctx_run(app: Any, sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, fn: Any,
                   lang: str = "en", commit: bool = False) -> Any:
    """Run `fn(ctx)` in `tw`'s scope with a hook context as the core builds it."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            tenant = await session.get(Tenant, tw.id)
            ctx = hook_context(session, tenant, lang, pm=app.state.pm)
            result = await fn(ctx)
            if commit:
                await session.commit()
            return result


async def _customers(session: AsyncSession, n: int) -> list[Customer]:
    rows = [Customer(email=f"c{k}@example.org", display_name=f"Customer {k}") for k in range(n)]
    session.add_all(rows)
    await session.flush()
    return rows


# --- activation -----------------------------------------------------------------------------------------------

async def _webcare_record(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, *, days_active: int,
                          target: float | None, measured: float = 10.0) -> None:
    """Webcare active for `days_active` days; with `target`, a target on `webcare.cases` for a period that ended
    last week, measured at `measured` cases a day over its 14 days."""
    first, last = TODAY - timedelta(days=21), TODAY - timedelta(days=8)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            session.add(PluginActivation(plugin="webcare", department_id=tw.departments["service"].id,
                                         status="active", activated_at=datetime.now(UTC) - timedelta(days=days_active),
                                         activated_in_phase="pilot"))
            if target is not None:
                session.add(Target(kpi="webcare.cases", period_start=first, period_end=last, value=target))
                session.add_all(KpiSnapshot(kpi="webcare.cases", day=first + timedelta(days=n), value=measured,
                                            measured_at=datetime.now(UTC)) for n in range(14))


async def test_activation_needs_another_function_active_long_enough(app, world: World, sessionmaker) -> None:
    reasons = await _ctx_run(app, sessionmaker, world.a, lambda ctx: activation_check(ctx, None))
    assert reasons == ["Co-creation needs another Groundswell function that has been active for at least 8 weeks "
                       "with its KPI targets met; no other function is active yet."]
    await _webcare_record(sessionmaker, world.a, days_active=20, target=100)
    reasons = await _ctx_run(app, sessionmaker, world.a, lambda ctx: activation_check(ctx, None), lang="nl")
    assert len(reasons) == 1 and "minstens 8 weken" in reasons[0] and "Webcare sinds 20 dagen" in reasons[0]


async def test_activation_refused_when_targets_were_missed_and_allowed_when_met(app, world: World,
                                                                                sessionmaker) -> None:
    await _webcare_record(sessionmaker, world.a, days_active=70, target=500)  # 14 x 10 = 140 < 500
    reasons = await _ctx_run(app, sessionmaker, world.a, lambda ctx: activation_check(ctx, None))
    assert len(reasons) == 1
    assert reasons[0].startswith("Webcare did not meet its KPI targets in the last measurement period")
    assert "Webcare cases" in reasons[0]
    await _webcare_record(sessionmaker, world.b, days_active=70, target=100)  # 140 >= 100: met
    assert await _ctx_run(app, sessionmaker, world.b, lambda ctx: activation_check(ctx, None)) == []


async def test_a_shorter_prerequisite_in_the_settings_counts(app, world: World, sessionmaker) -> None:
    await _webcare_record(sessionmaker, world.a, days_active=20, target=100)
    assert await _ctx_run(app, sessionmaker, world.a, lambda ctx: activation_check(ctx, None))
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            (await board_settings(session)).prerequisite_weeks = 2
    assert await _ctx_run(app, sessionmaker, world.a, lambda ctx: activation_check(ctx, None)) == []


async def test_the_regie_holder_overrides_and_withdraws_the_prerequisite(app, client, world: World,
                                                                         sessionmaker) -> None:
    async def own_blockers(ctx: Any) -> list[str]:
        tenant = await ctx.session.get(Tenant, world.a.id)
        found = await blocking(ctx.session, tenant, app.state.pm, "cocreation", None, "en")
        return [b.reason for b in found if b.own]

    assert await _ctx_run(app, sessionmaker, world.a, own_blockers)
    await login_as(client, world.a, "regie")
    assert 'action="/t/acme/plugins/cocreation/override"' in (await client.get("/t/acme/plugins/")).text
    short = await post_form(client, "/t/acme/plugins/cocreation/override", {"reason": "too short"})
    assert short.status_code == 422 and "Schrijf een reden van minstens 20 tekens." in short.text
    reason = "Development starts the idea board now to learn from the pilot group of the new app."
    done = await post_form(client, "/t/acme/plugins/cocreation/override", {"reason": reason})
    assert done.status_code in (200, 303), done.text[:400]
    assert await _ctx_run(app, sessionmaker, world.a, own_blockers) == []
    assert await _ctx_run(app, sessionmaker, world.b, own_blockers)  # only where it was overridden
    page = await client.get("/t/acme/plugins/")
    assert reason in page.text
    again = await post_form(client, "/t/acme/plugins/cocreation/override", {"reason": reason})
    assert again.status_code == 409
    withdrawn = await post_form(client, "/t/acme/plugins/cocreation/override/withdraw",
                                {"reason": "The pilot group was cancelled, so the usual rule applies again."})
    assert withdrawn.status_code in (200, 303)
    assert await _ctx_run(app, sessionmaker, world.a, own_blockers)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            actions = set((await session.scalars(select(AuditEntry.action))).all())
            overrides = (await session.scalars(select(PrerequisiteOverride))).all()
    assert {"plugin.prerequisite_overridden", "plugin.prerequisite_override_withdrawn"} <= actions
    assert len(overrides) == 1 and overrides[0].withdrawn_at is not None and overrides[0].failing


async def test_only_the_regie_holder_may_override(client, world: World, sessionmaker) -> None:
    await login_as(client, world.a, "marketer")
    assert 'action="/t/acme/plugins/cocreation/override"' not in (await client.get("/t/acme/plugins/")).text
    response = await post_form(client, "/t/acme/plugins/cocreation/override",
                               {"reason": "I would like to start the idea board right now, please."})
    assert response.status_code == 403
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(PrerequisiteOverride)) == 0


# --- KPIs -----------------------------------------------------------------------------------------------------

async def _known_data(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> None:
    """On DAY: four ideas (one rejected, two from social media or webcare), three voters, one commenter; first
    responses after 1, 2 and 4 hours; one idea adopted on DAY (another was adopted before), one loop message sent
    for a move to done. The day before and after hold rows that must not count."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            c = await _customers(session, 5)

            def idea(n: int, **values: Any) -> Idea:
                values.setdefault("created_at", at(DAY))
                values.setdefault("status", "published")
                return Idea(number=n, title=f"Idea {n}", **values)

            ideas = [
                idea(1, customer_id=c[0].id, published_at=at(DAY, 8), first_response_at=at(DAY, 9)),
                idea(2, customer_id=c[1].id, source="mention", published_at=at(DAY, 8),
                     first_response_at=at(DAY, 10)),
                idea(3, source="case", published_at=at(DAY, 8), first_response_at=at(DAY, 12)),
                idea(4, customer_id=c[2].id, status="rejected"),
                idea(5, customer_id=c[3].id, created_at=at(DAY - timedelta(days=1)),
                     published_at=at(DAY - timedelta(days=1)), first_response_at=at(DAY + timedelta(days=1))),
            ]
            session.add_all(ideas)
            await session.flush()
            session.add_all([
                Vote(idea_id=ideas[0].id, customer_id=c[0].id, created_at=at(DAY)),
                Vote(idea_id=ideas[0].id, customer_id=c[1].id, created_at=at(DAY, 13)),
                Vote(idea_id=ideas[1].id, customer_id=c[3].id, created_at=at(DAY, 14)),
                Vote(idea_id=ideas[4].id, customer_id=c[4].id, created_at=at(DAY + timedelta(days=1))),
                Comment(idea_id=ideas[0].id, customer_id=c[4].id, body="Yes", status="published",
                        created_at=at(DAY, 15)),
            ])
            before = StageChange(idea_id=ideas[4].id, from_key="new", to_key="planned", to_meaning="planned",
                                 created_at=at(DAY - timedelta(days=1)))
            session.add_all([
                before,
                StageChange(idea_id=ideas[4].id, from_key="planned", to_key="done", to_meaning="done",
                            created_at=at(DAY, 16)),
                StageChange(idea_id=ideas[0].id, from_key="new", to_key="planned", to_meaning="planned",
                            created_at=at(DAY, 9)),
                StageChange(idea_id=ideas[0].id, from_key="planned", to_key="in-development",
                            to_meaning="progress", created_at=at(DAY, 11)),
                StageChange(idea_id=ideas[1].id, from_key="new", to_key="declined", to_meaning="declined",
                            created_at=at(DAY, 10)),
            ])
            await session.flush()
            done = (await session.scalars(select(StageChange).where(StageChange.to_meaning == "done"))).one()
            session.add_all([
                LoopMessage(idea_id=ideas[4].id, stage_change_id=done.id, channel="email", recipient="x@example.org",
                            state="sent", sent_at=at(DAY, 17)),
                LoopMessage(idea_id=ideas[4].id, stage_change_id=done.id, channel="email", recipient="y@example.org",
                            state="failed"),
                LoopMessage(idea_id=ideas[4].id, stage_change_id=before.id, channel="email",
                            recipient="x@example.org", state="sent", sent_at=at(DAY, 17)),
            ])


async def test_each_kpi_on_known_data(app, world: World, sessionmaker) -> None:
    await activate(sessionmaker, world.a)
    await _known_data(sessionmaker, world.a)
    await _known_data(sessionmaker, world.b)  # another tenant's rows never count

    async def measured(ctx: Any) -> dict[str, float | None]:
        return {kpi.key: await hooks.measure(ctx, kpi.key, (DAY, DAY)) for kpi in hooks.KPIS}

    values = await _ctx_run(app, sessionmaker, world.a, measured)
    assert values == {
        "cocreation.ideas": 3.0, "cocreation.participants": 4.0, "cocreation.votes": 3.0,
        "cocreation.adopted": 1.0, "cocreation.first_response_median": 120.0, "cocreation.social_share": 66.7,
        "cocreation.told_shipped": 1.0,
    }
    # an even number of responses: the mean of the middle two (the idea of the day before answered a day later)
    two_days = await _ctx_run(app, sessionmaker, world.a, lambda ctx: hooks.measure(
        ctx, "cocreation.first_response_median", (DAY, DAY + timedelta(days=1))))
    assert two_days == 180.0
    nothing = {kpi.key: await _ctx_run(app, sessionmaker, world.a, lambda ctx, k=kpi.key: hooks.measure(
        ctx, k, (DAY - timedelta(days=30), DAY - timedelta(days=30)))) for kpi in hooks.KPIS}
    assert nothing["cocreation.ideas"] == 0.0 and nothing["cocreation.first_response_median"] is None
    assert nothing["cocreation.social_share"] is None
    declared = app.state.pm.kpis()
    assert {kpi.key for kpi in hooks.KPIS} <= set(declared)


# --- widgets and digest ---------------------------------------------------------------------------------------

async def test_widgets_and_digest(app, client, world: World, sessionmaker) -> None:
    await activate(sessionmaker, world.a)
    now = datetime.now(UTC)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            c = await _customers(session, 1)
            session.add_all([
                Idea(number=1, title="Pay with the app", status="published", vote_count=7, stage_key="planned",
                     customer_id=c[0].id, published_at=now - timedelta(days=30), created_at=now),
                Idea(number=2, title="Dark mode", status="published", vote_count=3, stage_key="new",
                     published_at=now - timedelta(days=30), created_at=now),
            ])
    cards = await _ctx_run(app, sessionmaker, world.a, hooks.widgets)
    assert [card.title for card in cards] == ["Idea board", "Top ideas"] and not cards[0].context["computed"]
    await _ctx_run(app, sessionmaker, world.a, lambda ctx: figures.store(ctx.session), commit=True)
    cards = await _ctx_run(app, sessionmaker, world.a, hooks.widgets, lang="nl")
    board, top = cards[0].context, cards[1].context
    assert board["ideas_month"] == 2 and ("gepland", 1) in board["per_stage"] and board["chart"] is not None
    assert [(i["title"], i["votes"], i["stage_name"]) for i in top["ideas"]] == [
        ("Pay with the app", 7, "gepland"), ("Dark mode", 3, "nieuw")]
    assert cards[0].as_of is not None
    await login_as(client, world.a, "regie")
    page = await client.get("/t/acme/dashboard/")
    assert page.status_code == 200
    assert "ideeën deze maand" in page.text and "Pay with the app" in page.text

    monday = now.date() - timedelta(days=now.weekday())
    lines = await _ctx_run(app, sessionmaker, world.a, lambda ctx: hooks.digest(ctx, monday,
                                                                              monday + timedelta(days=6)))
    assert lines[0].text == "Idea board this week: new ideas 2, votes 0, ideas adopted 0."
    assert lines[1].level == "alert" and lines[1].text.startswith("2 ideas have waited more than 14 days")
    async def sections_of(ctx: Any) -> list[Any]:
        return hooks.policy_sections(ctx)

    sections = await _ctx_run(app, sessionmaker, world.a, sections_of, lang="nl")
    assert sections[0].key == "cocreation_ideas" and sections[0].title == "Ideeën van klanten (cocreatie)"


# --- privacy --------------------------------------------------------------------------------------------------

async def _privacy_data(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[str, Any]:
    """Two ideas by customers, votes, follows, comments and flags, half of it old; a loop message to one."""
    old, new = datetime.now(UTC) - timedelta(days=400), datetime.now(UTC) - timedelta(days=2)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            await board_settings(session)
            c = await _customers(session, 3)
            first = Idea(number=1, title="Old idea", status="published", customer_id=c[0].id, author_name="Customer 0",
                         client_ip="192.0.2.1", created_at=old, vote_count=3, follower_count=2, comment_count=2,
                         flag_count=1)
            second = Idea(number=2, title="New idea", status="published", customer_id=c[1].id,
                          author_name="Customer 1", client_ip="192.0.2.2", created_at=new, vote_count=1,
                          follower_count=1)
            session.add_all([first, second])
            await session.flush()
            change = StageChange(idea_id=first.id, to_key="planned", to_meaning="planned", created_at=old)
            session.add(change)
            await session.flush()
            session.add_all([
                Vote(idea_id=first.id, customer_id=c[0].id, created_at=old),
                Vote(idea_id=first.id, customer_id=c[1].id, created_at=old),
                Vote(idea_id=first.id, customer_id=c[2].id, created_at=new),
                Vote(idea_id=second.id, customer_id=c[0].id, created_at=new),
                Follower(idea_id=first.id, customer_id=c[0].id), Follower(idea_id=first.id, customer_id=c[2].id),
                Follower(idea_id=second.id, customer_id=c[0].id),
                Comment(idea_id=first.id, customer_id=c[1].id, author_name="Customer 1", body="Old", status="published",
                        client_ip="192.0.2.3", created_at=old),
                Comment(idea_id=first.id, customer_id=c[0].id, author_name="Customer 0", body="New", status="published",
                        client_ip="192.0.2.4", created_at=new),
                Flag(target_kind="idea", target_id=first.id, customer_id=c[2].id, created_at=old),
                LoopMessage(idea_id=first.id, stage_change_id=change.id, channel="email", recipient="c0@example.org",
                            state="sent", sent_at=old, created_at=old),
            ])
            return {"first": first.id, "second": second.id}


async def _idea_counts(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[int, tuple]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return {i.number: (i.vote_count, i.follower_count, i.comment_count, i.flag_count, i.author_name,
                               i.client_ip)
                    for i in (await session.scalars(select(Idea))).all()}


async def test_retention_pseudonymises_then_deletes_with_counts_kept_true(app, world: World, sessionmaker) -> None:
    await _privacy_data(sessionmaker, world.a)
    cutoff = datetime.now(UTC) - timedelta(days=365)

    async def run(mode: str) -> Any:
        return lambda ctx: hooks.retention(ctx, cutoff, mode)

    counts = await _ctx_run(app, sessionmaker, world.a, await run("pseudonymise"), commit=True)
    assert counts == {"ideas_pseudonymised": 1, "loop_messages_pseudonymised": 1, "comments_pseudonymised": 1}
    assert (await _ctx_run(app, sessionmaker, world.a, await run("pseudonymise"), commit=True)) == {
        "ideas_pseudonymised": 0, "loop_messages_pseudonymised": 0, "comments_pseudonymised": 0}
    ideas = await _idea_counts(sessionmaker, world.a)
    assert ideas[1] == (3, 2, 2, 1, "", "") and ideas[2][4:] == ("Customer 1", "192.0.2.2")
    counts = await _ctx_run(app, sessionmaker, world.a, await run("delete"), commit=True)
    assert counts == {"ideas_pseudonymised": 0, "loop_messages_pseudonymised": 0, "flags_deleted": 1,
                      "comments_deleted": 1, "votes_deleted": 2}
    ideas = await _idea_counts(sessionmaker, world.a)
    assert ideas[1][:4] == (1, 2, 1, 0) and ideas[2][:4] == (1, 1, 0, 0)
    again = await _ctx_run(app, sessionmaker, world.a, await run("delete"), commit=True)
    assert set(again.values()) == {0}


async def test_erasure_of_a_customer(app, world: World, sessionmaker) -> None:
    ids = await _privacy_data(sessionmaker, world.a)
    await _privacy_data(sessionmaker, world.b)
    counts = await _ctx_run(app, sessionmaker, world.a, lambda ctx: hooks.erase_subject(
        ctx, ErasureSubject(kind="author", platform="email", handle="C0@example.org")), commit=True)
    assert counts == {"votes_deleted": 2, "follows_deleted": 2, "flags_deleted": 0, "comments_pseudonymised": 1,
                      "ideas_pseudonymised": 1, "loop_messages_pseudonymised": 1}
    ideas = await _idea_counts(sessionmaker, world.a)
    assert ideas[1][:3] == (2, 1, 2) and ideas[1][4:] == ("", "")
    assert ideas[2][:2] == (0, 0)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            first = await session.get(Idea, ids["first"])
            assert first.customer_id is None and first.title == "Old idea"
            message = (await session.scalars(select(LoopMessage))).one()
            assert message.recipient.startswith("erased-")
    assert (await _idea_counts(sessionmaker, world.b))[1] == (3, 2, 2, 1, "Customer 0", "192.0.2.1")
    assert await _ctx_run(app, sessionmaker, world.a, lambda ctx: hooks.erase_subject(
        ctx, ErasureSubject(kind="author", platform="email", handle="nobody@example.org"))) == {
        "loop_messages_pseudonymised": 0}


async def test_erasure_of_a_handle_on_any_platform_leaves_customers_alone(app, world: World, sessionmaker) -> None:
    """Only an author named by e-mail (platform "email") is a customer, as in the core's erasure: a handle that
    merely holds an "@" on any platform is a network handle."""
    await _privacy_data(sessionmaker, world.a)
    before = await _idea_counts(sessionmaker, world.a)
    counts = await _ctx_run(app, sessionmaker, world.a, lambda ctx: hooks.erase_subject(
        ctx, ErasureSubject(kind="author", platform="", handle="c0@example.org")), commit=True)
    assert "votes_deleted" not in counts and "ideas_pseudonymised" not in counts
    assert await _idea_counts(sessionmaker, world.a) == before
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            assert (await session.scalars(select(LoopMessage))).one().recipient == "c0@example.org"
            assert await session.scalar(select(func.count()).select_from(Vote)) == 4


# --- demo -----------------------------------------------------------------------------------------------------

async def test_demo_seeding_twice_adds_nothing(app, world: World, sessionmaker) -> None:
    await activate(sessionmaker, world.a)
    first = await _ctx_run(app, sessionmaker, world.a, hooks.seed_demo, lang="nl", commit=True)
    assert {kpi.key for kpi in first} <= set(app.state.pm.kpis())

    async def totals() -> tuple[int, ...]:
        with tenant_scope(world.a.id):
            async with sessionmaker() as session:
                return tuple([await session.scalar(select(func.count()).select_from(model))
                              for model in (Idea, Vote, Comment, StageChange, LoopMessage, Customer)])

    once = await totals()
    assert once[0] == 20 and all(once)
    await _ctx_run(app, sessionmaker, world.a, hooks.seed_demo, lang="nl", commit=True)
    assert await totals() == once
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            settings = await session.scalar(select(CocreationSettings))
            assert settings.idea_counter == 20 and settings.figures["top"]
            wrong = await session.scalar(select(func.count()).select_from(Idea).where(
                Idea.vote_count != select(func.count()).select_from(Vote).where(Vote.idea_id == Idea.id)
                .scalar_subquery()))
            assert wrong == 0


# --- navigation -----------------------------------------------------------------------------------------------

async def test_navigation_links_to_pages_that_answer(client, world: World, sessionmaker) -> None:
    await activate(sessionmaker, world.a)
    await login_as(client, world.a, "regie")
    page = await client.get("/t/acme/p/cocreation/board/")
    assert page.status_code == 200
    hrefs = [h for h in re.findall(r'href="(/t/acme/p/cocreation/[^"]*)"', page.text)]
    nav = [f"/t/acme/p/cocreation/{p}/" for p in ("board", "triage", "moderation", "loop", "campaigns", "settings")]
    assert set(nav) <= set(hrefs)
    for href in nav:
        assert (await client.get(href)).status_code == 200, href


async def test_a_viewer_sees_only_the_board_in_the_navigation(app, world: World, sessionmaker) -> None:
    await activate(sessionmaker, world.a)

    async def entries(ctx: Any) -> list[str]:
        ctx.roles = frozenset({"viewer"})
        return [entry.href for entry in hooks.nav(ctx)]

    assert await _ctx_run(app, sessionmaker, world.a, entries) == ["/t/acme/p/cocreation/board/"]


async def test_the_override_through_the_api(client, world: World, sessionmaker) -> None:
    headers = await api_headers(sessionmaker, world.a, "regie")
    base = "/api/v1/t/acme/plugins/cocreation/override"
    short = await client.post(f"{base}?lang=en", json={"reason": "short"}, headers=headers)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "reason"
    reason = "The pilot group of the new app starts next week; development wants to hear them."
    made = await client.post(base, json={"reason": reason}, headers=headers)
    assert made.status_code == 201 and made.json()["reason"] == reason and made.json()["failing"]
    listed = {p["name"]: p for p in (await client.get("/api/v1/t/acme/plugins?lang=en", headers=headers)).json()}
    assert listed["cocreation"]["prerequisite_override"] == reason
    assert not any("Groundswell" in b for b in listed["cocreation"]["blockers"])
    marketer = await api_headers(sessionmaker, world.a, "marketer")
    refused = await client.post(f"{base}/withdraw", json={"reason": "Not mine to decide, but I try anyway."},
                                headers=marketer)
    assert refused.status_code == 403
    gone = await client.post(f"{base}/withdraw", json={"reason": "The pilot group was cancelled after all."},
                             headers=headers)
    assert gone.status_code == 200 and gone.json()["withdrawn_at"]
    again = await client.post(f"{base}/withdraw", json={"reason": "The pilot group was cancelled after all."},
                              headers=headers)
    assert again.status_code == 409
