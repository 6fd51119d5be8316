"""The tenant's own short links: placing them in a text with UTM parameters, the public `/l/<code>` redirect that
counts clicks per day, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from core.errors import DomainError
from core.shortlinks import service
from core.shortlinks.models import ShortLink, ShortLinkClick
from core.tenancy.scope import tenant_scope

BASE_URL = "https://regie.example"
UTM = {"utm_source": "x", "utm_medium": "social", "utm_campaign": "zomer"}


async def _shorten(sessionmaker, tw, text, ref_id=None, utm=UTM):
    from uuid import uuid4

    ref = ref_id or uuid4()
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            return ref, await service.shorten_links(s, text, base_url=BASE_URL, origin="talking", ref_id=ref, utm=utm)


async def test_links_in_a_text_become_short_links_with_utm(world, sessionmaker):
    text = "Lees (https://example.org/a?b=1). En https://example.org/c?utm_source=nieuwsbrief, of niet!"
    ref, done = await _shorten(sessionmaker, world.a, text)
    first, second = done.links
    assert done.text == f"Lees ({first.short}). En {second.short}, of niet!"
    assert first.short == f"{BASE_URL}/l/{first.code}" and len(first.code) == service.CODE_LENGTH
    assert parse_qs(urlsplit(first.target).query) == {"b": ["1"], "utm_source": ["x"], "utm_medium": ["social"],
                                                       "utm_campaign": ["zomer"]}
    assert parse_qs(urlsplit(second.target).query)["utm_source"] == ["nieuwsbrief"]  # its own stays
    assert service.shortened_length(text, BASE_URL) == len(done.text)
    again_ref, again = await _shorten(sessionmaker, world.a, done.text + " https://example.org/a?b=1", ref)
    assert again_ref == ref and [link.code for link in again.links] == [first.code, second.code]
    assert again.text == done.text + " " + first.short  # the same address keeps its code
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert len((await s.scalars(select(ShortLink))).all()) == 2


async def test_an_address_that_is_not_a_web_address_is_refused_and_nothing_stored(world, sessionmaker):
    import pytest

    assert service.links_in_text("geen link: javascript:alert(1) of ftp://x.org") == []
    with pytest.raises(DomainError) as refused:
        await _shorten(sessionmaker, world.a, "https://user:secret@example.org/x")
    assert "text" in refused.value.errors
    with pytest.raises(DomainError):
        service.check_web_url("https://" + "a" * 2000 + ".org", "url")
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert (await s.scalars(select(ShortLink))).all() == []


async def test_the_redirect_is_public_counts_each_click_per_day_and_only_in_its_tenant(client, world, sessionmaker):
    _ref, done = await _shorten(sessionmaker, world.a, "https://example.org/a")
    [link] = done.links
    for _ in range(3):
        r = await client.get(f"/l/{link.code}", follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"] == link.target
        assert r.headers["cache-control"] == "no-store"
    today = datetime.now(UTC).date()
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            [row] = (await s.scalars(select(ShortLinkClick))).all()
            assert (row.day, row.clicks) == (today, 3)
            assert await service.short_link_clicks(s, "talking", (today, today)) == 3
            assert await service.short_link_clicks(s, "energizing", (today, today)) == 0
    with tenant_scope(world.b.id):
        async with sessionmaker() as s:
            assert (await s.scalars(select(ShortLinkClick))).all() == []
            assert await service.short_link_clicks(s, "talking", (today, today)) == 0


async def test_unknown_malformed_and_unsafe_codes_are_not_found(client, world, sessionmaker):
    assert (await client.get("/l/zzzzzzz", follow_redirects=False)).status_code == 404
    assert (await client.get("/l/a%27%3B--", follow_redirects=False)).status_code == 404
    assert (await client.get("/l/" + "a" * 40, follow_redirects=False)).status_code == 404
    with tenant_scope(world.a.id):
        async with sessionmaker() as s, s.begin():  # a target stored before the rules, or by hand: never followed
            s.add(ShortLink(code="evil123", target_url="javascript:alert(1)", origin="talking"))
    assert (await client.get("/l/evil123", follow_redirects=False)).status_code == 404
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert (await s.scalars(select(ShortLinkClick))).all() == []


async def test_clicks_per_thing_in_one_query(world, sessionmaker, client):
    ref_a, a = await _shorten(sessionmaker, world.a, "https://example.org/a en https://example.org/b")
    ref_b, b = await _shorten(sessionmaker, world.a, "https://example.org/c")
    for link in (*a.links, a.links[0], b.links[0]):
        await client.get(f"/l/{link.code}", follow_redirects=False)
    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            assert await service.short_link_clicks_by_ref(s, "talking", [ref_a, ref_b]) == {ref_a: 3, ref_b: 1}
            today = datetime.now(UTC).date()
            assert await service.short_link_clicks(s, "talking", (today, today), [ref_b]) == 1
            assert await service.short_link_clicks(s, "talking", (today, today), []) == 0
