"""Erasure, retention, KPIs, the widget figures and the demo of the programme; redemptions at the same moment
never take the stock below zero (PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.plugins.api import ErasureSubject, HookContext, Refused, utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.ambassadors import figures, hooks, missions, rewards
from plugins.energizing.ambassadors.models import AmbassadorToken, Completion, Mission, Redemption, Reward
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.ambassadors.conftest import activate_person, invite, rows
from tests.support import TenantWorld, World


async def _hook(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, fn: Any, *args: Any) -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            return await fn(HookContext(tenant_id=tw.id, tenant_slug=tw.slug, session=session), *args)


async def _feedback_done(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, person: Ambassador,
                         points: int = 40) -> Mission:
    today = date.today()
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            mission = await missions.save(session, "admin", {
                "title": "Vertel het ons", "kind": "feedback", "points": str(points),
                "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=1))})
            me = await session.get(Ambassador, person.id)
            await missions.complete(session, me, mission, {"feedback": "Privé-opmerking"}, base_url="http://x")
    return mission


async def test_erasure_pseudonymises_and_keeps_the_counts(en: World, client: Any, app: Any,
                                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await activate_person(client, app, sessionmaker, en.a, "kim@example.nl", "Kim")
    await _feedback_done(sessionmaker, en.a, person)
    period = (date.today(), date.today())
    before = await _hook(sessionmaker, en.a, hooks.measure, "energizing.missions_completed", period)
    counts = await _hook(sessionmaker, en.a, hooks.erase_subject,
                         ErasureSubject(kind="author", platform="email", handle="Kim@example.nl"))
    assert counts["ambassadors_pseudonymised"] == 1 and counts["ambassador_links"] >= 2
    assert counts["mission_completions_cleared"] == 1
    [gone] = await rows(sessionmaker, en.a, Ambassador)
    assert gone.state == "erased" and gone.name == "—" and "kim" not in gone.email
    [completion] = await rows(sessionmaker, en.a, Completion)
    assert completion.feedback == "" and completion.points == 40
    assert await rows(sessionmaker, en.a, AmbassadorToken) == []
    assert await _hook(sessionmaker, en.a, hooks.measure, "energizing.missions_completed", period) == before == 1.0
    # a second request finds nobody; another tenant's person of that address is untouched
    assert await _hook(sessionmaker, en.a, hooks.erase_subject,
                       ErasureSubject(kind="author", platform="email", handle="kim@example.nl")) == {}
    other = await invite(sessionmaker, en.b, "kim@example.nl", "Kim B")
    assert (await rows(sessionmaker, en.b, Ambassador))[0].name == other.name


async def test_retention_forgets_who_never_consented(en: World, client: Any, app: Any,
                                                     sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await invite(sessionmaker, en.a, "lars@example.nl", "Lars")
    await activate_person(client, app, sessionmaker, en.a, "mila@example.nl", "Mila")
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(Ambassador).values(invited_at=utcnow() - timedelta(days=400)))
            await session.execute(update(AmbassadorToken).values(created_at=utcnow() - timedelta(days=400),
                                                                 expires_at=utcnow() - timedelta(days=1)))
    cutoff = utcnow() - timedelta(days=365)
    counts = await _hook(sessionmaker, en.a, hooks.retention, cutoff, "pseudonymise")
    assert counts["ambassadors_never_consented"] == 1 and counts["ambassador_links"] >= 1
    assert [p.name for p in await rows(sessionmaker, en.a, Ambassador)] == ["Mila"]
    assert await _hook(sessionmaker, en.a, hooks.retention, cutoff, "pseudonymise") == {}


async def test_kpis_widget_and_rejected_completions(en: World, client: Any, app: Any,
                                                    sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await activate_person(client, app, sessionmaker, en.a, "nina@example.nl", "Nina")
    await invite(sessionmaker, en.a, "otto@example.nl", "Otto")
    await _feedback_done(sessionmaker, en.a, person)
    period = (date.today() - timedelta(days=7), date.today())
    assert await _hook(sessionmaker, en.a, hooks.measure, "energizing.active_ambassadors", period) == 1.0
    assert await _hook(sessionmaker, en.a, hooks.measure, "energizing.shares", period) == 0.0
    assert await _hook(sessionmaker, en.a, hooks.measure, "energizing.clicks", period) == 0.0
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            await figures.store(session)
    [widget] = await _hook(sessionmaker, en.a, hooks.widgets)
    assert widget.context["active"] == 1 and widget.context["completed"] == 1
    assert await _hook(sessionmaker, en.b, hooks.measure, "energizing.active_ambassadors", period) == 0.0
    [line] = await _hook(sessionmaker, en.a, hooks.digest, *period)
    assert "1" in line.text


async def test_demo_is_idempotent(en: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    kpis = await _hook(sessionmaker, en.a, hooks.seed_demo)
    assert {k.key for k in kpis} == {"energizing.active_ambassadors", "energizing.missions_completed"}
    people = await rows(sessionmaker, en.a, Ambassador)
    assert len(people) == 12 and sum(p.source == "nps" for p in people) == 6
    assert {p.tier for p in people if p.points_earned >= 30} <= {"Brons", "Zilver", "Goud"}
    assert len(await rows(sessionmaker, en.a, Mission)) == 3 and len(await rows(sessionmaker, en.a, Redemption)) == 1
    await _hook(sessionmaker, en.a, hooks.seed_demo)
    assert len(await rows(sessionmaker, en.a, Ambassador)) == 12
    assert len(await rows(sessionmaker, en.a, Completion)) == 19


@pytest.mark.postgresql_only
async def test_the_last_reward_goes_to_one_of_two_at_once(en: World, client: Any, app: Any,
                                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    first = await activate_person(client, app, sessionmaker, en.a, "piet@example.nl", "Piet")
    second = await activate_person(client, app, sessionmaker, en.a, "quinn@example.nl", "Quinn")
    for person in (first, second):
        await _feedback_done(sessionmaker, en.a, person, points=50)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            reward = await rewards.save(session, "admin", {"name": "Laatste mok", "cost": "30", "stock": "1"})

    async def redeem(person: Ambassador) -> str:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                me = await session.get(Ambassador, person.id)
                try:
                    await rewards.redeem(session, me, reward.id)
                except Refused:
                    return "refused"
                return "redeemed"

    outcomes = await asyncio.gather(redeem(first), redeem(second))
    assert sorted(outcomes) == ["redeemed", "refused"]
    [stored] = await rows(sessionmaker, en.a, Reward)
    assert stored.reserved == 1 and stored.stock == 1
    assert sorted(p.points for p in await rows(sessionmaker, en.a, Ambassador)) == [20, 50]
