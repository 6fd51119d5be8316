"""The mention list: every filter, full-text search (PostgreSQL text search / SQLite LIKE), pagination,
folded duplicates, the detail page and API, permissions and tenant isolation."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Mention, MentionProfile, SearchProfile, Source
from plugins.monitoring.stats import Counted, count
from tests.support import TenantWorld, World, api_headers, login_as, post_form

BASE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def web(tw: TenantWorld, path: str = "") -> str:
    return f"/t/{tw.slug}/p/monitoring/mentions/{path}"


def api(tw: TenantWorld, path: str = "mentions") -> str:
    return f"/api/v1/t/{tw.slug}/monitoring/{path}"


@dataclass
class Setup:
    source: UUID
    forum: UUID
    profile: UUID
    other_profile: UUID


async def setup_tenant(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> Setup:
    """Two sources and two search profiles."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            rows = [Source(name="Nieuws", kind="api", source_type="news"),
                    Source(name="Forum", kind="api", source_type="forum"),
                    SearchProfile(name="Merk", query="acme"), SearchProfile(name="Directie", query="ceo")]
            session.add_all(rows)
            await session.flush()
            return Setup(*(r.id for r in rows))


async def add_mentions(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, source: UUID,
                       rows: list[dict[str, Any]]) -> list[UUID]:
    """Mentions as ingestion stores them (counted in the hourly stats unless folded); `profiles` per row."""
    ids = []
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            counted = []
            for n, fields in enumerate(rows):
                fields = dict(fields)
                profiles = tuple(fields.pop("profiles", ()))
                fields.setdefault("published_at", BASE - timedelta(hours=n))
                fields.setdefault("source_type", "news")
                fields.setdefault("language", "nl")
                fields.setdefault("external_id", uuid4().hex)
                text = " ".join(fields.get(p, "") for p in ("title", "lead", "body"))
                fields.setdefault("content_hash", hashlib.sha256((text + uuid4().hex).encode()).hexdigest())
                label = fields.setdefault("sentiment", "neutral")
                fields.setdefault("sentiment_score", {"negative": -0.6, "neutral": 0.0, "positive": 0.6}[label])
                fields.setdefault("sentiment_parts", {p: {"label": label, "score": fields["sentiment_score"],
                                                          "by": "model"} for p in ("title", "lead", "body")
                                                      if fields.get(p)})
                mention = Mention(source_id=source, **fields)
                session.add(mention)
                await session.flush()
                for profile in profiles:
                    session.add(MentionProfile(mention_id=mention.id, profile_id=profile,
                                               published_at=mention.published_at))
                if mention.duplicate_of_id is None:
                    counted.append(Counted(mention.published_at, profiles, mention.source_type, mention.language,
                                           mention.sentiment, mention.author_reach))
                ids.append(mention.id)
            await count(session, counted)
    return ids


async def listed(client: Any, tw: TenantWorld, headers: dict[str, str], **params: Any) -> list[str]:
    response = await client.get(api(tw), params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [m["title"] for m in response.json()["items"]]


@pytest.fixture
async def seeded(mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> tuple[World, Setup, list[UUID]]:
    s = await setup_tenant(sessionmaker, mon.a)
    ids = await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": "Acme opent nieuwe winkel", "body": "De klantenservice was vriendelijk.", "sentiment": "positive",
         "profiles": (s.profile,), "author_name": "Anna", "author_handle": "anna", "author_reach": 1200,
         "place": "nu.nl", "published_at": BASE - timedelta(hours=1)},
        {"title": "Storing bij Acme", "lead": "Klanten boos over slechte service", "sentiment": "negative",
         "sentiment_by": "person", "profiles": (s.profile, s.other_profile), "place": "forum.nl",
         "published_at": BASE},
        {"title": "Acme CEO interview", "body": "An interview in English about the strategy.", "language": "en",
         "profiles": (s.other_profile,), "published_at": BASE - timedelta(days=3)},
        {"title": "Weerbericht", "body": "Morgen regen, geen Acme te zien.", "sentiment": "neutral",
         "published_at": BASE - timedelta(days=10)},
    ])
    ids += await add_mentions(sessionmaker, mon.a, s.forum, [
        {"title": "Forumdraad over Acme service", "body": "Iemand vraagt naar de slechte bereikbaarheid.",
         "source_type": "forum", "sentiment": "negative", "profiles": (s.profile,),
         "published_at": BASE - timedelta(minutes=30)},
    ])
    ids += await add_mentions(sessionmaker, mon.a, s.source, [
        {"title": "Acme opent nieuwe winkel", "body": "De klantenservice was vriendelijk.", "sentiment": "positive",
         "duplicate_of_id": ids[0], "external_id": "repost-1", "author_handle": "bob"},
    ])
    return mon, s, ids


