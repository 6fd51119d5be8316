"""The ingestion pipeline: validation, idempotence, folding, language and sentiment, profiles, counters, events,
the alert job, and the push API with per-item results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.activation.models import PluginActivation
from core.jobs.models import OutboxMessage
from core.plugins.api import PluginInfo, hookimpl
from core.tenancy.scope import tenant_scope
from plugins.monitoring.mentions import classifier as store
from plugins.monitoring.mentions import matching
from plugins.monitoring.mentions.ingest import content_hash, ingest, normalise, parse_item
from plugins.monitoring.models import (
    ALL_PROFILES,
    ClassifierState,
    DirtyDay,
    HourStat,
    Mention,
    MentionProfile,
    SearchProfile,
    Source,
)
from tests.plugins.monitoring.conftest import item
from tests.support import TenantWorld, World, api_headers, login_as

NOW = datetime.now(UTC).replace(microsecond=0)
URL = "/api/v1/t/acme/monitoring/mentions/ingest"


def errors_of(raw: Any) -> dict[str, str]:
    parsed, errors = parse_item(raw, NOW)
    assert (parsed is None) == bool(errors)
    return {f: m.render("en") for f, m in errors}


# -- parse_item -----------------------------------------------------------------------------------------------

def test_parse_item_accepts_a_full_item_and_fills_defaults() -> None:
    parsed, errors = parse_item({
        "external_id": " 42 ", "published_at": "2026-01-31T09:30:00", "title": "Kop\x00", "lead": "", "body": "Tekst",
        "url": "https://www.NU.nl/a?b=1", "author_handle": "@jan", "author_reach": "1200", "language": "nl-BE",
        "source_type": "NEWS", "tags": ["zorg", "zorg", " ", "kpn"], "unknown": {"ignored": True}}, NOW)
    assert errors == [] and parsed is not None
    assert parsed.external_id == "42" and parsed.title == "Kop"
    assert parsed.published_at == datetime(2026, 1, 31, 9, 30, tzinfo=UTC)  # naive is UTC
    assert parsed.place == "nu.nl" and parsed.author_reach == 1200
    assert (parsed.language, parsed.source_type, parsed.tags) == ("nl", "news", ["zorg", "kpn"])
    minimal, _ = parse_item({"external_id": 7, "published_at": "2026-01-31T10:30:00+01:00", "lead": "x"}, NOW)
    assert minimal is not None and minimal.published_at == datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    assert (minimal.language, minimal.source_type, minimal.place, minimal.external_id) == (None, None, "", "7")
    assert parse_item(item("z", "x", published_at=(NOW + timedelta(hours=23)).isoformat()), NOW)[0] is not None
    assert parse_item(item("z", "x", published_at="2026-01-31T09:30:00Z"), NOW)[0] is not None


@pytest.mark.parametrize(("raw", "field", "reason"), [
    ("not an object", "item", "Each item must be an object."),
    ({"published_at": NOW.isoformat(), "body": "x"}, "external_id", "This field is required."),
    (item("x" * 301, "x"), "external_id", "Use at most 300 characters."),
    (item("1", "x", published_at="yesterday"), "published_at", "Use a date and time like"),
    (item("1", "x", published_at=""), "published_at", "This field is required."),
    (item("1", "x", published_at=(NOW + timedelta(days=2)).isoformat()), "published_at", "in the future"),
    (item("1", "", title="  "), "body", "Give a title, a lead or a body."),
    (item("1", "x" * 100_001), "body", "Use at most 100000 characters."),
    (item("1", "x", title=["a list"]), "title", "Use a text."),
    (item("1", "x", url="ftp://example.org/x"), "url", "http:// or https://"),
    (item("1", "x", url="https://"), "url", "http:// or https://"),
    (item("1", "x", author_reach=-1), "author_reach", "Use a whole number of 0 or more."),
    (item("1", "x", author_reach=True), "author_reach", "Use a whole number of 0 or more."),
    (item("1", "x", author_reach="many"), "author_reach", "Use a whole number of 0 or more."),
    (item("1", "x", language="de"), "language", "Choose one of: nl, en, und."),
    (item("1", "x", source_type="tv"), "source_type", "Choose one of: news, blog"),
    (item("1", "x", tags="zorg"), "tags", "Use a list of texts."),
    (item("1", "x", tags=["x" * 101]), "tags", "Use at most 50 tags of at most 100 characters."),
])
def test_parse_item_refuses_with_field_and_reason(raw: Any, field: str, reason: str) -> None:
    errors = errors_of(raw)
    assert field in errors and reason in errors[field], errors


EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
         "2100-01-01T00:00:00Z", "9999-12-31T23:59:59"]
"""Moments at and beyond the edges of the calendar: converting their zone or going back a week overflows."""


@pytest.mark.parametrize("moment", [*EDGES, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))])
def test_published_at_outside_the_range_is_refused_on_its_field(moment: Any) -> None:
    assert errors_of(item("1", "x", published_at=moment)) == {
        "published_at": "Use a date from 1970-01-01 to 2099-12-31."}
    assert parse_item(item("1", "x", published_at="1970-01-01T00:00:00Z"), NOW)[0] is not None


def test_parse_item_reports_every_problem_at_once() -> None:
    assert set(errors_of({"published_at": "x", "url": "mailto:a@b", "language": "fr"})) == {
        "external_id", "published_at", "body", "url", "language"}


def test_reposts_and_duplicates_share_a_hash() -> None:
    base = normalise("Storing bij KPN in Amsterdam")[0]
    for variant in ("RT @nos: Storing bij KPN in Amsterdam https://t.co/abc", "storing   bij kpn in amsterdam",
                    "Storing bij KPN in Amsterdam via @nos", "rt @a: RT @b: Storing bij KPN in Amsterdam",
                    "Storing bij KPN in Amsterdam: https://nos.nl/artikel/1"):
        assert normalise(variant)[0] == base, variant
    assert normalise("RT @nos: top")[1] is True
    short = parse_item(item("1", "top!"), NOW)[0]
    marked = parse_item(item("2", "RT @nos: top!"), NOW)[0]
    only_url = parse_item(item("3", "https://t.co/x"), NOW)[0]
    assert short and marked and only_url
    assert content_hash(short)[0] == content_hash(marked)[0]
    assert content_hash(short)[1] is False and content_hash(marked)[1] is True  # short texts fold only as RT
    assert content_hash(only_url)[1] is False


# -- the pipeline ---------------------------------------------------------------------------------------------

async def add_source(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, name: str = "Push",
                     source_type: str = "microblog", **fields: Any) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            source = Source(name=name, kind="api", source_type=source_type, **fields)
            session.add(source)
            await session.flush()
            return source.id


async def add_profile(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, name: str, query: str,
                      **fields: Any) -> UUID:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            profile = SearchProfile(name=name, query=query, **fields)
            session.add(profile)
            await session.flush()
            return profile.id


async def run(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld, source_id: UUID,
              items: list[Any], pm: Any = None) -> Any:
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            source = await session.get(Source, source_id)
            return await ingest(session, source, items, pm=pm, tenant_id=tw.id)


async def snapshot(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> dict[str, Any]:
    """Everything ingestion writes, comparable between runs."""
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            mentions = (await session.execute(select(Mention.external_id, Mention.reposts, Mention.duplicate_of_id)
                                              .order_by(Mention.external_id))).all()
            stats = (await session.execute(select(HourStat.profile_key, HourStat.sentiment, HourStat.language,
                                                  HourStat.mentions, HourStat.reach))).all()
            links = await session.scalar(select(func.count()).select_from(MentionProfile))
            jobs = (await session.scalars(select(OutboxMessage.payload)
                                          .where(OutboxMessage.actor == "monitoring.check_alerts"))).all()
    return {"mentions": [tuple(m) for m in mentions], "stats": sorted(map(tuple, stats), key=str),
            "links": links, "jobs": jobs}


def counted(snap: dict[str, Any], key: UUID = ALL_PROFILES) -> int:
    return sum(n for k, _s, _l, n, _r in snap["stats"] if k == key)


async def test_the_same_batch_twice_changes_nothing(mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a)
    await add_profile(sessionmaker, mon.a, "KPN", "kpn")
    batch = [item("1", "KPN storing in Utrecht, weer geen internet", author_reach=100),
             item("2", "Great help from the KPN shop today", author_reach=5),
             item("1", "the same external id again in this batch"),
             item("3", "")]
    first = await run(sessionmaker, mon.a, source, batch)
    assert [o.status for o in first.outcomes] == ["created", "created", "duplicate", "rejected"]
    assert first.outcomes[2].mention_id == first.outcomes[0].mention_id
    before = await snapshot(sessionmaker, mon.a)
    assert len(before["mentions"]) == 2 and counted(before) == 2 and before["links"] == 2
    assert sum(r for k, *_x, r in before["stats"] if k == ALL_PROFILES) == 105
    second = await run(sessionmaker, mon.a, source, batch)
    assert [o.status for o in second.outcomes] == ["duplicate", "duplicate", "duplicate", "rejected"]
    assert [o.mention_id for o in second.outcomes[:2]] == [o.mention_id for o in first.outcomes[:2]]
    after = await snapshot(sessionmaker, mon.a)
    assert {**after, "jobs": len(after["jobs"])} == {**before, "jobs": 1}  # no second alert check either
    # the same external id in another source is another mention (and folds: same text)
    other = await add_source(sessionmaker, mon.a, "Other")
    assert [o.status for o in (await run(sessionmaker, mon.a, other, batch[:1])).outcomes] == ["folded"]


async def test_duplicates_and_reposts_are_folded_not_counted(mon: World,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a)
    text = "Waarom ligt het netwerk van KPN er weer uit?"
    report = await run(sessionmaker, mon.a, source, [
        item("a", text, author_handle="piet", author_reach=10),
        item("b", f"RT @piet: {text} https://t.co/x", author_handle="klaas", author_reach=1000),
        item("c", "ok", author_handle="x"), item("d", "ok", author_handle="y")])  # short: coincidence, no fold
    assert [o.status for o in report.outcomes] == ["created", "folded", "created", "created"]
    other = await add_source(sessionmaker, mon.a, "Forum", "forum")
    later = await run(sessionmaker, mon.a, other, [item("z", f"{text} via @piet", title="")])
    assert later.outcomes[0].status == "folded"
    snap = await snapshot(sessionmaker, mon.a)
    original = report.outcomes[0].mention_id
    assert counted(snap) == 3 and sum(r for k, *_x, r in snap["stats"] if k == ALL_PROFILES) == 10
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            rows = {m.external_id: m for m in (await session.scalars(select(Mention))).all()}
    assert rows["a"].reposts == 2 and rows["a"].duplicate_of_id is None
    assert rows["b"].duplicate_of_id == original and rows["z"].duplicate_of_id == original
    assert rows["b"].sentiment == rows["a"].sentiment and rows["z"].language == rows["a"].language
    assert rows["z"].source_type == "forum" and rows["b"].author_handle == "klaas"
    assert rows["c"].duplicate_of_id is None and rows["d"].duplicate_of_id is None


async def test_language_and_sentiment_are_stored_per_part(mon: World,
                                                          sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a)
    report = await run(sessionmaker, mon.a, source, [
        item("nl", "Wat een waardeloze service, ik ben woedend en heel teleurgesteld", title="KPN storing"),
        item("en", "I love this, excellent and friendly help", title="Great support", lead="Thanks a lot"),
        item("given", "Wat een waardeloze service, ik ben woedend", language="en")])
    assert [o.status for o in report.outcomes] == ["created"] * 3
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            rows = {m.external_id: m for m in (await session.scalars(select(Mention))).all()}
    nl, en = rows["nl"], rows["en"]
    assert (nl.language, en.language, rows["given"].language) == ("nl", "en", "en")
    assert set(nl.sentiment_parts) == {"title", "body"} and set(en.sentiment_parts) == {"title", "lead", "body"}
    assert nl.sentiment == "negative" and nl.sentiment_score < 0 and nl.sentiment_parts["body"]["label"] == "negative"
    assert en.sentiment == "positive" and en.sentiment_parts["lead"]["by"] == "model"
    assert all(set(p) == {"label", "score", "by"} for p in en.sentiment_parts.values())
    assert nl.sentiment_by == en.sentiment_by == "model"


async def test_text_every_database_accepts(mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a)
    report = await run(sessionmaker, mon.a, source, [item("nul", "a\x00b zit in de tekst"),
                                                     item("surrogate", "kapot \ud800 teken", author_name="\udfff"),
                                                     item("emoji", "Top 👍🏽 service", tags=["🎉"])])
    assert [o.status for o in report.outcomes] == ["created"] * 3
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            rows = {m.external_id: m for m in (await session.scalars(select(Mention))).all()}
    assert rows["nul"].body == "ab zit in de tekst" and rows["surrogate"].body == "kapot ? teken"
    assert rows["emoji"].body == "Top 👍🏽 service" and rows["emoji"].tags == ["🎉"]


async def test_profiles_are_matched_and_counted(mon: World, sessionmaker: async_sessionmaker[AsyncSession],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from plugins.monitoring.mentions import ingest as pipeline

    queued: list[tuple[str, dict[str, Any]]] = []

    def spy(session: AsyncSession, name: str, **payload: Any) -> Any:
        queued.append((name, payload))
        return real(session, name, **payload)

    real = pipeline.enqueue_job
    monkeypatch.setattr(pipeline, "enqueue_job", spy)
    source = await add_source(sessionmaker, mon.a, source_type="news")
    kpn = await add_profile(sessionmaker, mon.a, "KPN", "kpn OR @kpn")
    english = await add_profile(sessionmaker, mon.a, "KPN English", "kpn", languages=["en"])
    await add_profile(sessionmaker, mon.a, "Blogs only", "kpn", source_types=["blog"])
    await add_profile(sessionmaker, mon.a, "Switched off", "kpn", is_active=False)
    hour = datetime(2026, 1, 5, 14, 20, tzinfo=UTC)
    report = await run(sessionmaker, mon.a, source, [
        item("1", "De klantenservice van KPN is traag vandaag", published_at=hour.isoformat()),
        item("2", "KPN has the best network in the country", published_at=hour.isoformat(), author_reach=7),
        item("3", "Niets over telecom hier, alleen het weer", published_at=hour.isoformat()),
        item("4", "Alweer een storing bij het netwerk", author_handle="@kpn",
             published_at=(hour + timedelta(hours=1)).isoformat())])
    assert set(report.profile_ids) == {kpn, english}
    ids = [o.mention_id for o in report.outcomes]
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            links = {(r.mention_id, r.profile_id) for r in (await session.scalars(select(MentionProfile))).all()}
            times = set((await session.scalars(select(MentionProfile.published_at))).all())
            stats = (await session.scalars(select(HourStat))).all()
            days = set((await session.scalars(select(DirtyDay.day))).all())
            jobs = (await session.scalars(select(OutboxMessage).where(
                OutboxMessage.actor == "monitoring.check_alerts"))).all()
    assert links == {(ids[0], kpn), (ids[1], kpn), (ids[1], english), (ids[3], kpn)}
    assert times == {hour, hour + timedelta(hours=1)}
    by_key: dict[UUID, int] = {}
    for s in stats:
        by_key[s.profile_key] = by_key.get(s.profile_key, 0) + s.mentions
        assert s.hour in (hour.replace(minute=0), hour.replace(minute=0) + timedelta(hours=1))
    assert by_key == {ALL_PROFILES: 4, kpn: 3, english: 1}
    assert sum(s.reach for s in stats if s.profile_key == english) == 7
    assert days == {hour.date()}
    assert len(jobs) == 1  # the outbox row (its payload is redacted once relayed)
    assert queued == [("monitoring.check_alerts", {})]  # one coalesced check of every active profile


async def test_a_stream_of_batches_is_checked_for_alerts_every_few_seconds(
        mon: World, sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    from plugins.monitoring.mentions import ingest as pipeline

    queued: list[float | None] = []
    real = pipeline.enqueue_job

    def spy(session: AsyncSession, name: str, **payload: Any) -> Any:
        queued.append(payload.get("after_seconds"))
        return real(session, name, **payload)

    monkeypatch.setattr(pipeline, "enqueue_job", spy)
    clock = [1_000.0]
    monkeypatch.setattr(pipeline, "_clock", lambda: clock[0])
    window = pipeline.ALERT_TRIGGER_SECONDS
    source = await add_source(sessionmaker, mon.a)
    await add_profile(sessionmaker, mon.a, "KPN", "kpn")
    await run(sessionmaker, mon.a, source, [item("1", "KPN storing in Utrecht")])
    assert queued == [None]  # the first batch after a quiet spell: checked at once
    clock[0] += window / 2
    await run(sessionmaker, mon.a, source, [item("2", "KPN storing in Zwolle")])
    assert queued == [None, pytest.approx(window / 2)]  # one check at the end of the window
    clock[0] += 1
    await run(sessionmaker, mon.a, source, [item("3", "KPN storing in Assen")])
    await run(sessionmaker, mon.a, source, [item("4", "Niets over telecom")])  # matches no profile
    assert len(queued) == 2  # the check at the end of the window sees these too
    clock[0] += window  # past the queued check, within its window: the next one is queued at that window's end
    await run(sessionmaker, mon.a, source, [item("5", "KPN storing in Delft")])
    assert queued[2] == pytest.approx(window - (window / 2 + 1))  # due two windows after the first check
    clock[0] += 3 * window  # quiet again
    await run(sessionmaker, mon.a, source, [item("6", "KPN storing in Ede")])
    assert queued[3] is None


async def test_the_matcher_follows_profile_changes(mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    profile = await add_profile(sessionmaker, mon.a, "P", "kpn")
    doc_ids = []
    for query in (None, "ziggo"):
        with tenant_scope(mon.a.id):
            async with sessionmaker() as session, session.begin():
                if query:
                    row = await session.get(SearchProfile, profile)
                    row.query, row.version = query, row.version + 1
                    await session.flush()
                matcher = await matching.active_matcher(session)
                from plugins.monitoring.query import Document

                doc_ids.append(matcher.match(Document.of("Ziggo en KPN"), "nl", "news") and
                               matcher.match(Document.of("alleen kpn"), "nl", "news"))
                assert await matching.active_matcher(session) is matcher  # cached while nothing changes
    assert doc_ids == [[profile], []]


async def test_the_classifier_store_keeps_revisions(mon: World,
                                                    sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session, session.begin():
            shared = await store.reading_classifier(session)
            assert await store.reading_classifier(session) is shared
            private = await store.load_classifier(session)
            assert private is not shared
            for _ in range(3):
                private.learn("Die nieuwe bundel is echt ziek goed", "nl", "positive")
            assert await store.save_classifier(session, private) == 1
        async with sessionmaker() as session, session.begin():
            learned = await store.reading_classifier(session)
            assert learned is not shared and learned.learned == 3 and shared.learned == 0
            again = await store.load_classifier(session)
            again.learn("slecht", "nl", "negative")
            assert await store.save_classifier(session, again) == 2
            assert learned.learned == 3  # the cached one never learns
        async with sessionmaker() as session:
            assert (await session.scalar(select(ClassifierState.learned))) == 4
    with tenant_scope(mon.b.id):
        async with sessionmaker() as session:
            assert (await store.reading_classifier(session)).learned == 0


async def test_concurrent_learning_loses_no_step(mon: World, sessionmaker: async_sessionmaker[AsyncSession],
                                                 backend: str) -> None:
    """Two corrections at once: the second waits for the first's lock instead of overwriting its step."""
    import asyncio

    if backend != "postgresql":
        pytest.skip("SQLite serialises writers itself; the row lock is PostgreSQL's")
    first_has_lock = asyncio.Event()

    async def learn(text: str, hold: bool) -> None:
        with tenant_scope(mon.a.id):
            async with sessionmaker() as session, session.begin():
                classifier = await store.load_classifier(session)
                if hold:
                    first_has_lock.set()
                    await asyncio.sleep(0.3)
                classifier.learn(text, "nl", "positive")
                await store.save_classifier(session, classifier)

    await learn("nul", hold=False)  # the row exists: its lock, not the insert, must queue the second
    first_has_lock.clear()
    first = asyncio.create_task(learn("eerste", hold=True))
    await first_has_lock.wait()
    await asyncio.gather(first, learn("tweede", hold=False))
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            state = (await session.execute(select(ClassifierState.learned, ClassifierState.revision))).one()
    assert tuple(state) == (3, 3)


