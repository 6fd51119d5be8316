"""The webcare settings page: defaults shown with the week's summary, a successful save (audited, the clock
follows), bad input (time zone, hours, SLA order, numbers) re-rendered with the field's reason (422) and nothing
changed, holidays added and removed, and who may configure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.webcare.models import DEFAULT_SLA, PRIORITIES, Case, Holiday, WebcareConfig
from plugins.webcare.sla import service
from tests.plugins.webcare.test_sla_clock import activate_webcare
from tests.support import TenantWorld, World, login_as, post_form


@pytest.fixture
async def sla_wc(world: World, sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    await activate_webcare(sessionmaker, world.a)
    return world


def url(tw: TenantWorld, rest: str = "") -> str:
    return f"/t/{tw.slug}/p/webcare/settings/{rest}"


def good(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"timezone": "Europe/London", "warn_before_minutes": "20", "join_window_hours": "48",
                            "auto_assign": "1", "hours_0": "08:00-12:00, 13:00-17:00", "hours_1": "09:00-17:00",
                            "hours_2": "09:00-17:00", "hours_3": "09:00-17:00", "hours_4": "09:00-15:00",
                            "hours_5": "", "hours_6": ""}
    for priority in PRIORITIES:
        data[f"sla_{priority}_first_response"] = str(DEFAULT_SLA[priority]["first_response"])
        data[f"sla_{priority}_resolution"] = str(DEFAULT_SLA[priority]["resolution"])
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


async def config(sessionmaker, tw: TenantWorld) -> WebcareConfig | None:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await session.scalar(select(WebcareConfig))


async def audits(sessionmaker, tw: TenantWorld, prefix: str) -> list[AuditEntry]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(AuditEntry).where(AuditEntry.action.startswith(prefix))
                                               .order_by(AuditEntry.created_at))).all())


async def test_settings_page_shows_defaults_and_saves(client, sla_wc: World, sessionmaker) -> None:
    a = sla_wc.a
    await login_as(client, a, "regie")
    shown = await client.get(url(a))
    assert shown.status_code == 200, shown.text[:300]
    assert "Openingstijden deze week" in shown.text and "Europe/Amsterdam" in shown.text
    assert 'value="09:00-17:00"' in shown.text and "40 h 00 min" in shown.text  # 5 × 8 h
    assert 'name="sla_urgent_first_response"' in shown.text and 'value="30"' in shown.text

    saved = await post_form(client, url(a), good(), follow_redirects=False)
    assert saved.status_code == 303, saved.text[:500]
    row = await config(sessionmaker, a)
    assert row is not None and row.timezone == "Europe/London" and row.warn_before_minutes == 20
    assert row.business_hours["0"] == [["08:00", "12:00"], ["13:00", "17:00"]] and row.business_hours["5"] == []
    assert row.join_window_hours == 48 and row.auto_assign is True and row.sla == DEFAULT_SLA
    [entry] = await audits(sessionmaker, a, "webcare.settings")
    assert "timezone" in entry.summary and entry.data["after"]["timezone"] == "Europe/London"
    page = await client.get(saved.headers["location"])
    assert "Instellingen opgeslagen." in page.text and "38 h 00 min" in page.text  # 8+8+8+8+6

    # unticking auto-assign saves False; an unchanged save records nothing new
    await post_form(client, url(a), good(auto_assign=None))
    assert (await config(sessionmaker, a)).auto_assign is False
    await post_form(client, url(a), good(auto_assign=None))
    assert len(await audits(sessionmaker, a, "webcare.settings")) == 2


@pytest.mark.parametrize("changes, field, reason", [
    ({"timezone": "Mars/Olympus"}, "timezone", "Onbekende tijdzone"),
    ({"hours_0": "09:00-13:00, 12:00-17:00"}, "hours_0",
     "Tijdvakken van één dag overlappen: 09:00–13:00 en 12:00–17:00"),
    ({"hours_2": "9-17"}, "hours_2", "Schrijf tijden als UU:MM"),
    ({"hours_3": "17:00-09:00"}, "hours_3", "moet beginnen voordat het eindigt"),
    ({f"hours_{d}": "" for d in range(7)}, "hours_0", "Open minstens één tijdvak in de week."),
    ({"sla_high_first_response": "600", "sla_high_resolution": "480"}, "sla_high_first_response",
     "De eerste reactie mag niet langer duren dan de oplossing."),
    ({"sla_low_resolution": "0"}, "sla_low_resolution", "Vul een getal in van 1 tot en met"),
    ({"warn_before_minutes": "soon"}, "warn_before_minutes", "Vul een geheel getal in."),
])
async def test_bad_settings_are_refused_and_nothing_changes(client, sla_wc: World, sessionmaker,
                                                            changes: dict[str, Any], field: str, reason: str) -> None:
    a = sla_wc.a
    await login_as(client, a, "regie")
    response = await post_form(client, url(a), good(**changes))
    assert response.status_code == 422
    error = response.text.split(f'id="e-{field}"', 1)
    assert len(error) == 2 and reason in error[1].split("</small>", 1)[0]  # the reason, next to its field
    for name, value in changes.items():
        if value:
            assert f'name="{name}"' in response.text and f'value="{value}"' in response.text  # shown again
    row = await config(sessionmaker, a)
    assert row is None or (row.timezone == "Europe/Amsterdam" and row.warn_before_minutes == 15
                           and row.business_hours["0"] == [["09:00", "17:00"]])
    assert await audits(sessionmaker, a, "webcare.settings") == []


async def test_holidays_added_refused_and_removed(client, sla_wc: World, sessionmaker) -> None:
    a = sla_wc.a
    await login_as(client, a, "agent")  # the owning department (service) configures too
    added = await post_form(client, url(a, "holidays"), {"day": "2026-04-27", "name": "Koningsdag"},
                            follow_redirects=False)
    assert added.status_code == 303, added.text[:300]
    twice = await post_form(client, url(a, "holidays"), {"day": "2026-04-27", "name": "Nog eens"})
    assert twice.status_code == 422 and "Deze dag is al een feestdag." in twice.text
    bad = await post_form(client, url(a, "holidays"), {"day": "27 april", "name": "X"})
    assert bad.status_code == 422 and 'id="e-day"' in bad.text and 'value="27 april"' in bad.text
    with tenant_scope(a.id):
        async with sessionmaker() as session:
            [holiday] = (await session.scalars(select(Holiday))).all()
            assert holiday.name == "Koningsdag"
            clock = await service.clock_of(session)
    assert clock.holidays == {holiday.day}
    page = await client.get(url(a))
    assert "maandag 27 april 2026" in page.text and "Koningsdag" in page.text  # the date as Dutch writes it
    removed = await post_form(client, url(a, f"holidays/{holiday.id}/delete"), {}, follow_redirects=False)
    assert removed.status_code == 303
    with tenant_scope(a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Holiday)) == 0
            assert (await service.clock_of(session)).holidays == frozenset()  # the cached clock was renewed
    assert [e.action for e in await audits(sessionmaker, a, "webcare.holiday")] == [
        "webcare.holiday.added", "webcare.holiday.removed"]


async def test_who_may_configure(client, sla_wc: World, sessionmaker) -> None:
    a = sla_wc.a
    await login_as(client, a, "viewer")
    assert (await client.get(url(a))).status_code == 403
    assert (await post_form(client, url(a), good())).status_code == 403
    client.cookies.clear()
    await login_as(client, a, "marketer")  # a member of another department
    assert (await post_form(client, url(a), good())).status_code == 403
    assert await config(sessionmaker, a) is None or (await config(sessionmaker, a)).timezone == "Europe/Amsterdam"
    client.cookies.clear()
    await login_as(client, sla_wc.b, "admin")  # webcare is not active in b
    assert (await client.get(url(sla_wc.b))).status_code == 404


async def test_changed_sla_moves_open_deadlines(app, client, sla_wc: World, sessionmaker) -> None:
    a = sla_wc.a
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Amsterdam
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            for number, status in ((1, "open"), (2, "closed")):
                case = Case(number=number, priority="urgent", status=status, opened_at=opened,
                            last_message_at=opened)
                session.add(case)
                await service.refresh_deadlines(session, case, opened)
    await login_as(client, a, "regie")
    saved = await post_form(client, url(a), good(timezone="Europe/Amsterdam", sla_urgent_first_response="90"),
                            follow_redirects=False)
    assert saved.status_code == 303
    assert await run_named_job(app, "webcare.refresh_deadlines", a.id, now=opened.isoformat()) == 1
    with tenant_scope(a.id):
        async with sessionmaker() as session:
            due = {c.number: c.first_response_due for c in (await session.scalars(select(Case))).all()}
    assert due[1] == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)  # 90 business minutes after 10:00 local
    assert due[2] == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # closed cases keep their history