async def test_every_filter_narrows_the_list(client: Any, sessionmaker: Any, seeded: Any) -> None:
    mon, s, _ids = seeded
    h = await api_headers(sessionmaker, mon.a, "viewer")
    everything = await listed(client, mon.a, h)
    assert everything == ["Storing bij Acme", "Forumdraad over Acme service", "Acme opent nieuwe winkel",
                          "Acme CEO interview", "Weerbericht"]  # newest first, the re-post folded away
    assert await listed(client, mon.a, h, profile=str(s.profile)) == [
        "Storing bij Acme", "Forumdraad over Acme service", "Acme opent nieuwe winkel"]
    assert await listed(client, mon.a, h, profile=str(s.other_profile)) == ["Storing bij Acme", "Acme CEO interview"]
    assert await listed(client, mon.a, h, source_type="forum") == ["Forumdraad over Acme service"]
    assert await listed(client, mon.a, h, source=str(s.forum)) == ["Forumdraad over Acme service"]
    assert await listed(client, mon.a, h, sentiment="negative") == ["Storing bij Acme", "Forumdraad over Acme service"]
    assert await listed(client, mon.a, h, language="en") == ["Acme CEO interview"]
    assert await listed(client, mon.a, h, sentiment_by="person") == ["Storing bij Acme"]
    assert await listed(client, mon.a, h, **{"from": "2026-03-07", "to": "2026-03-07"}) == ["Acme CEO interview"]
    assert await listed(client, mon.a, h, to="2026-03-01") == ["Weerbericht"]
    assert await listed(client, mon.a, h, sentiment="positive", **{"from": "2026-03-09"}) == [
        "Acme opent nieuwe winkel"]
    with_folds = await listed(client, mon.a, h, duplicates="true")
    assert with_folds.count("Acme opent nieuwe winkel") == 2 and len(with_folds) == 6
    # the dashboard's preset periods (its links carry them) become whole UTC days up to today
    now = datetime.now(UTC)
    await add_mentions(sessionmaker, mon.a, s.source, [{"title": "Recent", "published_at": now - timedelta(days=2)},
                                                       {"title": "Older", "published_at": now - timedelta(days=20)}])
    assert await listed(client, mon.a, h, period="7d") == ["Recent"]
    assert await listed(client, mon.a, h, period="30d") == ["Recent", "Older"]
    assert await listed(client, mon.a, h, period="custom", to="2026-03-01") == ["Weerbericht"]

    await login_as(client, mon.a, "viewer")
    page = await client.get(web(mon.a), params={"period": "7d"})
    assert "Recent" in page.text and "Older" not in page.text
    assert f'value="{(now - timedelta(days=7)).date().isoformat()}"' in page.text  # the period's first day
    page = await client.get(web(mon.a), params={"sentiment": "negative", "profile": str(s.profile)})
    assert page.status_code == 200
    assert "Storing bij Acme" in page.text and "Forumdraad over Acme service" in page.text
    assert "Weerbericht" not in page.text and "Acme CEO interview" not in page.text
    assert "door een persoon" in page.text and "door het model" in page.text  # sentiment badges (Dutch UI)
    assert "Merk" in page.text and "Directie" in page.text  # matched profiles
    assert 'name="ids"' not in page.text and "bulk-correct" not in page.text  # a viewer cannot correct


