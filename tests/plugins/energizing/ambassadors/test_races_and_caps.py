"""Writes that meet at the same moment give a clean answer (inviting one address twice, editing the consent text
twice, a double opt-out click, a stock change beside a redemption), repeatable missions pay a capped number of
rounds, and the overview widget reads the figures a job stored."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.plugins.api import HookContext, Refused, utcnow
from core.tenancy.scope import tenant_scope
from plugins.energizing.ambassadors import figures, hooks, jobs, missions, rewards, service, tokens
from plugins.energizing.ambassadors.models import AmbassadorToken, Completion, ConsentText, Mission, Reward
from plugins.energizing.models import Ambassador
from tests.plugins.energizing.ambassadors.conftest import OPTOUT, activate_person, invite, mails_to, rows
from tests.support import TenantWorld, World, login_as, post_form

STAFF = "/t/acme/p/energizing/"


async def _audits(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, action: str) -> int:
    return len(await rows(sessionmaker, tw, AuditEntry, AuditEntry.action == action))


# -- inviting the same address twice at once ----------------------------------------------------------------------

async def test_an_address_invited_by_two_requests_at_once_is_one_person(
        en: World, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    """The other request inserts the person between this one's look-up and its insert: no IntegrityError, the
    person the other request made comes back."""
    original = service.current_consent

    async def other_request_first(session: AsyncSession, **kwargs: Any) -> Any:
        await session.execute(insert(Ambassador).values(
            tenant_id=en.a.id, email="rita@example.nl", name="Rita", source="manual", source_ref="", kind="customer",
            handle="", state="invited", invited_at=utcnow(), referral_code="RACE2345", tier="", points=0,
            points_earned=0, notes="", on_leaderboard=False))
        return await original(session, **kwargs)

    monkeypatch.setattr(service, "current_consent", other_request_first)
    person = await invite(sessionmaker, en.a, "rita@example.nl", "Rita")
    assert person.referral_code == "RACE2345"
    [stored] = await rows(sessionmaker, en.a, Ambassador)
    assert stored.id == person.id


@pytest.mark.postgresql_only
async def test_two_invitations_of_one_address_at_once(en: World,
                                                      sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    people = await asyncio.gather(invite(sessionmaker, en.a, "sem@example.nl", "Sem"),
                                  invite(sessionmaker, en.a, "sem@example.nl", "Sem"))
    assert people[0].id == people[1].id
    assert len(await rows(sessionmaker, en.a, Ambassador)) == 1


# -- two consent-text edits at once ------------------------------------------------------------------------------

async def test_a_consent_edit_beside_another_gives_a_clean_answer(
        en: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another edit writes the next version between this one's read and its insert: 409 with the reason, not a
    500; the same text written by both is simply the new version."""
    await invite(sessionmaker, en.a, "tom@example.nl", "Tom")  # version 1
    original = service.consent_version
    competing = {"body": "Tekst van een collega"}

    async def other_edit_first(session: AsyncSession, version: int | None) -> Any:
        found = await original(session, version)
        if competing:
            await session.execute(insert(ConsentText).values(tenant_id=en.a.id, version=(version or 0) + 1,
                                                             body=competing.pop("body")))
        return found

    monkeypatch.setattr(service, "consent_version", other_edit_first)
    await login_as(client, en.a, "regie")
    response = await post_form(client, f"{STAFF}ambassadors/settings/consent", {"body": "Mijn eigen versie"})
    assert response.status_code == 409 and "op hetzelfde moment" in response.text
    assert "Mijn eigen versie" not in [t.body for t in await rows(sessionmaker, en.a, ConsentText)]
    competing["body"] = "Dezelfde tekst"
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            text = await service.edit_consent(session, "admin", {"body": "Dezelfde tekst"})
    assert text.body == "Dezelfde tekst"


