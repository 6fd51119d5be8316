"""The buzz dashboard: figures from known data, every filter, validation, the rollup job, KPIs and the widget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import func, select

from core.plugins.api import HookContext, run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring import stats
from plugins.monitoring.buzz import hooks, service
from plugins.monitoring.buzz.figures import split_window
from plugins.monitoring.models import ALL_PROFILES, Alert, DayStat, DirtyDay, Mention
from tests.plugins.monitoring.buzz_data import (
    KNOWN,
    WEEK,
    M,
    add_more,
    at,
    profile_id,
    seed,
)
from tests.querycount import count_queries
from tests.support import api_headers, login_as

WEEK_PARAMS = {"period": "custom", "from": "2026-03-02", "to": "2026-03-08"}
API = "/api/v1/t/acme/monitoring/buzz"
PAGE = "/t/acme/p/monitoring/"



async def rollup(app, tw) -> dict:
    return await run_named_job(app, "monitoring.rollup_days", tw.id)


async def day_rows(sessionmaker, tw) -> list[tuple]:
    with tenant_scope(tw.id):
        async with sessionmaker() as s:
            rows = await s.execute(select(DayStat.day, DayStat.kind, DayStat.profile_key, DayStat.source_type,
                                          DayStat.language, DayStat.sentiment, DayStat.key, DayStat.label,
                                          DayStat.mentions, DayStat.reach))
            return sorted(tuple(str(v) for v in r) for r in rows)


async def get_buzz(client, headers, **params) -> dict:
    response = await client.get(API, params={**WEEK_PARAMS, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def kpi(board: dict, key: str) -> dict:
    return next(k for k in board["kpis"] if k["key"] == key)


async def test_figures_from_known_data(app, client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    # before the rollup every day is dirty: volume and sentiment come from the hourly counters
    board = await get_buzz(client, headers)
    assert board["totals"]["mentions"] == 7 and board["totals"]["reach"] == 8125
    assert board["top_terms"] == []
    done = await rollup(app, mon.a)
    assert len(done["days"]) == 6  # 2, 3, 4, 5, 6 and 8 March
    board = await get_buzz(client, headers)
    t = board["totals"]
    assert (t["mentions"], t["reach"], t["negative"], t["positive"], t["neutral"]) == (7, 8125, 4, 2, 1)
    assert t["negative_share"] == 57.1 and t["sentiment_index"] == -28.6 and t["places"] == 6
    assert board["granularity"] == "day" and board["buckets"][0] == "2026-03-02" and len(board["buckets"]) == 7
    assert board["sentiment_share"] == {"negative": 4, "neutral": 1, "positive": 2}
    assert board["source_types"] == {"news": 2, "blog": 1, "forum": 1, "microblog": 2, "review": 1}
    assert [a["key"] for a in board["top_authors"]] == ["carol", "erik", "anna", "bob", "dirk", "fay"]
    bob = board["top_authors"][3]
    assert (bob["label"], bob["reach"], bob["mentions"]) == ("Bob B", 60, 2)
    terms = {r["key"]: r["mentions"] for r in board["top_terms"]}
    assert terms["trein"] == 3 and terms["vertraging"] == 2 and terms["station"] == 2
    assert not {"de", "the", "is", "weer"} & set(terms)
    assert [(h["key"], h["mentions"]) for h in board["top_hashtags"]] == [("treinen", 2)]
    assert {p["key"] for p in board["top_places"]} == {"nu.nl", "x.com", "medium.com", "forum.nl", "nos.nl",
                                                     "trustpilot.com"}
    # one series for all mentions and one per profile, per day
    volume = {s["key"]: s["values"] for s in board["volume"]}
    assert volume["all"] == [2, 1, 1, 1, 1, 0, 1]
    assert volume[str(profile_id(seeded, "Trein"))] == [2, 1, 0, 1, 0, 0, 0]
    assert volume[str(profile_id(seeded, "Station"))] == [0, 0, 1, 1, 1, 0, 0]
    trend = {s["key"]: s["values"] for s in board["sentiment_trend"]}
    assert trend["negative"][:2] == [50.0, 100.0] and trend["positive"][0] == 50.0
    # the previous week is empty: no change can be given for counts
    assert kpi(board, "mentions")["previous"] == 0 and kpi(board, "mentions")["change"] is None


async def test_every_filter_narrows(app, client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    await rollup(app, mon.a)
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    trein = str(profile_id(seeded, "Trein"))
    cases = {
        "profile": (trein, [m for m in KNOWN if "Trein" in m.profiles]),
        "source_type": ("microblog", [m for m in KNOWN if m.source_type == "microblog"]),
        "sentiment": ("negative", [m for m in KNOWN if m.sentiment == "negative"]),
        "language": ("en", [m for m in KNOWN if m.language == "en"]),
    }
    for name, (value, expected) in cases.items():
        board = await get_buzz(client, headers, **{name: value})
        t = board["totals"]
        assert t["mentions"] == len(expected), name
        assert t["reach"] == sum(m.reach for m in expected), name
        assert t["places"] == len({m.place for m in expected}), name
        assert {a["key"] for a in board["top_authors"]} == {m.author for m in expected}, name
        assert sum(board["source_types"].values()) == len(expected), name
    board = await get_buzz(client, headers, profile=trein)
    assert board["volume_by"] == "source_type"
    assert {s["key"]: sum(s["values"]) for s in board["volume"]} == {"news": 1, "microblog": 2, "forum": 1}
    assert {r["key"] for r in (await get_buzz(client, headers, language="en"))["top_terms"]} >= {"station", "staff"}
    assert "trein" not in {r["key"] for r in (await get_buzz(client, headers, language="en"))["top_terms"]}
    # two filters together
    board = await get_buzz(client, headers, profile=trein, sentiment="negative", source_type="microblog")
    assert board["totals"]["mentions"] == 2 and [a["key"] for a in board["top_authors"]] == ["bob"]
    # another tenant sees none of it
    b_headers = await api_headers(sessionmaker, mon.b, "viewer")
    response = await client.get("/api/v1/t/globex/monitoring/buzz", params=WEEK_PARAMS, headers=b_headers)
    assert response.status_code == 200 and response.json()["totals"]["mentions"] == 0
    response = await client.get("/api/v1/t/globex/monitoring/buzz", params={**WEEK_PARAMS, "profile": trein},
                                headers=b_headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "profile"


BAD_FILTERS = [
    ({"period": "century"}, "period"),
    ({"period": "custom", "from": "2026-03-02"}, "to"),
    ({"period": "custom", "from": "yesterday", "to": "2026-03-02"}, "from"),
    ({"period": "custom", "from": "2026-03-08", "to": "2026-03-02"}, "to"),
    ({"period": "custom", "from": "2020-01-01", "to": "2026-03-02"}, "to"),
    ({"granularity": "minute"}, "granularity"),
    ({"period": "90d", "granularity": "hour"}, "granularity"),
    ({"profile": "not-a-uuid"}, "profile"),
    ({"profile": str(uuid4())}, "profile"),
    ({"source_type": "television"}, "source_type"),
    ({"sentiment": "furious"}, "sentiment"),
    ({"language": "Nederlands!"}, "language"),
    ({"period": "custom", "from": "1969-12-31", "to": "1970-01-02"}, "from"),
]


async def test_bad_filters_name_the_field(client, mon, sessionmaker):
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    for params, field in BAD_FILTERS:
        response = await client.get(API, params=params, headers=headers)
        assert response.status_code == 422, params
        assert [e["field"] for e in response.json()["errors"]] == [field], params


async def test_days_at_the_end_of_the_calendar_are_refused_not_a_500(client, mon, sessionmaker):
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    response = await client.get(API, params={"period": "custom", "from": "9999-12-31", "to": "9999-12-31"},
                                headers=headers)  # the day after overflows
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": f, "reason": "Gebruik een datum van 1970-01-01 tot en met "
                                                                "2099-12-31."} for f in ("from", "to")]
    response = await client.get(API, params={"period": "custom", "from": "2099-12-31", "to": "2099-12-31"},
                                headers=headers)
    assert response.status_code == 200, response.text


async def test_page_shows_filter_errors_and_the_figures(app, client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    await rollup(app, mon.a)
    await login_as(client, mon.a, "viewer")
    response = await client.get(PAGE, params={"sentiment": "furious", "period": "eon"})
    assert response.status_code == 422
    assert "Kies een van: 24h, 7d, 30d, 90d, custom." in response.text
    assert "Kies een van: negative, neutral, positive." in response.text and "data-chart=" not in response.text
    response = await client.get(PAGE, params=WEEK_PARAMS)
    assert response.status_code == 200
    html = response.text
    assert html.count("data-chart=") == 4
    assert 'data-kpi="negative_share"' in html and "57,1 %" in html and "8.125" in html
    assert "Volume in de tijd" in html and "Trein" in html
    assert "/p/monitoring/mentions/?period=custom&amp;from=2026-03-02&amp;to=2026-03-08&amp;q=trein" in html
    assert 'hx-select="#buzz"' in html
    # the profile filter switches the volume chart to source types
    response = await client.get(PAGE, params={**WEEK_PARAMS, "profile": str(profile_id(seeded, "Trein"))})
    assert response.status_code == 200 and "per brontype" in response.text


async def test_empty_state_says_what_to_do_first(client, mon, sessionmaker):
    await login_as(client, mon.a, "regie")
    response = await client.get(PAGE)
    assert response.status_code == 200
    assert "Maak een zoekprofiel" in response.text and "Voeg een bron toe" in response.text
    assert "data-chart=" not in response.text
    await seed(sessionmaker, mon.a, items=[])
    response = await client.get(PAGE)
    assert "Geen vermeldingen in deze periode" in response.text


async def test_rollup_is_idempotent_clears_the_queue_and_follows_corrections(app, mon, sessionmaker):
    await seed(sessionmaker, mon.a)
    await rollup(app, mon.a)
    first = await day_rows(sessionmaker, mon.a)
    assert first and any(r[1] == "volsle" for r in first) and any(r[1] == "term*" for r in first)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            assert await s.scalar(select(func.count()).select_from(DirtyDay)) == 0
            await stats.mark_dirty(s, [WEEK, WEEK + timedelta(days=1)])
    assert (await rollup(app, mon.a))["days"] == ["2026-03-03", "2026-03-02"]
    assert await day_rows(sessionmaker, mon.a) == first
    assert (await rollup(app, mon.a))["days"] == []
    # a correction moves a mention from positive to negative: the day's rows follow after the next rollup
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            m = await s.scalar(select(Mention).where(Mention.author_handle == "anna"))
            counted = dict(published_at=m.published_at, profile_ids=(), source_type="news", language="nl",
                           reach=1000)
            await stats.count(s, [stats.Counted(sentiment="positive", **counted)], sign=-1)
            await stats.count(s, [stats.Counted(sentiment="negative", **counted)])
            m.sentiment = "negative"
    await rollup(app, mon.a)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            totals = await service.totals_for(s, at(0, 0), at(7, 0))
    assert (totals.negative, totals.positive) == (5, 1)


async def test_rolling_periods_add_hours_and_queued_days_to_settled_days(app, client, mon, sessionmaker):
    now = datetime.now(UTC)
    seeded = await seed(sessionmaker, mon.a, items=[
        M(now - timedelta(days=6, hours=1), "oud nieuws"), M(now - timedelta(days=3), "midden"),
        M(now - timedelta(hours=1), "vers", sentiment="negative"), M(now - timedelta(days=8), "te oud")])
    await rollup(app, mon.a)
    await add_more(sessionmaker, mon.a, seeded, [M(now - timedelta(minutes=5), "net binnen")])
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    response = await client.get(API, params={"period": "7d"}, headers=headers)
    board = response.json()
    assert board["totals"]["mentions"] == 4 and board["totals"]["negative"] == 1
    assert board["previous"]["mentions"] == 1 and kpi(board, "mentions")["change"] == 300.0
    assert board["granularity"] == "day"
    hourly = (await client.get(API, params={"period": "24h"}, headers=headers)).json()
    assert hourly["granularity"] == "hour" and len(hourly["buckets"]) == 24 and hourly["totals"]["mentions"] == 2
    weekly = (await client.get(API, params={"period": "90d", "granularity": "week"}, headers=headers)).json()
    assert weekly["totals"]["mentions"] == 5 and sum(weekly["volume"][0]["values"]) == 5


async def test_dashboard_reads_its_figures_in_two_statements(app, mon, sessionmaker):
    """Volume (the period, the one before, per profile) comes in one statement and every ranking with the places
    in another, whatever the mix of settled days, hours and queued days: a round trip costs more than its rows."""
    now = datetime.now(UTC)
    places = [f"site{i:02d}.nl" for i in range(12)]
    items = [M(now - timedelta(days=1 + i % 5, hours=i % 7), f"bericht {i}", place=place,
               sentiment=("negative", "neutral", "positive")[i % 3], source_type=("news", "forum")[i % 2],
               profiles=(("Trein",), ("Station",), ("Trein", "Station"))[i % 3]) for i, place in enumerate(places)]
    items.append(M(now - timedelta(days=9), "vorige week", place="oud.nl", profiles=("Trein",)))
    seeded = await seed(sessionmaker, mon.a, items=items)
    await rollup(app, mon.a)
    await add_more(sessionmaker, mon.a, seeded, [M(now - timedelta(minutes=5), "net binnen", place="site00.nl",
                                                   profiles=("Station",))])
    trein, station = str(profile_id(seeded, "Trein")), str(profile_id(seeded, "Station"))
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            known = await service.profiles(s)
            boards = {}
            for period in ("7d", "24h"):
                f = service.parse_filters({"period": period}, [p.id for p in known])
                with count_queries(app.state.engine) as queries:
                    boards[period] = await service.dashboard(s, f, known)
                reads = [q for q in queries.statements if "monitoring_day_stat" in q or "monitoring_hour_stat" in q]
                assert len(reads) == 2, queries.report()
    week = boards["7d"]
    assert week.totals.mentions == 13 and week.previous.mentions == 1 and week.totals.negative == 4
    assert week.totals.places == 12 and len(week.top_places) == 10 and week.previous.places == 1
    # rankings count settled days (today's mention is still queued): every place once, ties by name
    assert [(p.key, p.mentions) for p in week.top_places] == [(place, 1) for place in places[:10]]
    assert week.source_types == {"news": 7, "forum": 6}
    volume = {s.key: sum(s.values) for s in week.volume}
    assert volume == {"all": 13, trein: 8, station: 9}
    hourly = boards["24h"]
    assert hourly.granularity == "hour" and hourly.totals.mentions == 1
    assert {s.key: sum(s.values) for s in hourly.volume} == {"all": 1, station: 1}


def test_split_window_reads_settled_days_and_hours_for_the_rest():
    start = datetime(2026, 3, 1, 15, tzinfo=UTC)
    end = datetime(2026, 3, 6, 10, tzinfo=UTC)
    days, ranges = split_window(start, end, {WEEK + timedelta(days=1)}, hourly=False)
    assert [d.isoformat() for d in days] == ["2026-03-02", "2026-03-04", "2026-03-05"]
    assert ranges == [(start, datetime(2026, 3, 2, tzinfo=UTC)),
                      (datetime(2026, 3, 3, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC)),
                      (datetime(2026, 3, 6, tzinfo=UTC), end)]
    assert split_window(start, end, set(), hourly=True) == ([], [(start, end)])


async def test_measure_gives_the_kpis(app, mon, sessionmaker):
    await seed(sessionmaker, mon.a)
    await rollup(app, mon.a)
    assert {k.key for k in hooks.KPIS} == {"monitoring.volume", "monitoring.negative_share", "monitoring.reach",
                                           "monitoring.places", "monitoring.sentiment_index"}
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            ctx = HookContext(tenant_id=mon.a.id, tenant_slug="acme", session=s)
            week = (WEEK, WEEK + timedelta(days=6))
            assert await hooks.measure(ctx, "monitoring.volume", week) == 7
            assert await hooks.measure(ctx, "monitoring.reach", week) == 8125
            assert await hooks.measure(ctx, "monitoring.negative_share", week) == 57.1
            assert await hooks.measure(ctx, "monitoring.sentiment_index", week) == -28.6
            assert await hooks.measure(ctx, "monitoring.places", week) == 6
            assert await hooks.measure(ctx, "monitoring.volume", (WEEK, WEEK)) == 2  # inclusive dates
            quiet = (WEEK - timedelta(days=9), WEEK - timedelta(days=1))
            assert await hooks.measure(ctx, "monitoring.volume", quiet) == 0
            # no mentions: no share to measure (a 0 % would pull the period's average down as a good day)
            assert await hooks.measure(ctx, "monitoring.negative_share", quiet) is None
            assert await hooks.measure(ctx, "monitoring.sentiment_index", quiet) is None
            assert await hooks.measure(ctx, "talking.posts", week) is None


async def test_widget_on_the_tenant_overview(client, mon, sessionmaker):
    now = datetime.now(UTC)
    seeded = await seed(sessionmaker, mon.a, items=[M(now - timedelta(days=1), "x", sentiment="negative"),
                                                    M(now - timedelta(days=2), "y", sentiment="positive"),
                                                    M(now - timedelta(days=2), "z")])
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            for status in ("open", "acknowledged", "closed"):
                s.add(Alert(profile_id=profile_id(seeded, "Trein"), kind="volume", status=status, started_at=now,
                            last_seen_at=now, window_start=now))
    await login_as(client, mon.a, "viewer")
    response = await client.get("/t/acme/")
    assert response.status_code == 200
    html = response.text
    assert "Buzz, laatste 7 dagen" in html and 'data-widget="monitoring-buzz"' in html
    widget = html[html.index('data-widget="monitoring-buzz"'):].split("</article>")[0]
    # 3 mentions, one of them negative (33,3 %), one positive: sentiment index 0
    assert ">3</div>" in widget and "33,3" in widget
    assert 'data-figure="monitoring.sentiment_index" data-period="' in widget
    assert widget.split('data-figure="monitoring.sentiment_index"')[1].split("</div>")[0].endswith(">0")
    assert 'data-as-of="live"' in widget  # read from counters: the card says the figures are current
    assert '/p/monitoring/alerts/">2</a>' in widget and "data-chart=" in widget
    # another tenant's overview shows its own (empty) figures
    await login_as(client, mon.b, "viewer")
    html = (await client.get("/t/globex/")).text
    assert ">0</div>" in html[html.index('data-widget="monitoring-buzz"'):]


async def test_hour_stat_rows_of_all_profiles_count_each_mention_once(app, mon, sessionmaker):
    """A mention matching two profiles counts twice across profiles but once for the whole tenant."""
    await seed(sessionmaker, mon.a)
    await rollup(app, mon.a)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            total = await s.scalar(select(func.sum(DayStat.mentions)).where(DayStat.kind == "vol",
                                                                            DayStat.profile_key == ALL_PROFILES))
            per_profile = await s.scalar(select(func.sum(DayStat.mentions)).where(
                DayStat.kind == "vol", DayStat.profile_key != ALL_PROFILES))
    assert (total, per_profile) == (7, 7)  # dirk's mention is in both profiles, fay's in none


def test_filters_give_their_parameters_back():
    f = service.parse_filters({"period": "custom", "from": "2026-03-02", "to": "2026-03-08", "sentiment": "positive",
                               "granularity": "week"}, [])
    assert f.params() == {"period": "custom", "from": "2026-03-02", "to": "2026-03-08", "granularity": "week",
                          "sentiment": "positive"}
    assert f.previous == (datetime(2026, 2, 23, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC))
    assert service.parse_filters({}, []).granularity == "day"
    assert service.parse_filters({"period": "24h"}, []).granularity == "hour"
    assert service.parse_filters({"from": "2025-01-01", "to": "2025-12-31"}, []).granularity == "week"


def test_terms_drop_stopwords_numbers_urls_and_handles():
    from plugins.monitoring.buzz.terms import hashtags_of, terms_of

    found = terms_of("Waarom is de trein van NS weer te laat?! https://ns.nl/storing", "@ns_online 2024 12,5 covid19",
                     "The train is DELAYED #treinen")
    assert found == {"trein", "laat", "train", "delayed"}
    assert hashtags_of("Weer #Treinen-ellende, #NS #2024", tags=["#Spoor", "spoor"]) == {"treinen-ellende", "ns",
                                                                                          "spoor"}


async def test_long_periods_read_whole_weeks_from_the_weekly_rows(app, client, mon, sessionmaker):
    seeded = await seed(sessionmaker, mon.a)
    await add_more(sessionmaker, mon.a, seeded, [M(at(-1), "De trein op zondag", author="gus", reach=7),
                                                 M(at(7), "De trein op maandag", place="nieuw.nl")])
    await rollup(app, mon.a)
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            weekly = {r.key: r.mentions for r in await s.scalars(select(DayStat).where(
                DayStat.kind == "term*w", DayStat.profile_key == ALL_PROFILES, DayStat.day == WEEK))}
    assert weekly["trein"] == 3 and weekly["vertraging"] == 2
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    board = await get_buzz(client, headers, **{"from": "2026-03-01", "to": "2026-03-09"})
    assert board["totals"]["mentions"] == 9 and board["totals"]["places"] == 7
    assert {r["key"]: r["mentions"] for r in board["top_terms"]}["trein"] == 5
    assert "gus" in {a["key"] for a in board["top_authors"]}
    assert {p["key"] for p in board["top_places"]} >= {"nieuw.nl", "nu.nl"}


async def test_mentions_pushed_through_ingestion_reach_the_dashboard(app, client, mon, sessionmaker):
    """End to end with the ingestion pipeline: its counters and the rollup agree with what was pushed."""
    from plugins.monitoring.models import SearchProfile, Source
    from tests.plugins.monitoring.conftest import item

    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            s.add_all([Source(name="Push", kind="api", source_type="microblog"),
                       SearchProfile(name="Trein", query="trein")])
    now = datetime.now(UTC) - timedelta(hours=2)
    items = [item(f"p{i}", body, published_at=(now - timedelta(minutes=i)).isoformat(), author_handle=f"u{i % 2}",
                  author_reach=10 * (i + 1), place="x.com")
             for i, body in enumerate(["De trein is weer te laat, waardeloos! #ns", "Fijne reis met de trein vandaag",
                                       "Storing bij het station", "De trein is weer te laat, waardeloos! #ns"])]
    headers = await api_headers(sessionmaker, mon.a, "regie")
    pushed = await client.post("/api/v1/t/acme/monitoring/mentions/ingest", json={"source": "Push", "items": items},
                               headers=headers)
    assert pushed.status_code == 200, pushed.text
    stored = pushed.json()["created"]
    await rollup(app, mon.a)
    board = await get_buzz(client, headers, period="7d")
    assert board["totals"]["mentions"] == stored >= 3  # an exact duplicate is folded, not counted twice
    assert board["source_types"] == {"microblog": stored} and board["totals"]["places"] == 1
    assert sum(board["sentiment_share"].values()) == stored
    trein = next(s for s in board["volume"] if s["label"] == "Trein")
    assert sum(trein["values"]) == 2 + (stored == 4)
    assert {r["key"] for r in board["top_terms"]} >= {"trein"}
