"""The inbox: filters (validated), pagination, saved views per person, counts per queue, the availability toggle,
the polled list fragment, and the inbox in the JSON API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.webcare.models import AgentState, Case, CaseQueue, SavedView
from plugins.webcare.sla import service as sla
from tests.support import TenantWorld, World, api_headers, login_as, post_form

WEB = "/t/acme/p/webcare/"
API = "/api/v1/t/acme/webcare/cases"


async def make_queue(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, name: str,
                     department: str = "service") -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            queue = CaseQueue(name=name, department_id=tw.departments[department].id)
            session.add(queue)
            await session.flush()
            return queue.id


async def make_cases(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, count: int = 1,
                     start: int = 1, deadlines: bool = False, **fields: Any) -> list[UUID]:
    """`count` cases numbered from `start`, the newest activity last; `fields` override the defaults."""
    now = datetime.now(UTC)
    ids = []
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            for n in range(count):
                values = {"number": start + n, "subject": f"Storing {start + n}", "author_handle": f"@klant{start + n}",
                          "opened_at": now - timedelta(hours=1), "status": "open",
                          "last_message_at": now - timedelta(minutes=count - n),
                          "department_id": tw.departments["service"].id, **fields}
                case = Case(**values)
                session.add(case)
                await session.flush()
                if deadlines:
                    await sla.refresh_deadlines(session, case, now)
                ids.append(case.id)
    return ids


async def numbers(response: Any) -> list[int]:
    """The case numbers a list page shows, in order."""
    import re

    return [int(n) for n in re.findall(r'>#(\d+)</a></td>', response.text)]


async def test_list_is_newest_first_and_paginated_by_fifty(wc: World, client: Any,
                                                           sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await make_cases(sessionmaker, wc.a, 55)
    await login_as(client, wc.a, "viewer")
    first = await client.get(WEB)
    assert first.status_code == 200
    assert await numbers(first) == list(range(55, 5, -1))
    second = await client.get(WEB, params={"page": "2"})
    assert await numbers(second) == [5, 4, 3, 2, 1]


async def test_filters(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    press = await make_queue(sessionmaker, a, "Pers")
    agent, regie = a.users["agent"].id, a.users["regie"].id
    await make_cases(sessionmaker, a, 1, start=1, subject="Factuur klopt niet", priority="high", assignee_id=agent)
    await make_cases(sessionmaker, a, 1, start=2, subject="Wifi valt weg", author_name="Piet Pieters",
                     queue_id=press, channel="dm", assignee_id=regie)
    await make_cases(sessionmaker, a, 1, start=3, status="resolved", subject="Opgelost", priority="high")
    await make_cases(sessionmaker, a, 1, start=4, status="waiting", department_id=a.departments["comms"].id)
    await make_cases(sessionmaker, a, 1, start=5, subject="100% kapot_", author_handle="@x")
    await login_as(client, a, "agent")

    async def shown(**params: str) -> list[int]:
        response = await client.get(WEB, params=params)
        assert response.status_code == 200, response.text[:300]
        return sorted(await numbers(response))

    assert await shown() == [1, 2, 4, 5]  # open statuses by default
    assert await shown(status="all") == [1, 2, 3, 4, 5]
    assert await shown(status="resolved") == [3]
    assert await shown(status="waiting") == [4]
    assert await shown(priority="high") == [1]
    assert await shown(priority="high", status="all") == [1, 3]
    assert await shown(queue=str(press)) == [2]
    assert await shown(assignee="me") == [1]
    assert await shown(assignee=str(regie)) == [2]
    assert await shown(assignee="nobody") == [4, 5]
    assert await shown(department=str(a.departments["comms"].id)) == [4]
    assert await shown(channel="dm") == [2]
    assert await shown(q="factuur") == [1]
    assert await shown(q="PIETERS") == [2]
    assert await shown(q="@klant4") == [4]
    assert await shown(q="%") == [5]  # LIKE wildcards are literal
    assert await shown(q="t_") == [5]


async def test_breaching_soon(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    await make_cases(sessionmaker, wc.a, 1, start=1, first_response_due=now + timedelta(minutes=20),
                     resolution_due=now + timedelta(days=2))
    await make_cases(sessionmaker, wc.a, 1, start=2, first_response_due=now + timedelta(days=1),
                     resolution_due=now + timedelta(days=2))
    await make_cases(sessionmaker, wc.a, 1, start=3, first_response_due=now - timedelta(minutes=5),
                     first_response_at=now - timedelta(minutes=10), resolution_due=now + timedelta(days=3))
    await make_cases(sessionmaker, wc.a, 1, start=4, resolution_due=now - timedelta(minutes=1))
    await make_cases(sessionmaker, wc.a, 1, start=5, status="waiting", resolution_due=now - timedelta(minutes=1))
    await login_as(client, wc.a, "agent")
    response = await client.get(WEB, params={"breaching": "1"})
    assert sorted(await numbers(response)) == [1, 4]


async def test_bad_filter_values_are_422_with_the_field(wc: World, client: Any,
                                                        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await login_as(client, wc.a, "agent")
    for params, field in (({"status": "gone"}, "status"), ({"priority": "meh"}, "priority"),
                          ({"queue": "not-a-uuid"}, "queue"), ({"assignee": "someone"}, "assignee"),
                          ({"department": "1"}, "department"), ({"channel": "fax"}, "channel"),
                          ({"q": "x" * 500}, "q"), ({"breaching": "maybe"}, "breaching")):
        response = await client.get(WEB, params=params)
        assert response.status_code == 422, (params, response.status_code)
        assert field in response.text
    headers = await api_headers(sessionmaker, wc.a, "agent")
    response = await client.get(API, params={"status": "gone", "priority": "meh"}, headers=headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"status", "priority"}


async def test_fragment_is_only_the_list_and_polls(wc: World, client: Any,
                                                   sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await make_cases(sessionmaker, wc.a, 2)
    await login_as(client, wc.a, "agent")
    full = await client.get(WEB, params={"priority": "normal"})
    assert "<html" in full.text and 'id="inbox-list"' in full.text
    assert "webcare-inbox-changed from:body" in full.text
    assert "fragment=1" in full.text and "priority=normal" in full.text  # the poll keeps the filters
    fragment = await client.get(WEB, params={"fragment": "1", "priority": "normal"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<nav class=\"sidenav\"" not in fragment.text
    assert fragment.text.lstrip().startswith("<div id=\"inbox-list\"") or 'id="inbox-list"' in fragment.text
    assert await numbers(fragment) == [2, 1]
    assert "<script" not in full.text.split('id="inbox-list"')[1]


async def test_counts_per_queue(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    press = await make_queue(sessionmaker, wc.a, "Pers")
    sales = await make_queue(sessionmaker, wc.a, "Verkoop")
    await make_cases(sessionmaker, wc.a, 3, start=1, queue_id=press)
    await make_cases(sessionmaker, wc.a, 1, start=4, queue_id=press, status="closed")
    await make_cases(sessionmaker, wc.a, 1, start=5, queue_id=sales)
    await login_as(client, wc.a, "viewer")
    text = (await client.get(WEB)).text
    assert f'?queue={press}" class="">Pers</a> <span class="badge">3</span>' in text
    assert f'?queue={sales}" class="">Verkoop</a> <span class="badge">1</span>' in text


async def test_queue_badges_stop_counting_at_their_cap(wc: World, client: Any,
                                                       sessionmaker: async_sessionmaker[AsyncSession],
                                                       monkeypatch: Any) -> None:
    from plugins.webcare.inbox import service

    monkeypatch.setattr(service, "BADGE_CAP", 3)
    press = await make_queue(sessionmaker, wc.a, "Pers")
    sales = await make_queue(sessionmaker, wc.a, "Verkoop")
    await make_cases(sessionmaker, wc.a, 5, start=1, queue_id=press)
    await make_cases(sessionmaker, wc.a, 3, start=6, queue_id=sales)
    await make_cases(sessionmaker, wc.a, 2, start=9, queue_id=sales, status="closed")
    await login_as(client, wc.a, "viewer")
    text = (await client.get(WEB)).text
    assert f'?queue={press}" class="">Pers</a> <span class="badge">3+</span>' in text
    assert f'?queue={sales}" class="">Verkoop</a> <span class="badge">3</span>' in text
    fragment = (await client.get(WEB, params={"fragment": "1"})).text  # the live refresh: the same badges
    assert 'Pers</a> <span class="badge">3+</span>' in fragment


async def test_saved_views_are_per_person(wc: World, client: Any,
                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    await login_as(client, a, "agent")
    response = await post_form(client, f"{WEB}views", {"name": "Mijn urgente", "priority": "urgent",
                                                       "assignee": "me"}, follow_redirects=False)
    assert response.status_code == 303
    assert "priority=urgent" in response.headers["location"]
    text = (await client.get(WEB)).text
    assert "Mijn urgente" in text
    duplicate = await post_form(client, f"{WEB}views", {"name": "Mijn urgente"}, follow_redirects=False)
    assert duplicate.status_code == 422
    bad = await post_form(client, f"{WEB}views", {"name": "Kapot", "status": "nope"}, follow_redirects=False)
    assert bad.status_code == 422 and "status" in bad.text
    with tenant_scope(a.id):
        async with sessionmaker() as session:
            views = (await session.scalars(select(SavedView))).all()
    assert [(v.name, v.filters, v.user_id) for v in views] == [
        ("Mijn urgente", {"priority": "urgent", "assignee": "me"}, a.users["agent"].id)]
    view_id = views[0].id

    client.cookies.clear()
    await login_as(client, a, "regie")
    assert "Mijn urgente" not in (await client.get(WEB)).text
    refused = await post_form(client, f"{WEB}views/{view_id}/delete", follow_redirects=False)
    assert refused.status_code == 404

    client.cookies.clear()
    await login_as(client, a, "agent")
    deleted = await post_form(client, f"{WEB}views/{view_id}/delete", follow_redirects=False)
    assert deleted.status_code == 303
    with tenant_scope(a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(SavedView)) == 0


async def test_availability_toggle(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    await login_as(client, a, "agent")
    assert 'name="available" value="1"' in (await client.get(WEB)).text
    response = await post_form(client, f"{WEB}availability", {"available": "1"}, follow_redirects=False)
    assert response.status_code == 303

    async def state() -> list[tuple[UUID, bool]]:
        with tenant_scope(a.id):
            async with sessionmaker() as session:
                return [(s.user_id, s.available) for s in (await session.scalars(select(AgentState))).all()]

    assert await state() == [(a.users["agent"].id, True)]
    assert 'name="available" value="0"' in (await client.get(WEB)).text
    await post_form(client, f"{WEB}availability", {"available": "0"}, follow_redirects=False)
    assert await state() == [(a.users["agent"].id, False)]
    bad = await post_form(client, f"{WEB}availability", {}, follow_redirects=False)
    assert bad.status_code == 422
    assert await state() == [(a.users["agent"].id, False)]
    client.cookies.clear()
    await login_as(client, a, "viewer")
    assert (await post_form(client, f"{WEB}availability", {"available": "1"}, follow_redirects=False)
            ).status_code == 403


async def test_api_list(wc: World, client: Any, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    a = wc.a
    await make_cases(sessionmaker, a, 52, assignee_id=a.users["agent"].id)
    await make_cases(sessionmaker, a, 1, start=60, status="closed")
    await make_cases(sessionmaker, wc.b, 1, start=1)
    headers = await api_headers(sessionmaker, a, "agent")
    body = (await client.get(API, headers=headers)).json()
    assert body["page"] == {"page": 1, "per_page": 50, "total": 52, "pages": 2,
                            "total_exact": True, "has_next": True}
    assert [c["number"] for c in body["items"]][:3] == [52, 51, 50]
    first = body["items"][0]
    assert first["assignee"] == a.users["agent"].name and first["status"] == "open"
    assert first["href"] == f"/t/acme/p/webcare/cases/{first['id']}"
    assert first["revision"] == 1
    page2 = (await client.get(API, params={"page": "2"}, headers=headers)).json()
    assert [c["number"] for c in page2["items"]] == [2, 1]
    closed = (await client.get(API, params={"status": "closed"}, headers=headers)).json()
    assert [c["number"] for c in closed["items"]] == [60]
    mine = (await client.get(API, params={"assignee": "me", "q": "Storing 5"}, headers=headers)).json()
    assert sorted(c["number"] for c in mine["items"]) == [5, 50, 51, 52]


async def test_a_list_past_the_count_cap_says_so_and_pages_on(wc: World, client: Any,
                                                              sessionmaker: async_sessionmaker[AsyncSession],
                                                              monkeypatch: Any) -> None:
    from core.web import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 51)
    await make_cases(sessionmaker, wc.a, 120)
    await make_cases(sessionmaker, wc.b, 3)
    headers = await api_headers(sessionmaker, wc.a, "agent")
    body = (await client.get(API, headers=headers)).json()
    assert body["page"] == {"page": 1, "per_page": 50, "total": 51, "pages": 2, "total_exact": False,
                            "has_next": True}
    second = (await client.get(API, params={"page": "2"}, headers=headers)).json()
    assert second["page"] == {"page": 2, "per_page": 50, "total": 100, "pages": 2, "total_exact": False,
                              "has_next": True}
    third = (await client.get(API, params={"page": "3"}, headers=headers)).json()
    assert third["page"] == {"page": 3, "per_page": 50, "total": 120, "pages": 3, "total_exact": True,
                             "has_next": False}
    assert [c["number"] for c in third["items"]] == list(range(20, 0, -1))

    await login_as(client, wc.a, "agent")
    first = await client.get(WEB)
    assert await numbers(first) == list(range(120, 70, -1))
    assert "51+ cases" in first.text and "Pagina 1: 1–50 van 51+" in first.text and "page=2" in first.text
    fragment = await client.get(WEB, params={"page": "2", "fragment": "1"})  # what the live list reloads
    assert "100+ cases" in fragment.text and "Pagina 2: 51–100 van 100+" in fragment.text
    last = await client.get(WEB, params={"page": "3"})
    assert await numbers(last) == list(range(20, 0, -1))
    assert "120 cases" in last.text and "Pagina 3 van 3" in last.text and 'rel="next"' not in last.text


async def test_the_navigation_marks_the_page_one_is_on(wc: World, client: Any,
                                                      sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The most specific entry is active: the inbox is a prefix of every webcare page, yet marks only its own
    (and a case's, which has no entry of its own)."""
    import re

    [case_id] = await make_cases(sessionmaker, wc.a, 1)
    await login_as(client, wc.a, "agent")
    for url, expected in ((WEB, WEB), (f"{WEB}approvals/", f"{WEB}approvals/"),
                          (f"{WEB}community/moderation/", f"{WEB}community/moderation/"),
                          (f"{WEB}cases/{case_id}", WEB)):
        page = await client.get(url)
        assert re.findall(r'<a href="([^"]+)" class="active"', page.text) == [expected], url