@pytest.mark.postgresql_only
async def test_two_consent_edits_at_once(en: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await invite(sessionmaker, en.a, "uma@example.nl", "Uma")

    async def edit(body: str) -> str:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                try:
                    await service.edit_consent(session, "admin", {"body": body})
                except Refused:
                    return "refused"
                return "saved"

    outcomes = await asyncio.gather(edit("Versie A"), edit("Versie B"))
    versions = [t.version for t in await rows(sessionmaker, en.a, ConsentText)]
    assert len(versions) == len(set(versions)) == 1 + outcomes.count("saved")


# -- opt-out by a link used twice ----------------------------------------------------------------------------------

async def test_an_opt_out_link_used_by_another_click_first_is_refused(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The link was used up between this click's look-up and its own use: refused, one audit entry."""
    await activate_person(client, app, sessionmaker, en.a, "vera@example.nl", "Vera")
    token = OPTOUT.search((await mails_to(app, "vera@example.nl"))[0]["text"]).group(1)
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            assert await tokens.open_token(session, token, "optout") is not None  # this click read the link …
            await session.execute(update(AmbassadorToken).where(AmbassadorToken.token_digest == tokens.digest(token))
                                  .values(used_at=utcnow()).execution_options(synchronize_session=False))
            with pytest.raises(Refused):  # … the other click used it up first
                await service.opt_out_by_link(session, token)
    [person] = await rows(sessionmaker, en.a, Ambassador)
    assert person.state == "active"
    assert await _audits(sessionmaker, en.a, "energizing.ambassador_opted_out") == 0


async def test_a_double_opt_out_records_one_entry(en: World, client: Any, app: Any,
                                                  sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await activate_person(client, app, sessionmaker, en.a, "wim@example.nl", "Wim")
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            stale = await session.get(Ambassador, person.id)
            await session.execute(update(Ambassador).where(Ambassador.id == person.id)
                                  .values(state="opted_out", opted_out_at=utcnow())
                                  .execution_options(synchronize_session=False))
            assert await service.opt_out(session, stale) is False  # it read "active" before the other one wrote
    assert await _audits(sessionmaker, en.a, "energizing.ambassador_opted_out") == 0


@pytest.mark.postgresql_only
async def test_two_opt_out_clicks_at_once(en: World, client: Any, app: Any,
                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await activate_person(client, app, sessionmaker, en.a, "xander@example.nl", "Xander")
    token = OPTOUT.search((await mails_to(app, "xander@example.nl"))[0]["text"]).group(1)

    async def click() -> str:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                try:
                    await service.opt_out_by_link(session, token)
                except Refused:
                    return "refused"
                return "out"

    assert sorted(await asyncio.gather(click(), click())) == ["out", "refused"]
    assert await _audits(sessionmaker, en.a, "energizing.ambassador_opted_out") == 1


# -- stock beside a redemption -------------------------------------------------------------------------------------

async def test_the_stock_cannot_go_below_what_a_redemption_just_held(
        en: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            reward = await rewards.save(session, "admin", {"name": "Mok", "cost": "10", "stock": "1"})
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            stale = await session.get(Reward, reward.id)  # the form read reserved 0 …
            await session.execute(update(Reward).where(Reward.id == reward.id).values(reserved=1)
                                  .execution_options(synchronize_session=False))  # … a redemption held the piece
            with pytest.raises(Refused) as refused:
                await rewards.save(session, "admin", {"name": "Mok", "cost": "10", "stock": "0"}, stale)
            assert "stock" in refused.value.errors
    [stored] = await rows(sessionmaker, en.a, Reward)
    assert stored.stock == 1 and stored.reserved == 1


# -- repeatable missions ------------------------------------------------------------------------------------------

async def test_a_repeatable_mission_pays_once_a_day_and_a_limited_number_of_rounds(
        en: World, client: Any, app: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    person = await activate_person(client, app, sessionmaker, en.a, "yara@example.nl", "Yara")
    today = date.today()
    with tenant_scope(en.a.id):
        async with sessionmaker() as session, session.begin():
            mission = await missions.save(session, "admin", {
                "title": "Vertel het ons", "kind": "feedback", "points": "10", "repeatable": "1",
                "starts_on": str(today - timedelta(days=1)), "ends_on": str(today + timedelta(days=30))})

    async def attempt() -> str:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                me = await session.get(Ambassador, person.id)
                found = await session.get(Mission, mission.id)
                try:
                    await missions.complete(session, me, found, {"feedback": "Goed"}, base_url="http://x")
                except Refused as exc:
                    return exc.errors["mission"].msgid
                return "paid"

    async def a_day_later() -> None:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                for done in (await session.scalars(select(Completion))).all():
                    done.completed_at -= timedelta(days=1)

    assert await attempt() == "paid"
    assert "tomorrow" in await attempt()
    for _ in range(missions.REPEAT_LIMIT - 1):
        await a_day_later()
        assert await attempt() == "paid"
    await a_day_later()
    assert "as often as it pays" in await attempt()
    [me] = await rows(sessionmaker, en.a, Ambassador)
    assert me.points == 10 * missions.REPEAT_LIMIT
    assert len(await rows(sessionmaker, en.a, Completion)) == missions.REPEAT_LIMIT


# -- the widget ---------------------------------------------------------------------------------------------------

async def test_the_widget_reads_the_figures_the_job_stored(en: World, client: Any, app: Any,
                                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async def widget() -> Any:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                [shown] = await hooks.widgets(HookContext(tenant_id=en.a.id, tenant_slug=en.a.slug, session=session))
                return shown.context

    async def run_job() -> None:
        with tenant_scope(en.a.id):
            async with sessionmaker() as session, session.begin():
                await jobs.store_figures(type("Ctx", (), {"session": session})())

    await activate_person(client, app, sessionmaker, en.a, "zoe@example.nl", "Zoë")
    assert (await widget())["active"] is None  # nothing stored yet: the widget counts nothing itself
    await run_job()
    await run_job()  # idempotent: one row
    assert (await widget())["active"] == 1 and (await widget())["completed"] == 0
    await activate_person(client, app, sessionmaker, en.a, "ad@example.nl", "Ad")
    assert (await widget())["active"] == 1  # until the job runs again
    await run_job()
    assert (await widget())["active"] == 2
    with tenant_scope(en.a.id):
        async with sessionmaker() as session:
            assert len((await session.scalars(select(figures.ProgrammeFigures))).all()) == 1