async def test_full_text_search(client: Any, sessionmaker: Any, seeded: Any, backend: str) -> None:
    mon, _s, _ids = seeded
    h = await api_headers(sessionmaker, mon.a, "viewer")
    assert await listed(client, mon.a, h, q="klantenservice") == ["Acme opent nieuwe winkel"]  # body
    assert await listed(client, mon.a, h, q="BOOS") == ["Storing bij Acme"]  # lead, any case
    assert await listed(client, mon.a, h, q="slechte") == ["Storing bij Acme", "Forumdraad over Acme service"]
    assert await listed(client, mon.a, h, q="slechte service") == [  # every word, in any part
        "Storing bij Acme", "Forumdraad over Acme service"]
    assert await listed(client, mon.a, h, q='"slechte service"') == ["Storing bij Acme"]  # a phrase
    assert await listed(client, mon.a, h, q='"service slechte"') == []
    assert await listed(client, mon.a, h, q="acme -storing -forumdraad -interview -weerbericht") == [
        "Acme opent nieuwe winkel"]
    assert await listed(client, mon.a, h, q="interview", language="en") == ["Acme CEO interview"]
    assert await listed(client, mon.a, h, q="regen or storing") == ["Storing bij Acme", "Weerbericht"]
    assert await listed(client, mon.a, h, q='"') == await listed(client, mon.a, h)  # nothing to search for
    assert await listed(client, mon.a, h, q="50%_off") == []  # LIKE wildcards are plain characters
    await login_as(client, mon.a, "viewer")
    page = await client.get(web(mon.a), params={"q": "regen"})
    assert "Weerbericht" in page.text and "Storing bij Acme" not in page.text


def test_search_on_postgresql_uses_the_documented_expression() -> None:
    """The migration adds a GIN index on exactly `SEARCH_DOCUMENT`; the query must use that very expression."""
    from sqlalchemy.dialects import postgresql

    from plugins.monitoring.mentions.service import SEARCH_DOCUMENT, MentionFilters, mentions_query

    sql = str(mentions_query(MentionFilters(q="acme"), "postgresql").compile(dialect=postgresql.dialect()))
    qualified = SEARCH_DOCUMENT.replace("title", "monitoring_mention.title").replace(
        "lead", "monitoring_mention.lead").replace("body", "monitoring_mention.body")
    assert f"{qualified} @@ websearch_to_tsquery('simple', " in sql


async def test_pagination_web_and_api(client: Any, sessionmaker: Any, mon: World) -> None:
    s = await setup_tenant(sessionmaker, mon.a)
    await add_mentions(sessionmaker, mon.a, s.source, [{"title": f"Bericht {n:02d}"} for n in range(30)])
    h = await api_headers(sessionmaker, mon.a, "viewer")
    first = (await client.get(api(mon.a), params={"per_page": 10}, headers=h)).json()
    assert first["page"] == {"page": 1, "per_page": 10, "total": 30, "pages": 3,
                             "total_exact": True, "has_next": True}
    assert [m["title"] for m in first["items"]][:2] == ["Bericht 00", "Bericht 01"]
    third = (await client.get(api(mon.a), params={"per_page": 10, "page": 3}, headers=h)).json()
    assert [m["title"] for m in third["items"]][-1] == "Bericht 29"
    too_many = await client.get(api(mon.a), params={"per_page": 101}, headers=h)
    assert too_many.status_code == 400 and "per_page" in too_many.text

    await login_as(client, mon.a, "viewer")
    page_one = await client.get(web(mon.a))
    assert page_one.text.count('<tr id="mention-') == 25
    assert "Pagina 1 van 2" in page_one.text and "Bericht 24" in page_one.text and "Bericht 25" not in page_one.text
    page_two = await client.get(web(mon.a), params={"page": 2})
    assert page_two.text.count('<tr id="mention-') == 5 and "Bericht 29" in page_two.text