class Listener:
    """Another plugin that listens for mentions."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="listener", groundswell_function="talking", default_owner="customer_service")

    @hookimpl
    def regie_events(self, ctx: Any, events: list[Any]) -> None:
        self.events += [(ctx.tenant_slug, event.name, event.payload) for event in events]


async def test_mention_received_reaches_other_active_plugins(app: Any, mon: World,
                                                             sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    import json

    source = await add_source(sessionmaker, mon.a)
    kpn = await add_profile(sessionmaker, mon.a, "KPN", "kpn")
    listener = Listener()
    app.state.pm.register(listener)
    try:
        with tenant_scope(mon.a.id):
            async with sessionmaker() as session, session.begin():
                session.add(PluginActivation(plugin="listener", department_id=mon.a.departments["service"].id,
                                             status="active"))
        text = "KPN heeft weer een storing, wat slecht"
        report = await run(sessionmaker, mon.a, source, [
            item("1", text, title="Storing", url="https://x.nl/1", author_handle="jan"),
            item("2", f"RT @jan: Storing {text}"), item("3", "")], pm=app.state.pm)
        await run(sessionmaker, mon.a, source, [item("1", text)], pm=app.state.pm)  # a duplicate: silent
        await run(sessionmaker, mon.b, await add_source(sessionmaker, mon.b), [item("1", "b")], pm=app.state.pm)
    finally:
        app.state.pm.unregister(listener)
    assert len(listener.events) == 1
    slug, name, payload = listener.events[0]
    assert (slug, name) == ("acme", "mention.received")
    assert payload["mention_id"] == str(report.outcomes[0].mention_id) and payload["profile_ids"] == [str(kpn)]
    assert (payload["sentiment"], payload["language"], payload["source_type"]) == ("negative", "nl", "microblog")
    assert payload["score"] < 0 and payload["url"] == "https://x.nl/1" and payload["title"] == "Storing"
    assert payload["author_handle"] == "jan" and datetime.fromisoformat(payload["published_at"]).tzinfo
    json.dumps(payload)


# -- the API --------------------------------------------------------------------------------------------------

async def test_push_api_answers_per_item(client: Any, mon: World,
                                         sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    source = await add_source(sessionmaker, mon.a, "Webcare tool")
    headers = await api_headers(sessionmaker, mon.a, "member")
    body = {"source": "Webcare tool", "items": [
        item("1", "De app van Acme crasht steeds"), item("2", "", url="javascript:alert(1)"), "x",
        item("3", "RT @a: De app van Acme crasht steeds")]}
    r = await client.post(URL + "?lang=en", json=body, headers=headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["duplicates"], out["folded"], out["rejected"]) == (1, 0, 1, 2)
    assert [i["status"] for i in out["items"]] == ["created", "rejected", "rejected", "folded"]
    assert {e["field"] for e in out["items"][1]["errors"]} == {"body", "url"}
    assert out["items"][2]["errors"] == [{"field": "item", "reason": "Each item must be an object."}]
    assert out["items"][0]["id"] and out["items"][1]["id"] is None
    # by id, in Dutch (the default); the same batch again only reports duplicates
    r = await client.post(URL, json={"source": str(source), "items": body["items"]}, headers=headers)
    assert [i["status"] for i in r.json()["items"]] == ["duplicate", "rejected", "rejected", "duplicate"]
    assert r.json()["items"][2]["errors"][0]["reason"] == "Elk item moet een object zijn."
    everything_bad = await client.post(URL, json={"source": "Webcare tool", "items": [{}]}, headers=headers)
    assert everything_bad.status_code == 200 and everything_bad.json()["rejected"] == 1
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Mention)) == 2


async def test_an_item_at_the_edge_of_the_calendar_is_rejected_alone(
        client: Any, mon: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_source(sessionmaker, mon.a)
    headers = await api_headers(sessionmaker, mon.a, "member")
    items = [item("ok-1", "Acme levert op tijd")]
    items += [item(f"edge-{n}", f"Bericht {n}", published_at=moment) for n, moment in enumerate(EDGES)]
    items.append(item("ok-2", "Acme levert weer op tijd"))
    r = await client.post(URL + "?lang=en", json={"source": "Push", "items": items}, headers=headers)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["rejected"]) == (2, len(EDGES))
    assert [i["status"] for i in out["items"]] == ["created", *["rejected"] * len(EDGES), "created"]
    assert all(i["errors"] == [{"field": "published_at", "reason": "Use a date from 1970-01-01 to 2099-12-31."}]
               for i in out["items"][1:-1])
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            stored = set((await session.scalars(select(Mention.external_id))).all())
    assert stored == {"ok-1", "ok-2"}


MALFORMED = [
    ([{"external_id": "1"}], 400, None),
    ({"source": "Push"}, 422, "items"),
    ({"source": "Push", "items": {"0": {}}}, 422, "items"),
    ({"source": "Push", "items": [item(str(i), "x") for i in range(1001)]}, 422, "items"),
    ({"items": [item("1", "x")]}, 422, "source"),
    ({"source": "Nope", "items": [item("1", "x")]}, 422, "source"),
    ({"source": "Off", "items": [item("1", "x")]}, 422, "source"),
]


async def test_push_api_refuses_a_malformed_batch(client: Any, mon: World,
                                                  sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_source(sessionmaker, mon.a)
    await add_source(sessionmaker, mon.a, "Off", is_active=False)
    headers = await api_headers(sessionmaker, mon.a, "member")
    for body, status, field in MALFORMED:
        r = await client.post(URL + "?lang=en", json=body, headers=headers)
        assert r.status_code == status, r.text
        if field:
            assert r.json()["errors"][0]["field"] == field
    r = await client.post(URL, json={"source": "Nope", "items": []}, headers=headers)
    assert r.json()["errors"] == [{"field": "source",
                                   "reason": "Er is geen bron met deze naam of id; voeg hem toe onder Bronnen."}]
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Mention)) == 0


async def test_push_api_needs_a_token_of_this_tenant(client: Any, mon: World,
                                                     sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_source(sessionmaker, mon.a)
    await add_source(sessionmaker, mon.b)  # a source of the same name in the other tenant
    body = {"source": "Push", "items": [item("1", "Iets over Acme")]}
    assert (await client.post(URL, json=body)).status_code == 401
    other = await api_headers(sessionmaker, mon.b, "admin")
    assert (await client.post(URL, json=body, headers=other)).status_code in (401, 403)
    viewer = await api_headers(sessionmaker, mon.a, "viewer")
    assert (await client.post(URL, json=body, headers=viewer)).status_code == 403
    with tenant_scope(mon.a.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Mention)) == 0
    with tenant_scope(mon.b.id):
        async with sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Mention)) == 0
    ok = await client.post("/api/v1/t/globex/monitoring/mentions/ingest", json=body, headers=other)
    assert ok.status_code == 200 and ok.json()["created"] == 1
    await login_as(client, mon.a, "marketer")  # the core's API takes tokens only (no CSRF exposure)
    assert (await client.post(URL, json=body)).status_code == 401
    marketer = await api_headers(sessionmaker, mon.a, "marketer")
    assert (await client.post(URL, json=body, headers=marketer)).json()["created"] == 1
