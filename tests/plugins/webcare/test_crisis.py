"""Crisis mode: on and off by whoever configures webcare, one at a time, a banner on every page while on, the
timeline, holding statements, and the frozen report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.audit.models import AuditEntry
from core.notifications.models import Notification
from core.plugins.api import hookimpl
from core.tenancy.scope import tenant_scope
from plugins.webcare.crisis import service
from plugins.webcare.models import CannedResponse, Case, Crisis, CrisisEntry, Reply, WebcareConfig
from tests.support import TenantWorld, World, login_as, post_form

WEB = "/t/acme/p/webcare/crisis/"
EVENTS: list[Any] = []


class Listener:
    """Hears the domain events crisis mode announces."""

    @hookimpl
    def regie_events(self, ctx: Any, events: list[Any]) -> None:
        EVENTS.extend((ctx.tenant_slug, event.name, dict(event.payload)) for event in events)


@pytest.fixture
def listener(app: Any) -> Iterator[None]:
    EVENTS.clear()
    shim = Listener()
    app.state.pm.register(shim)
    yield
    app.state.pm.unregister(shim)


async def rows(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, model: Any) -> list[Any]:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return list((await session.scalars(select(model).order_by(model.created_at))).all())


def banner(html: str) -> bool:
    return 'class="banner banner-crisis"' in html and "Crisismodus: elk antwoord moet worden goedgekeurd" in html


async def seed_activity(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, started: datetime) -> None:
    """Cases and replies during the crisis (and one case before it)."""
    now = datetime.now(UTC)
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            opened = [("urgent", now - timedelta(minutes=30)), ("urgent", now - timedelta(minutes=20)),
                      ("normal", now - timedelta(minutes=10)), ("high", started - timedelta(hours=2))]
            cases = []
            for n, (priority, at) in enumerate(opened, start=1):
                case = Case(number=n, priority=priority, opened_at=at, last_message_at=at)
                session.add(case)
                cases.append(case)
            await session.flush()
            replies = [  # (status, approval reason, created minutes ago, decided minutes ago)
                ("sent", "crisis", 20, 14), ("sent", "crisis", 30, 20), ("rejected", "crisis", 25, 5),
                ("pending_approval", "crisis", 3, None), ("sent", "", 15, None)]
            for status, why, made, decided in replies:
                session.add(Reply(case_id=cases[0].id, body="b", status=status, approval_reason=why,
                                  created_at=now - timedelta(minutes=made),
                                  decided_at=now - timedelta(minutes=decided) if decided is not None else None))
            session.add(Reply(case_id=cases[0].id, body="old", status="sent", created_at=started - timedelta(hours=1)))


async def test_switch_on_banner_timeline_off_and_report(wc: World, client: Any, listener: None,
                                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, wc.a, "regie")
    response = await client.get(WEB)
    assert response.status_code == 200 and "Crisismodus aanzetten" in response.text and not banner(response.text)
    # bad input: nothing starts
    response = await post_form(client, f"{WEB}start", {"title": "", "reason": "x"})
    assert response.status_code == 422 and "Dit veld is verplicht" in response.text
    assert await rows(sessionmaker, wc.a, Crisis) == []

    response = await post_form(client, f"{WEB}start", {"title": "Storing in Utrecht",
                                                       "reason": "Landelijke storing, veel vragen"},
                               follow_redirects=False)
    assert response.status_code == 303
    [crisis] = await rows(sessionmaker, wc.a, Crisis)
    assert (crisis.title, crisis.reason, crisis.ended_at, crisis.started_by_id) == \
        ("Storing in Utrecht", "Landelijke storing, veel vragen", None, wc.a.users["regie"].id)
    [entry] = await rows(sessionmaker, wc.a, CrisisEntry)
    assert (entry.kind, entry.text) == ("started", "Landelijke storing, veel vragen")
    audit = [a.action for a in await rows(sessionmaker, wc.a, AuditEntry)]
    assert "webcare.crisis_started" in audit
    notes = await rows(sessionmaker, wc.a, Notification)
    told = {n.user_id for n in notes if n.kind == "webcare.crisis_started"}
    assert told == {wc.a.users[w].id for w in ("regie", "marketer", "agent", "member")}
    assert {n.title for n in notes} == {"Crisismodus staat aan: Storing in Utrecht"}
    assert [(slug, name, p["title"]) for slug, name, p in EVENTS] == \
        [("acme", "crisis.started", "Storing in Utrecht")]

    # one at a time
    response = await post_form(client, f"{WEB}start", {"title": "Nog een", "reason": "x"})
    assert response.status_code == 409 and "Crisismodus staat al aan." in response.text
    assert len(await rows(sessionmaker, wc.a, Crisis)) == 1

    # the banner shows on core pages for everyone of the tenant, not in the other tenant
    client.cookies.clear()
    await login_as(client, wc.a, "member")
    response = await client.get("/t/acme/policy/")
    assert response.status_code == 200 and banner(response.text)
    assert '<a href="/t/acme/p/webcare/crisis/">' in response.text
    client.cookies.clear()
    await login_as(client, wc.b, "member")
    assert not banner((await client.get("/t/globex/")).text)

    # a note on the timeline (plugin.work), and an entry from another slice
    client.cookies.clear()
    await login_as(client, wc.a, "agent")
    assert (await post_form(client, f"{WEB}notes", {"text": "Statement op de site gezet"},
                            follow_redirects=False)).status_code == 303
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            assert (await service.add_entry(session, "approval", "Antwoord op #1 goedgekeurd")).kind == "approval"
            await session.execute(update(Crisis).values(started_at=datetime.now(UTC) - timedelta(hours=1)))
    started = datetime.now(UTC) - timedelta(hours=1)
    await seed_activity(sessionmaker, wc.a, started)
    page = (await client.get(WEB)).text
    assert "Statement op de site gezet" in page and "Antwoord op #1 goedgekeurd" in page

    # switch off (the agent is the webcare lead): report frozen, banner gone
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            await session.execute(update(WebcareConfig).values(lead_user_id=wc.a.users["agent"].id))
    response = await post_form(client, f"{WEB}stop", {"note": "Storing verholpen"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{WEB}{crisis.id}"
    [crisis] = await rows(sessionmaker, wc.a, Crisis)
    report = crisis.report
    assert crisis.ended_at is not None and crisis.ended_by_id == wc.a.users["agent"].id
    assert 59 <= report["minutes"] <= 61
    assert report["cases"] == {"total": 3, "by_priority": {"urgent": 2, "high": 0, "normal": 1, "low": 0}}
    assert report["replies"] == {"total": 5, "sent": 3, "needed_approval": 4, "approved": 2, "rejected": 1,
                                 "median_minutes_to_approve": 8.0}
    assert [e["kind"] for e in report["timeline"]] == ["started", "note", "approval", "ended"]
    assert report["timeline"][1]["text"] == "Statement op de site gezet"
    assert report["timeline"][1]["by"] == wc.a.users["agent"].name
    assert report["started_by"] == wc.a.users["regie"].name
    assert "webcare.crisis_ended" in [a.action for a in await rows(sessionmaker, wc.a, AuditEntry)]
    assert [name for _, name, _ in EVENTS] == ["crisis.started", "crisis.ended"]

    page = (await client.get(f"{WEB}{crisis.id}")).text
    assert "Crisisrapport: Storing in Utrecht" in page and "8 min" in page and "Storing verholpen" in page  # not "8.0"
    assert not banner(page)
    assert not banner((await client.get("/t/acme/policy/")).text)
    listing = (await client.get(WEB)).text
    assert "Crisismodus aanzetten" in listing and f'href="{WEB}{crisis.id}"' in listing
    # off again: refused; no crisis, no timeline entries
    assert (await post_form(client, f"{WEB}stop", {"note": "x"})).status_code == 409
    assert (await post_form(client, f"{WEB}stop", {})).status_code == 422  # the closing note is required
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            assert await service.add_entry(session, "note", "te laat") is None
            assert await service.open_crisis(session) is None


async def test_the_regie_holder_or_the_webcare_lead_switches(wc: World, client: Any, listener: None,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    for who in ("member", "marketer", "viewer", "agent", "admin"):  # agent: owning department, not the lead
        client.cookies.clear()
        await login_as(client, wc.a, who)
        response = await client.get(WEB)
        assert response.status_code == 200 and "Crisismodus aanzetten" not in response.text
        response = await post_form(client, f"{WEB}start", {"title": "T", "reason": "r"}, follow_redirects=False)
        assert response.status_code == 403, who
    assert await rows(sessionmaker, wc.a, Crisis) == []
    # someone who configures webcare names the lead: only a member of the owning department (service)
    bad = await post_form(client, f"{WEB}lead", {"lead_user_id": str(wc.a.users["marketer"].id)})
    assert bad.status_code == 422 and "afdeling die webcare beheert" in bad.text
    response = await post_form(client, f"{WEB}lead", {"lead_user_id": str(wc.a.users["agent"].id)},
                               follow_redirects=False)
    assert response.status_code == 303
    assert "webcare.lead_changed" in [a.action for a in await rows(sessionmaker, wc.a, AuditEntry)]
    client.cookies.clear()
    await login_as(client, wc.a, "agent")  # now the lead
    assert "Crisismodus aanzetten" in (await client.get(WEB)).text
    response = await post_form(client, f"{WEB}start", {"title": "T", "reason": "r"}, follow_redirects=False)
    assert response.status_code == 303
    assert (await post_form(client, f"{WEB}lead", {"lead_user_id": "x"})).status_code == 422
    client.cookies.clear()
    await login_as(client, wc.a, "member")
    response = await post_form(client, f"{WEB}stop", {"note": "klaar"}, follow_redirects=False)
    assert response.status_code == 403
    assert (await rows(sessionmaker, wc.a, Crisis))[0].ended_at is None
    client.cookies.clear()
    await login_as(client, wc.a, "regie")
    response = await post_form(client, f"{WEB}stop", {"note": ""}, follow_redirects=False)
    assert response.status_code == 422 and (await rows(sessionmaker, wc.a, Crisis))[0].ended_at is None
    assert (await post_form(client, f"{WEB}stop", {"note": "klaar"}, follow_redirects=False)).status_code == 303


async def test_holding_statements(wc: World, client: Any, listener: None,
                                  sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session, session.begin():
            session.add(CannedResponse(title="Bedankt", body="Dank je!"))
    await login_as(client, wc.a, "regie")
    new = f"{WEB}statements/new"
    assert (await client.get(new)).status_code == 200
    for data, field_text in (({"title": "", "body": "x"}, "Dit veld is verplicht"),
                             ({"title": "Bedankt", "body": "x"}, "Er is al een antwoord met deze titel."),
                             ({"title": "S", "body": "x" * 5001}, "Gebruik maximaal 5000 tekens.")):
        response = await post_form(client, new, data)
        assert response.status_code == 422 and field_text in response.text, response.text[-2000:]
    assert len(await rows(sessionmaker, wc.a, CannedResponse)) == 1
    response = await post_form(client, new, {"title": "Storing", "body": "We weten van de storing en werken eraan."},
                               follow_redirects=False)
    assert response.status_code == 303
    statement = next(c for c in await rows(sessionmaker, wc.a, CannedResponse) if c.is_holding_statement)
    page = (await client.get(WEB)).text
    assert "We weten van de storing en werken eraan." in page and "Dank je!" not in page
    edit = f"{WEB}statements/{statement.id}/edit"
    response = await post_form(client, edit, {"title": "Storing", "body": "Update: opgelost."}, follow_redirects=False)
    assert response.status_code == 303
    assert "Update: opgelost." in (await client.get(WEB)).text
    # an ordinary canned response is not a holding statement here
    plain = next(c for c in await rows(sessionmaker, wc.a, CannedResponse) if not c.is_holding_statement)
    assert (await client.get(f"{WEB}statements/{plain.id}/edit")).status_code == 404
    # a member of another department may read them but not edit
    client.cookies.clear()
    await login_as(client, wc.a, "member")
    assert (await post_form(client, edit, {"title": "X", "body": "Y"}, follow_redirects=False)).status_code == 403


async def test_crisis_api_status_on_off(wc: World, client: Any, listener: None,
                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The JSON API: the same service and permissions as the pages (409 twice on, 422 with the field)."""
    from tests.support import api_headers

    api = "/api/v1/t/acme/webcare/crisis"
    viewer, member = await api_headers(sessionmaker, wc.a, "viewer"), await api_headers(sessionmaker, wc.a, "member")
    regie = await api_headers(sessionmaker, wc.a, "regie")
    assert (await client.get(api, headers=viewer)).json() == {"on": False, "crisis": None}
    response = await client.post(f"{api}/start", headers=member, json={"title": "Storing", "reason": "landelijk"})
    assert response.status_code == 403
    response = await client.post(f"{api}/start", headers=regie, json={"title": "", "reason": "landelijk"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "title"
    assert (await client.post(f"{api}/start", headers=regie, json=["x"])).status_code == 400
    assert await rows(sessionmaker, wc.a, Crisis) == []
    response = await client.post(f"{api}/start", headers=regie, json={"title": "Storing", "reason": "landelijk"})
    assert response.status_code == 201, response.text
    started = response.json()
    assert (started["title"], started["reason"], started["ended_at"]) == ("Storing", "landelijk", None)
    assert started["started_by_id"] == str(wc.a.users["regie"].id)
    status = (await client.get(api, headers=viewer)).json()
    assert status["on"] is True and status["crisis"]["id"] == started["id"]
    assert (await client.post(f"{api}/start", headers=regie, json={"title": "X", "reason": "y"})).status_code == 409
    assert ("acme", "crisis.started") in [(s, n) for s, n, _p in EVENTS]
    assert (await client.post(f"{api}/stop", headers=member, json={"note": "klaar"})).status_code == 403
    response = await client.post(f"{api}/stop", headers=regie, json={"note": ""})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "note"
    response = await client.post(f"{api}/stop", headers=regie, json={"note": "Opgelost"})
    assert response.status_code == 200, response.text
    ended = response.json()
    assert ended["ended_at"] is not None and ended["report"]["timeline"][-1]["text"] == "Opgelost"
    assert ended["href"] == f"/t/acme/p/webcare/crisis/{started['id']}"
    assert (await client.get(api, headers=viewer)).json() == {"on": False, "crisis": None}
    assert (await client.post(f"{api}/stop", headers=regie, json={"note": "x"})).status_code == 409
    [crisis] = await rows(sessionmaker, wc.a, Crisis)
    assert crisis.ended_at is not None and crisis.report["cases"]["total"] == 0
    # another tenant's token cannot reach acme's crisis mode
    other = await api_headers(sessionmaker, wc.b, "regie")
    assert (await client.get(api, headers=other)).status_code in (401, 403, 404)