async def test_a_list_past_the_count_cap_says_so_and_pages_on(client: Any, sessionmaker: Any, mon: World,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Over the cap the total is "20+" (not counted further), and the pager goes on to the real end."""
    from core.web import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", 20)
    s = await setup_tenant(sessionmaker, mon.a)
    await add_mentions(sessionmaker, mon.a, s.source, [{"title": f"Bericht {n:02d}"} for n in range(30)])
    other = await setup_tenant(sessionmaker, mon.b)
    await add_mentions(sessionmaker, mon.b, other.source, [{"title": "Globex"}] * 3)
    h = await api_headers(sessionmaker, mon.a, "viewer")
    first = (await client.get(api(mon.a), params={"per_page": 10}, headers=h)).json()
    assert first["page"] == {"page": 1, "per_page": 10, "total": 20, "pages": 2, "total_exact": False,
                             "has_next": True}
    last = (await client.get(api(mon.a), params={"per_page": 10, "page": 3}, headers=h)).json()
    assert last["page"] == {"page": 3, "per_page": 10, "total": 30, "pages": 3, "total_exact": True,
                            "has_next": False}
    assert [m["title"] for m in last["items"]] == [f"Bericht {n}" for n in range(20, 30)]
    beyond = (await client.get(api(mon.a), params={"per_page": 10, "page": 7}, headers=h)).json()
    assert beyond["page"] == last["page"] and beyond["items"] == last["items"]

    monkeypatch.setattr(pagination, "COUNT_CAP", 26)  # the page shows 25
    await login_as(client, mon.a, "viewer")
    page_one = (await client.get(web(mon.a))).text
    assert page_one.count('<tr id="mention-') == 25 and "26+ vermeldingen" in page_one
    assert "Pagina 1: 1–25 van 26+" in page_one and "page=2" in page_one and "Pagina 1 van" not in page_one
    page_two = (await client.get(web(mon.a), params={"page": 2})).text
    assert page_two.count('<tr id="mention-') == 5 and "Bericht 29" in page_two
    assert "30 vermeldingen" in page_two and "Pagina 2 van 2" in page_two  # the end reached: counted exactly
    filtered = (await client.get(web(mon.a), params={"to": "2026-03-09"})).text  # under the cap: exact
    assert "17 vermeldingen" in filtered and "17+" not in filtered and "Pagina" not in filtered
    await post_form(client, "/lang", {"lang": "en", "next": "/"})
    english = (await client.get(web(mon.a))).text
    assert "26+ mentions" in english and "Page 1: 1–25 of 26+" in english


async def test_bad_filters_are_named_and_show_nothing(client: Any, sessionmaker: Any, seeded: Any) -> None:
    mon, _s, _ids = seeded
    h = await api_headers(sessionmaker, mon.a, "viewer")
    for params, field in (({"sentiment": "angry"}, "sentiment"), ({"from": "10-03-2026"}, "from"),
                          ({"period": "1y"}, "period"),
                          ({"from": "2026-03-10", "to": "2026-03-01"}, "to"),
                          ({"profile": "nope"}, "profile"), ({"source_type": "tv"}, "source_type"),
                          ({"language": "dutch!"}, "language"), ({"sentiment_by": "robot"}, "sentiment_by")):
        response = await client.get(api(mon.a), params=params, headers=h)
        assert response.status_code == 422, params
        assert response.json()["errors"][0]["field"] == field
    await login_as(client, mon.a, "viewer")
    page = await client.get(web(mon.a), params={"sentiment": "angry"})
    assert page.status_code == 422 and "Kies een van" in page.text and "Storing bij Acme" not in page.text


async def test_days_outside_the_range_are_refused_on_their_field(client: Any, sessionmaker: Any,
                                                                 seeded: Any) -> None:
    mon, _s, _ids = seeded
    h = await api_headers(sessionmaker, mon.a, "viewer")
    response = await client.get(api(mon.a), params={"from": "0001-01-01", "to": "9999-12-31", "lang": "en"},
                                headers=h)
    assert response.status_code == 422
    assert sorted((e["field"], e["reason"]) for e in response.json()["errors"]) == [
        ("from", "Use a date from 1970-01-01 to 2099-12-31."), ("to", "Use a date from 1970-01-01 to 2099-12-31.")]
    response = await client.get(api(mon.a), params={"to": "9999-12-31"}, headers=h)  # the day after overflows
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["to"]
    assert await listed(client, mon.a, h, **{"from": "1970-01-01", "to": "2099-12-31"}) == [
        "Storing bij Acme", "Forumdraad over Acme service", "Acme opent nieuwe winkel", "Acme CEO interview",
        "Weerbericht"]
    await login_as(client, mon.a, "viewer")
    page = await client.get(web(mon.a), params={"from": "0001-01-01", "to": "9999-12-31"})
    assert page.status_code == 422 and "Gebruik een datum van 1970-01-01 tot en met 2099-12-31." in page.text
    assert "Storing bij Acme" not in page.text


async def test_detail_page_and_api(client: Any, sessionmaker: Any, seeded: Any) -> None:
    mon, _s, ids = seeded
    await login_as(client, mon.a, "viewer")
    page = await client.get(web(mon.a, str(ids[1])))
    assert page.status_code == 200
    assert "Storing bij Acme" in page.text and "Klanten boos over slechte service" in page.text
    assert "Merk" in page.text and "Directie" in page.text and "forum.nl" in page.text
    assert "Nieuws" in page.text  # the source
    assert "Nog niemand heeft deze vermelding gecorrigeerd." in page.text
    assert "Corrigeren:" not in page.text  # a viewer gets no correction forms
    original = await client.get(web(mon.a, str(ids[0])))
    assert "Re-posts die in deze vermelding zijn opgegaan (1)" in original.text and str(ids[5]) in original.text
    folded = await client.get(web(mon.a, str(ids[5])))
    assert "Toon het origineel" in folded.text

    h = await api_headers(sessionmaker, mon.a, "viewer")
    body = (await client.get(api(mon.a, f"mentions/{ids[0]}"), headers=h)).json()
    assert body["title"] == "Acme opent nieuwe winkel" and body["repost_ids"] == [str(ids[5])]
    assert body["author"] == {"handle": "anna", "name": "Anna", "reach": 1200}
    assert body["sentiment"] == {"label": "positive", "score": 0.6, "by": "model"}
    assert set(body["parts"]) == {"title", "body"} and body["profiles"][0]["name"] == "Merk"
    assert body["corrections"] == []


async def test_other_tenants_mentions_are_invisible(client: Any, sessionmaker: Any, seeded: Any) -> None:
    mon, _s, ids = seeded
    sb = await setup_tenant(sessionmaker, mon.b)
    [theirs] = await add_mentions(sessionmaker, mon.b, sb.source, [{"title": "Globex geheim"}])
    h = await api_headers(sessionmaker, mon.a, "viewer")
    assert "Globex geheim" not in await listed(client, mon.a, h)
    assert (await client.get(api(mon.a, f"mentions/{theirs}"), headers=h)).status_code == 404
    assert (await client.get(api(mon.b, f"mentions/{ids[0]}"), headers=h)).status_code in (401, 403, 404)
    await login_as(client, mon.a, "viewer")
    assert (await client.get(web(mon.a, str(theirs)))).status_code == 404
    filtered = await client.get(web(mon.a), params={"source": str(sb.source)})
    assert filtered.status_code == 200 and "Globex geheim" not in filtered.text
