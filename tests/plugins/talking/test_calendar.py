"""The content calendar: month, week and list views with filters, drag to reschedule, and a month read in a
constant number of statements."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import unescape
from uuid import uuid4

from sqlalchemy import select

from core.tenancy.scope import tenant_scope
from plugins.talking.models import Campaign, Post, PostVariant
from plugins.talking.moments import ZONE
from tests.plugins.talking.conftest import Talk
from tests.querycount import count_queries, growth
from tests.support import login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"
MONTH = date(2099, 5, 1)


def _at(day: int, hour: int = 9, minute: int = 30) -> datetime:
    return datetime(2099, 5, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


async def _add(sessionmaker, talk: Talk, n: int, *, start: int = 0, state: str = "scheduled", **fields) -> list:
    """`n` posts in May 2099 (two days apart), each on both accounts."""
    tw = talk.world.a
    posts = []
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            for i in range(start, start + n):
                post = Post(id=uuid4(), title=f"Bericht {i:02d}", state=state,
                            publish_at=fields.get("publish_at") or _at(1 + (i * 2) % 28, 9 + i % 8),
                            department_id=fields.get("department_id", tw.departments["marketing"].id),
                            campaign_id=fields.get("campaign_id"))
                s.add(post)
                await s.flush()
                for platform in ("x", "facebook"):
                    s.add(PostVariant(post_id=post.id, account_id=talk.accounts["acme"][platform], platform=platform,
                                      handle=f"acme_{platform}", text=f"Tekst {i}"))
                posts.append(post)
    return posts


async def _post(sessionmaker, tw, post_id):
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            return await s.get(Post, post_id)


async def test_the_month_shows_its_posts_in_local_days_with_filters(client, talk, sessionmaker):
    [late] = await _add(sessionmaker, talk, 1, publish_at=datetime(2099, 4, 30, 23, 30, tzinfo=UTC))  # 1 May here
    [mine] = await _add(sessionmaker, talk, 1, start=1, publish_at=_at(14))
    [other] = await _add(sessionmaker, talk, 1, start=2, publish_at=_at(15),
                         department_id=talk.world.a.departments["service"].id, state="draft")
    await login_as(client, talk.world.a, "marketer")
    page = unescape((await client.get(f"{BASE}/?month=2099-05")).text)
    assert "mei 2099" in page and "Bericht 01" in page and "Bericht 02" in page
    assert 'data-drop-day="2099-05-14"' in page and f'data-drag-url="{BASE}/posts/{mine.id}/reschedule"' in page
    first = page.split('data-drop-day="2099-05-01"')[1].split("</td>")[0]
    assert "Bericht 00" in first  # 23:30 UTC on 30 April is 1 May in Amsterdam
    assert "Bericht 00" not in page.split('data-drop-day="2099-04-30"')[1].split("</td>")[0]
    filtered = unescape((await client.get(f"{BASE}/?month=2099-05&state=draft")).text)
    assert "Bericht 02" in filtered and "Bericht 01" not in filtered
    by_department = unescape((await client.get(
        f"{BASE}/?month=2099-05&department={talk.world.a.departments['marketing'].id}")).text)
    assert "Bericht 01" in by_department and "Bericht 02" not in by_department
    fragment = await client.get(f"{BASE}/partials/calendar?view=month&month=2099-05&state=draft")
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Bericht 02" in fragment.text
    assert 'hx-trigger="talking-calendar-changed from:body"' in fragment.text
    del other, late


async def test_a_busy_day_shows_a_few_posts_and_how_many_more(client, talk, sessionmaker):
    for i in range(6):
        await _add(sessionmaker, talk, 1, start=i, publish_at=_at(20, 8 + i))
    await login_as(client, talk.world.a, "marketer")
    page = unescape((await client.get(f"{BASE}/?month=2099-05")).text)
    day = page.split('data-drop-day="2099-05-20"')[1].split("</td>")[0]
    assert day.count('class="cal-post') == 4 and "nog 2" in day and "view=list&day=2099-05-20" in day
    listed = unescape((await client.get(f"{BASE}/?view=list&day=2099-05-20")).text)
    assert all(f"Bericht {i:02d}" in listed for i in range(6))


async def test_week_and_list_views_in_both_languages(client, talk, sessionmaker):
    await _add(sessionmaker, talk, 3)
    await login_as(client, talk.world.a, "regie")
    week = unescape((await client.get(f"{BASE}/?view=week&week=2099-05-03")).text)
    assert "Week van" in week and "Bericht 01" in week and 'data-drop-day="2099-05-03"' in week
    listed = unescape((await client.get(f"{BASE}/?view=list&when=all")).text)
    assert "Bericht 00" in listed and "Bericht 02" in listed and "ingepland" in listed
    await client.post("/lang", data={"lang": "en", "next": "/", "_csrf_token": client.cookies.get("regie_csrf")})
    week = unescape((await client.get(f"{BASE}/?view=week&week=2099-05-03")).text)
    assert "Week of" in week and "Content calendar" in week
    month = unescape((await client.get(f"{BASE}/?month=2099-05")).text)
    assert "May 2099" in month and "Next month" in month


async def test_the_list_is_paginated(client, talk, sessionmaker):
    await _add(sessionmaker, talk, 30)
    await login_as(client, talk.world.a, "marketer")
    first = unescape((await client.get(f"{BASE}/?view=list&when=all")).text)
    assert "Pagina 1 van 2" in first
    second = unescape((await client.get(f"{BASE}/?view=list&when=all&page=2")).text)
    assert "Pagina 2 van 2" in second


async def test_dragging_a_post_to_another_day_keeps_its_time(client, talk, sessionmaker):
    [post] = await _add(sessionmaker, talk, 1, publish_at=_at(14, 9, 30))
    await login_as(client, talk.world.a, "marketer")
    headers = {"hx-request": "true", "x-csrftoken": client.cookies.get("regie_csrf") or ""}
    r = await client.post(f"{BASE}/posts/{post.id}/reschedule", data={"day": "2099-05-21"}, headers=headers)
    assert r.status_code == 204 and r.headers["hx-trigger"] == "talking-calendar-changed"
    moved = await _post(sessionmaker, talk.world.a, post.id)
    assert moved.publish_at == _at(21, 9, 30)


async def test_a_published_post_cannot_be_moved_and_says_why(client, talk, sessionmaker):
    [post] = await _add(sessionmaker, talk, 1, state="published", publish_at=_at(14))
    await login_as(client, talk.world.a, "marketer")
    headers = {"hx-request": "true", "x-csrftoken": client.cookies.get("regie_csrf") or ""}
    r = await client.post(f"{BASE}/posts/{post.id}/reschedule", data={"day": "2099-05-21"}, headers=headers)
    assert r.status_code == 409
    assert "Dit bericht is gepubliceerd op" in unescape(r.text) and "verschuift en verandert niet meer" in r.text
    assert (await _post(sessionmaker, talk.world.a, post.id)).publish_at == _at(14)
    page = unescape((await client.get(f"{BASE}/?month=2099-05")).text)
    assert f'data-drag-url="{BASE}/posts/{post.id}/reschedule"' not in page  # not draggable at all


async def test_the_date_field_is_the_keyboard_way_to_reschedule(client, talk, sessionmaker):
    from datetime import date as day

    [post] = await _add(sessionmaker, talk, 1, publish_at=_at(14))
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s, s.begin():
            campaign = Campaign(name="Mei", slug="mei", starts_on=day(2099, 5, 1), ends_on=day(2099, 5, 31))
            s.add(campaign)
            await s.flush()
            (await s.get(Post, post.id)).campaign_id = campaign.id
    await login_as(client, talk.world.a, "marketer")
    r = await send(client, f"{BASE}/posts/{post.id}/reschedule", {"publish_at": "2099-05-20T16:15"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert (await _post(sessionmaker, talk.world.a, post.id)).publish_at == _at(20, 16, 15)
    r = await send(client, f"{BASE}/posts/{post.id}/reschedule", {"publish_at": "2099-06-02T10:00"})
    assert r.status_code == 422 and "De campagne loopt van" in unescape(r.text)
    r = await send(client, f"{BASE}/posts/{post.id}/reschedule", {"publish_at": "2001-01-01T10:00"})
    assert r.status_code == 422 and "Kies een moment in de toekomst." in unescape(r.text)
    r = await send(client, f"{BASE}/posts/{post.id}/reschedule", {"publish_at": ""})
    assert r.status_code == 422 and "Dit veld is verplicht." in unescape(r.text)
    r = await send(client, f"{BASE}/posts/{post.id}/reschedule", {"day": "morgen"})
    assert r.status_code == 422 and "Gebruik een datum zoals 2026-01-31." in unescape(r.text)
    assert (await _post(sessionmaker, talk.world.a, post.id)).publish_at == _at(20, 16, 15)


async def test_the_api_reschedules_and_refuses_a_published_post(client, talk, sessionmaker):
    from tests.support import api_headers

    [post] = await _add(sessionmaker, talk, 1, publish_at=_at(14))
    [done] = await _add(sessionmaker, talk, 1, start=1, state="published", publish_at=_at(3))
    headers = await api_headers(sessionmaker, talk.world.a, "marketer")
    r = await client.post(f"/api/v1/t/acme/talking/posts/{post.id}/reschedule", headers=headers,
                          json={"publish_at": "2099-05-22T10:00:00+02:00"})
    assert r.status_code == 200 and r.json()["publish_at"].startswith("2099-05-22T08:00:00")
    r = await client.post(f"/api/v1/t/acme/talking/posts/{done.id}/reschedule?lang=en", headers=headers,
                          json={"publish_at": "2099-05-22T10:00:00+02:00"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["reason"].startswith("This post was published on")


async def test_the_month_reads_a_constant_number_of_statements(app, client, talk, sessionmaker):
    """Two posts or forty, each with two variants, on account and state filters too: the same statements."""
    await login_as(client, talk.world.a, "marketer")
    url = f"{BASE}/?month=2099-05&account={talk.x()}"
    await _add(sessionmaker, talk, 2)
    await client.get(url)
    with count_queries(app.state.engine) as small:
        response = await client.get(url)
    assert response.status_code == 200 and "Bericht 01" in response.text
    await _add(sessionmaker, talk, 38, start=2)
    with count_queries(app.state.engine) as large:
        response = await client.get(url)
    assert "Bericht 39" in unescape(response.text) or "nog " in unescape(response.text)
    assert len(large) == len(small), growth(small, large)
    with count_queries(app.state.engine) as listed:
        response = await client.get(f"{BASE}/?view=list&when=all")
    assert response.status_code == 200
    await _add(sessionmaker, talk, 10, start=40)
    with count_queries(app.state.engine) as more:
        await client.get(f"{BASE}/?view=list&when=all")
    assert len(more) == len(listed), growth(listed, more)


async def test_a_post_page_shows_each_variant(client, talk, sessionmaker):
    [post] = await _add(sessionmaker, talk, 1)
    await login_as(client, talk.world.a, "marketer")
    page = unescape((await client.get(f"{BASE}/posts/{post.id}")).text)
    assert "Bericht 00" in page and "@acme_x" in page and "@acme_facebook" in page and "ingepland" in page
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            assert len((await s.scalars(select(PostVariant).where(PostVariant.post_id == post.id))).all()) == 2
    assert (await client.get(f"{BASE}/posts/{uuid4()}")).status_code == 404
