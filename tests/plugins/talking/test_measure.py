"""Talking's KPIs (posts published, share tied to objectives, links placed, clicks), the overview widget, the
navigation and the privacy hooks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from uuid import uuid4

from sqlalchemy import select

from core.plugins.api import ErasureSubject
from core.plugins.context import hook_context
from core.tenancy.scope import tenant_scope
from plugins.talking.measure.hooks import measure
from plugins.talking.models import Post, PostVariant
from plugins.talking.privacy.hooks import erase_subject, retention
from tests.plugins.talking.conftest import OBJECTIVES, post_form
from tests.support import login_as
from tests.support import post_form as send

BASE = "/t/acme/p/talking"


async def _post(s, talk, *, state="published", published=None, publish_at=None, objective="", links=0, **extra):
    extra.setdefault("title", f"Bericht {uuid4().hex[:4]}")
    post = Post(id=uuid4(), state=state, objective=objective, published_at=published,
                publish_at=publish_at or published, **extra)
    s.add(post)
    await s.flush()
    s.add(PostVariant(post_id=post.id, account_id=talk.x(), platform="x", text="t",
                      links=[{"code": f"c{i}", "target": "https://example.org", "short": "s"} for i in range(links)]))
    return post


async def test_the_kpis_count_over_whole_days(talk, sessionmaker, client):
    tw = talk.world.a
    day = datetime(2099, 3, 10, 12, 0, tzinfo=UTC)
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            await _post(s, talk, published=day, objective=OBJECTIVES[0], links=2)
            await _post(s, talk, published=day + timedelta(hours=11, minutes=59), links=1)
            await _post(s, talk, published=day + timedelta(days=1))
            await _post(s, talk, state="scheduled", publish_at=day + timedelta(hours=1), objective=OBJECTIVES[1])
            await _post(s, talk, state="cancelled", publish_at=day + timedelta(hours=2))
        async with sessionmaker() as s:
            ctx = hook_context(s, tw.tenant, "nl")
            one = (day.date(), day.date())
            assert await measure(ctx, "talking.posts_published", one) == 2
            assert await measure(ctx, "talking.objective_share", one) == 100 * 2 / 3
            assert await measure(ctx, "talking.links_placed", one) == 3
            assert await measure(ctx, "talking.clicks", one) == 0
            assert await measure(ctx, "talking.posts_published", (day.date(), day.date() + timedelta(days=1))) == 3
            empty = (day.date() - timedelta(days=5), day.date() - timedelta(days=5))
            assert await measure(ctx, "talking.objective_share", empty) is None
            assert await measure(ctx, "talking.posts_published", empty) == 0
            assert await measure(ctx, "webcare.cases", one) is None


async def test_clicks_on_a_posts_short_links_are_its_kpi_and_show_on_its_page(client, talk, sessionmaker):
    await login_as(client, talk.world.a, "marketer")
    await send(client, f"{BASE}/posts", post_form(talk))
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            [variant] = (await s.scalars(select(PostVariant))).all()
    code = variant.links[0]["code"]
    for _ in range(2):
        assert (await client.get(f"/l/{code}", follow_redirects=False)).status_code == 302
    today = datetime.now(UTC).date()
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s:
            assert await measure(hook_context(s, talk.world.a.tenant, "nl"), "talking.clicks", (today, today)) == 2
    page = unescape((await client.get(f"{BASE}/posts/{variant.post_id}")).text)
    assert "2 kliks op de links" in page


async def test_the_widget_lists_the_coming_week_and_the_nav_the_pages(client, talk, sessionmaker):
    now = datetime.now(UTC)
    with tenant_scope(talk.world.a.id):
        async with sessionmaker() as s, s.begin():
            await _post(s, talk, state="scheduled", publish_at=now + timedelta(days=2), title="Binnenkort")
            await _post(s, talk, state="draft", publish_at=now + timedelta(days=2), title="Nog een concept")
            await _post(s, talk, state="scheduled", publish_at=now + timedelta(days=9), title="Later")
    await login_as(client, talk.world.a, "marketer")
    home = unescape((await client.get("/t/acme/")).text)
    assert "Berichten deze week" in home and "Binnenkort" in home
    assert "Nog een concept" not in home and "Later" not in home
    for label, href in (("Contentkalender", f"{BASE}/"), ("Nieuw bericht", f"{BASE}/posts/new"),
                        ("Campagnes", f"{BASE}/campaigns/"), ("Stromen", f"{BASE}/streams/")):
        assert f'href="{href}"' in home and label in home
    client.cookies.clear()
    await login_as(client, talk.world.a, "viewer")
    home = unescape((await client.get("/t/acme/")).text)
    assert f'href="{BASE}/"' in home and f'href="{BASE}/posts/new"' not in home


async def test_retention_and_erasure_clear_whom_a_response_answered(talk, sessionmaker):
    tw = talk.world.a
    old = datetime(2001, 1, 1, tzinfo=UTC)
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            kept = await _post(s, talk, source_kind="mention", source_id="1", source_author="@Klant",
                               source_url="https://x.test/1", reply_to_uri="at://did:plc:x/app.bsky.feed.post/1")
            aged = await _post(s, talk, source_kind="mention", source_id="2", source_author="@ander",
                               source_url="https://x.test/2", created_at=old, updated_at=old)
        async with sessionmaker() as s, s.begin():
            ctx = hook_context(s, tw.tenant, "nl")
            assert await retention(ctx, datetime(2010, 1, 1, tzinfo=UTC), "delete") == {"responses_cleared": 1}
            assert await retention(ctx, datetime(2010, 1, 1, tzinfo=UTC), "delete") == {"responses_cleared": 0}
            assert await erase_subject(ctx, ErasureSubject("author", handle="klant")) == {"responses_cleared": 1}
            assert await erase_subject(ctx, ErasureSubject("user", user_id=uuid4())) == {}
        async with sessionmaker() as s:
            rows = {p.id: p for p in (await s.scalars(select(Post))).all()}
    assert (rows[kept.id].source_author, rows[kept.id].reply_to_uri, rows[kept.id].title) == ("", "", kept.title)
    assert (rows[aged.id].source_author, rows[aged.id].source_url) == ("", "")
