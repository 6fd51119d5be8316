"""The Conversation Index: every component on crafted mentions (numbers worked out by hand), None without data,
the KPI through the plugin hook, the page in Dutch and English, the widget, and isolation between tenants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from core.accounts.models import SocialAccount
from core.auth.models import User
from core.plugins.api import DomainError, HookContext, run_named_job
from core.plugins.manager import call
from core.tenancy.scope import tenant_scope
from plugins.monitoring.conversation_index import boards, components, figure, hooks, service, signals
from plugins.monitoring.conversation_index.components import Row, combine, score_bucket, score_series
from plugins.monitoring.models import DirtyDay, IndexBoard, IndexFigure, Mention, SearchProfile
from tests.plugins.monitoring.buzz_data import M, seed
from tests.support import api_headers, login_as

PAGE = "/t/acme/p/monitoring/conversation-index/"
API = "/api/v1/t/acme/monitoring/conversation-index"
D = date(2026, 3, 5)
NOON = datetime(2026, 3, 5, 12, tzinfo=UTC)
P, Q, R = uuid4(), uuid4(), uuid4()


async def compute_boards(app, *tenants) -> None:
    """Run the board job as the scheduler would: the page and the API read what it stores."""
    for tw in tenants:
        assert await run_named_job(app, "monitoring.index_boards", tw.id) is True


def _rows(key, n: int) -> list[Row]:
    return [Row(key=key, published_at=NOON + timedelta(minutes=i)) for i in range(n)]


def test_components_of_a_crafted_bucket() -> None:
    """Five mentions of P on one day, 280 in the 28 days before (10 a day), P tied second of three profiles."""
    p_rows = [
        Row(P, NOON, "positive", reach=20_000, author="anna", reposts=2),
        Row(P, NOON + timedelta(hours=1), "negative", reach=50, author="bob", intent=True),
        Row(P, NOON + timedelta(hours=2), "neutral", reach=100, author="anna", reply=True),  # anna returns
        Row(P, NOON + timedelta(hours=3), "positive", addresses_us=True),
        Row(P, NOON + timedelta(hours=4), "negative", reach=10_000, author="acme", own_author=True,
            addresses_us=True),  # the organisation itself: not a relationship
    ]
    rows = p_rows + _rows(Q, 7) + _rows(R, 5)
    start = datetime(2026, 3, 5, tzinfo=UTC)
    before = [(P, start - timedelta(hours=1 + i * 2.4)) for i in range(280)]
    out = score_series(rows, before, {}, [(start, start + timedelta(days=1))], [P, Q, R])
    s = out[P][0]
    assert s.mentions == 5
    assert s.components == {"status": 25.0, "ranking": 50.0, "perception": 50.0, "authority": 40.0,
                            "opportunities": 20.0, "relationship": 40.0, "interaction": 40.0}
    assert s.value == 37.9  # 265 / 7
    assert out[Q][0].components["ranking"] == 100.0 and out[R][0].components["ranking"] == 50.0
    assert out[Q][0].components["status"] is None  # Q has no baseline: left out of its mean
    assert out[Q][0].value == combine({k: v for k, v in out[Q][0].components.items() if k != "status"})


def test_returning_authors_within_90_days_only() -> None:
    rows = [Row(P, NOON, author="old"), Row(P, NOON, author="recent"), Row(P, NOON, author="new")]
    seen = {P: {"old": NOON - timedelta(days=91), "recent": NOON - timedelta(days=89)}}
    assert components.returning_flags(rows, seen) == [False, True, False]
    # seen in another profile only: not returning in this one
    assert components.returning_flags([Row(Q, NOON, author="recent")], seen) == [False]


@pytest.mark.parametrize(("language", "title", "body", "expected"), [
    ("nl", "", "Wat kost een abonnement", (True, False, False)),
    ("nl", "", "Wat\nkost dat", (True, False, False)),  # a phrase across a line break
    ("nl", "", "(Koopt iemand dit", (True, False, False)),  # word start after punctuation, any case
    ("nl", "", "De verkoop is gestopt", (False, False, False)),  # 'koop' inside a word
    ("nl", "", "I want to buy a ticket", (False, False, False)),  # a Dutch mention: the Dutch list
    ("en", "", "I want to buy a ticket", (True, False, False)),
    ("und", "", "buy of kopen", (True, False, False)),
    ("en", "", "Is it open today?", (True, False, False)),  # a question
    ("nl", "", "  @AcmeNL het werkt weer", (False, True, True)),
    ("nl", "RE: storing", "opgelost", (False, True, False)),
    ("nl", "", "Groet aan @acmenlfan", (False, False, False)),  # a longer handle is someone else
])
def test_signals_read_from_the_text(language: str, title: str, body: str, expected: tuple) -> None:
    assert signals.read(language, title, "", body, frozenset({"acmenl"})) == expected


def test_no_data_is_none_not_zero() -> None:
    empty = score_bucket([], [], 10.0, 1, (1, 1))
    assert empty.mentions == 0 and empty.value is None and set(empty.components.values()) == {None}
    out = score_series([], [], {}, [(NOON, NOON + timedelta(days=7))], [P], rank=False)
    assert out[P][0].value is None
    assert combine(dict.fromkeys(components.COMPONENTS)) is None
    lone = score_bucket(_rows(P, 2), [False, False], None, 1, None)
    assert lone.components["status"] is None and lone.components["ranking"] is None
    assert lone.components["perception"] == 50.0 and lone.value == 10.0  # (50 + 0 + 0 + 0 + 0) / 5


def test_weights_change_the_mean() -> None:
    c = {"status": 100.0, "perception": 0.0, "ranking": None}
    assert combine(c) == 50.0
    assert combine(c, {"status": 3.0, "perception": 1.0}) == 75.0
    assert combine(c, {"status": 0.0, "perception": 0.0}) is None


def test_periods_are_presets_and_refuse_anything_else() -> None:
    p = service.parse_period("13w", today=D)
    # whole days that are over: the 91 days before D, as the dashboard's periods
    assert p.start == datetime(2025, 12, 4, tzinfo=UTC) and p.end == datetime(2026, 3, 5, tzinfo=UTC)
    assert len(p.buckets) == 13 and all(e - s == timedelta(days=7) for s, e in p.buckets)
    assert len(service.parse_period("30d", today=D).buckets) == 30
    assert service.parse_period(None, today=D).key == "13w"
    for bad in ("7d", "13w;drop", "x" * 500):
        with pytest.raises(DomainError) as exc:
            service.parse_period(bad, today=D)
        assert "period" in exc.value.errors


def known_day(on: date = D) -> list[M]:
    at = datetime(on.year, on.month, on.day, 9, tzinfo=UTC)
    return [
        M(at, "Wat kost een abonnement bij jullie", sentiment="positive", author="anna", reach=20_000,
          profiles=("Trein", "Station")),
        M(at + timedelta(hours=1), "@AcmeNL de trein is te laat", sentiment="negative", author="bob",
          profiles=("Trein",)),
        M(at + timedelta(hours=2), "Great service today", sentiment="positive", language="en", author="carol",
          reposts=3, profiles=("Trein",)),
        M(at + timedelta(hours=3), "Verkoop van kaartjes gestopt", author="dirk", profiles=("Trein",)),
        M(at + timedelta(hours=4), "I want to buy a ticket", author="erik", profiles=("Trein",)),  # Dutch: no 'buy'
        M(at + timedelta(hours=5), "Station renovatie klaar?", author="fay", profiles=("Station",)),
        # before the day: dirk 10 days earlier (returning, and the whole baseline), erik 100 days (too long ago)
        M(at - timedelta(days=10), "Eerder", author="dirk", profiles=("Trein",)),
        M(at - timedelta(days=100), "Lang geleden", author="erik", profiles=("Trein",)),
    ]


async def seed_known(sessionmaker, tw, on: date = D):
    seeded = await seed(sessionmaker, tw, items=known_day(on))
    first = seeded.mentions[0]
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            s.add(Mention(source_id=seeded.source.id, source_type="news", external_id="folded", author_handle="gijs",
                          published_at=first.published_at + timedelta(minutes=5), body=first.body,
                          sentiment="negative", content_hash=first.content_hash,
                          duplicate_of_id=first.id))  # a folded re-post, as ingestion stores it: never counted
            s.add(SocialAccount(platform="x", handle="@AcmeNL", department_id=tw.departments["comms"].id,
                                status="active"))
    return seeded


async def test_scores_from_stored_mentions(app, mon, sessionmaker):
    seeded = await seed_known(sessionmaker, mon.a)
    trein, station = seeded.profiles["Trein"].id, seeded.profiles["Station"].id
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            period = service.days_period(D, D)
            out = await service.scores(s, period, [(period.start, period.end)], [trein, station])
            t = out[trein][0]
            assert t.mentions == 5
            assert t.components == {"status": 100.0, "ranking": 100.0, "perception": 60.0, "authority": 20.0,
                                    "opportunities": 20.0, "relationship": 40.0, "interaction": 40.0}
            assert t.value == 54.3  # 380 / 7
            st = out[station][0]
            assert st.mentions == 2 and st.components["ranking"] == 0.0 and st.components["status"] is None
            assert st.components["opportunities"] == 100.0  # a price question and a question
            whole = await service.tenant_score(s, D, D)
            assert whole.mentions == 6 and whole.components["ranking"] is None
            assert whole.components == {"status": 100.0, "ranking": None, "perception": 58.3, "authority": 16.7,
                                        "opportunities": 33.3, "relationship": 33.3, "interaction": 33.3}
            assert whole.value == 45.8
            assert (await service.tenant_score(s, D + timedelta(days=1), D + timedelta(days=7))).value is None


async def test_kpi_through_the_plugin_hook(app, mon, sessionmaker):
    await seed_known(sessionmaker, mon.a)
    pm = app.state.pm
    keys = [k.key for found in await call(pm.hook("regie_kpis", only="monitoring")) for k in found]
    assert "monitoring.conversation_index" in keys and "monitoring.volume" in keys
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            ctx = HookContext(tenant_id=mon.a.id, tenant_slug="acme", session=s)

            async def measure(kpi: str, period) -> list:
                return await call(pm.hook("regie_measure", only="monitoring"), ctx=ctx, kpi=kpi, period=period)

            assert await measure("monitoring.conversation_index", (D, D)) == [45.8]
            assert await measure("monitoring.conversation_index", (D + timedelta(days=1),
                                                                   D + timedelta(days=2))) == [None]
            assert await measure("monitoring.volume", (D, D)) == [6]  # the existing KPIs still answer
            assert await hooks.measure(ctx, "monitoring.volume", (D, D)) is None
    # another tenant has no mentions: no index
    with tenant_scope(mon.b.id):
        async with sessionmaker() as s:
            ctx = HookContext(tenant_id=mon.b.id, tenant_slug="globex", session=s)
            assert await hooks.measure(ctx, "monitoring.conversation_index", (D, D)) is None


async def test_page_in_dutch_and_english(app, client, mon, sessionmaker):
    today = datetime.now(UTC).date()
    await seed_known(sessionmaker, mon.a, on=today - timedelta(days=1))
    await compute_boards(app, mon.a)
    await login_as(client, mon.a, "viewer")
    r = await client.get(PAGE)
    assert r.status_code == 200
    html = r.text
    assert "<h1>Conversation Index</h1>" in html and "Berekend" in html and 'data-ci="pending"' not in html
    for text in ("Trein", "Station", "Perceptie", "Autoriteit", "Relatie met volgers", "Interactie",
                 "Business opportunities", "Verloop per zoekprofiel", "Afgelopen 13 weken"):
        assert text in html, text
    table = html[html.index('data-ci="breakdown"'):]
    trein_row = table[table.index("<strong>Trein</strong>"):table.index("</tr>", table.index("<strong>Trein"))]
    # 13 weeks hold dirk's earlier mention too: 6 mentions, status 6/91 a day against 1/28 → 92.3, and
    # (92.3 + 100 + 58.3 + 16.7 + 16.7 + 33.3 + 33.3) / 7 = 50.1 (Dutch decimals)
    assert "<td>6</td>" in trein_row and "92,3" in trein_row and "58,3" in trein_row and "50,1" in trein_row
    assert html.count("data-chart=") == 2 and '"label": "Trein"' in html.replace("&#34;", '"')
    assert 'href="/t/acme/p/monitoring/conversation-index/"' in html  # the nav entry
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            (await s.get(User, mon.a.users["viewer"].id)).locale = "en"
    html = (await client.get(PAGE)).text
    for text in ("Perception", "Authority", "Relationship with followers", "Interaction", "Business opportunities",
                 "Trend per search profile", "Last 13 weeks", "50.1"):
        assert text in html, text
    # 30 days: dirk's earlier mention is in, the baseline before is empty (status left out), every mention
    # once: (57.1 + 14.3 + 28.6 + 28.6 + 28.6) / 5 = 31.4
    html = (await client.get(PAGE, params={"period": "30d"})).text
    assert '<option value="30d" selected>' in html
    assert "31.4" in html[html.index('data-ci="tenant"'):].split("</section>")[0]


async def test_bad_period_is_refused_with_the_field(client, mon, sessionmaker):
    await login_as(client, mon.a, "viewer")
    r = await client.get(PAGE, params={"period": "forever"})
    assert r.status_code == 422
    assert "Kies een van: 30d, 13w, 26w, 52w." in r.text and 'id="f-period"' in r.text


async def test_empty_tenant_shows_no_index(app, client, mon, sessionmaker):
    await compute_boards(app, mon.b)
    await login_as(client, mon.b, "viewer")
    html = (await client.get("/t/globex/p/monitoring/conversation-index/")).text
    assert "Geen vermeldingen in deze periode" in html and 'data-ci="breakdown"' not in html
    assert html[html.index('data-ci="tenant"'):].split("</section>")[0].count("—") == 1  # index: no data


async def test_widget_on_the_overview(app, client, mon, sessionmaker):
    await seed_known(sessionmaker, mon.a, on=datetime.now(UTC).date() - timedelta(days=1))
    await login_as(client, mon.a, "viewer")
    html = (await client.get("/t/acme/")).text  # before the rollup job ran: nothing read from the mentions
    widget = html[html.index('data-widget="monitoring-ci"'):].split("</article>")[0]
    assert 'data-ci="pending"' in widget and "31,4" not in widget and 'data-as-of="' in widget
    for tw in (mon.a, mon.b):
        assert (await run_named_job(app, "monitoring.rollup_days", tw.id))["index"] is True
    html = (await client.get("/t/acme/")).text
    assert "Conversation Index, afgelopen 30 dagen" in html and 'data-widget="monitoring-buzz"' in html
    widget = html[html.index('data-widget="monitoring-ci"'):]
    assert "Berekend" in widget.split("</article>")[0] and 'data-ci="pending"' not in widget
    # the last 30 days, every mention once: (57.1 + 14.3 + 28.6 + 28.6 + 28.6) / 5 (no baseline, no ranking)
    assert "31,4" in widget and "Perceptie" in widget and "57,1" in widget and PAGE in widget
    assert "<td>57,1</td>" in widget and "<td>Status</td>" not in widget  # no value: not shown
    await login_as(client, mon.b, "viewer")
    html = (await client.get("/t/globex/")).text  # another tenant: its own (empty) index
    widget = html[html.index('data-widget="monitoring-ci"'):]
    assert "31,4" not in widget and ">—</div>" in widget


async def test_another_tenants_user_cannot_see_it(app, client, mon, sessionmaker):
    await seed_known(sessionmaker, mon.a, on=datetime.now(UTC).date() - timedelta(days=1))
    await compute_boards(app, mon.a, mon.b)
    await login_as(client, mon.b, "admin")
    r = await client.get(PAGE)
    assert r.status_code in (403, 404) and "Trein" not in r.text  # the core refuses a non-member (403)
    r = await client.get("/t/globex/p/monitoring/conversation-index/")
    assert r.status_code == 200 and "Trein" not in r.text and "Station" not in r.text


async def test_api_gives_the_same_figures_and_refuses_a_bad_period(app, client, mon, sessionmaker):
    await seed_known(sessionmaker, mon.a, on=datetime.now(UTC).date() - timedelta(days=1))
    headers = await api_headers(sessionmaker, mon.a, "viewer")
    pending = (await client.get(API, headers=headers)).json()  # before the board job: no figures, and it says so
    assert pending["computed_at"] is None and pending["profiles"] == [] and pending["tenant"]["mentions"] == 0
    await compute_boards(app, mon.a, mon.b)
    r = await client.get(API, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["computed_at"] is not None
    assert body["period"] == "13w" and body["bucket_days"] == 7 and len(body["buckets"]) == 13
    trein = next(p for p in body["profiles"] if p["name"] == "Trein")
    assert trein["period"]["value"] == 50.1 and trein["period"]["components"]["status"] == 92.3
    assert len(trein["trend"]) == 13 and trein["trend"][-1] is not None and trein["trend"][0] is None
    r = await client.get(API, params={"period": "1y"}, headers=headers)
    assert r.status_code == 422 and "period" in r.text
    other = await api_headers(sessionmaker, mon.b, "viewer")
    r = await client.get("/api/v1/t/globex/monitoring/conversation-index", headers=other)
    assert r.status_code == 200 and r.json()["profiles"] == [] and r.json()["tenant"]["value"] is None
    assert (await client.get(API, headers=other)).status_code in (401, 403, 404)


async def test_the_widget_figure_is_computed_when_its_days_change_and_only_then(sessionmaker, mon):
    """The rollup job stores the widget's index: again when the window moves on or a day it reads changed,
    not on every run (and never on a page view)."""
    today = datetime.now(UTC).date()
    await seed_known(sessionmaker, mon.a, on=today - timedelta(days=1))
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            assert await figure.refresh(s, today) is True
            row = await figure.stored(s)
            assert (row.first, row.last) == (today - timedelta(days=30), today - timedelta(days=1))
            assert row.value == 31.4 and row.mentions > 0 and row.components["perception"] == 57.1
            first_time = row.computed_at
        async with sessionmaker() as s, s.begin():
            assert await figure.refresh(s, today) is False  # nothing changed: the stored row stands
            assert await figure.refresh(s, today, [today]) is False  # today is not in the window
            assert await figure.refresh(s, today, [today - timedelta(days=30 + 90 + 1)]) is False  # nor read
            assert await figure.refresh(s, today, [today - timedelta(days=40)]) is True  # the look-back is read
        async with sessionmaker() as s, s.begin():
            assert await figure.refresh(s, today + timedelta(days=1)) is True  # a new day: the window moved
            row = await figure.stored(s)
            assert row.last == today and row.computed_at >= first_time
            assert len(list(await s.scalars(select(IndexFigure)))) == 1  # one row per tenant
    with tenant_scope(mon.b.id):
        async with sessionmaker() as s:
            assert await figure.stored(s) is None  # the other tenant's row is its own


async def test_page_before_the_first_computation_says_so(client, mon, sessionmaker):
    await seed_known(sessionmaker, mon.a, on=datetime.now(UTC).date() - timedelta(days=1))
    await login_as(client, mon.a, "viewer")
    r = await client.get(PAGE, params={"period": "52w"})
    assert r.status_code == 200
    assert 'data-ci="pending"' in r.text and "De index wordt berekend" in r.text and "Trein" not in r.text
    assert '<option value="52w" selected>' in r.text


async def test_stored_boards_equal_a_read_of_each_period(sessionmaker, mon):
    """One read of the widest preset scores every preset exactly as a read of that period alone."""
    today = datetime.now(UTC).date()
    await seed(sessionmaker, mon.a, items=[m for days in (1, 45, 200) for m in known_day(today - timedelta(days))])
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            assert await boards.refresh(s, today) is True
        async with sessionmaker() as s:
            for key in service.PERIODS:
                kept = await boards.stored(s, key)
                fresh = await service.board(s, service.parse_period(key, today))
                assert kept is not None and kept.computed_at is not None
                assert kept.labels == fresh.labels and kept.tenant == fresh.tenant, key
                assert [p.name for p in kept.profiles] == [p.name for p in fresh.profiles]
                for p in fresh.profiles:
                    assert kept.breakdown[p.id] == fresh.breakdown[p.id], (key, p.name)
                    assert kept.trend[p.id] == fresh.trend[p.id], (key, p.name)
                assert kept.tenant.mentions > 0 and kept.shown, key


async def test_boards_are_computed_when_due_and_only_then(app, sessionmaker, mon):
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    await seed_known(sessionmaker, mon.a, on=today - timedelta(days=1))
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s, s.begin():
            assert await boards.refresh(s, today, now) is True
        async with sessionmaker() as s, s.begin():
            assert await boards.refresh(s, today, now) is False  # nothing changed
            assert len(list(await s.scalars(select(IndexBoard)))) == len(service.PERIODS)
            assert await boards.mark_changed(s, [today]) == 0  # today is in no board
            assert await boards.mark_changed(s, [today - timedelta(days=200)]) == 2  # 26w and 52w read it
            assert await boards.mark_changed(s, [today - timedelta(days=364 + 91)]) == 0  # before every look-back
        async with sessionmaker() as s, s.begin():
            assert await boards.refresh(s, today, now + timedelta(minutes=1)) is False  # too soon again
            assert await boards.refresh(s, today, now + boards.MIN_AGE) is True
        async with sessionmaker() as s, s.begin():
            assert await boards.refresh(s, today, now + boards.MIN_AGE) is False  # the change was taken in
            assert await boards.refresh(s, today + timedelta(days=1), now + timedelta(days=1)) is True  # new day
            s.add(SearchProfile(name="Nieuw", query="nieuw"))
        async with sessionmaker() as s, s.begin():
            assert await boards.refresh(s, today + timedelta(days=1), now + timedelta(days=1)) is True  # profile
            assert "Nieuw" in [p.name for p in (await boards.stored(s, "30d")).profiles]
    with tenant_scope(mon.b.id):
        async with sessionmaker() as s:
            assert await boards.stored(s, "13w") is None  # the other tenant's boards are its own


async def test_the_rollup_job_marks_the_boards_that_read_a_recomputed_day(app, sessionmaker, mon):
    today = datetime.now(UTC).date()
    await seed_known(sessionmaker, mon.a, on=today - timedelta(days=1))
    await compute_boards(app, mon.a)
    late = known_day(today - timedelta(days=20))[0]
    with tenant_scope(mon.a.id):  # a late mention, stored as ingestion does: its day is queued for the rollup
        async with sessionmaker() as s, s.begin():
            source = (await s.scalars(select(Mention))).first().source_id
            s.add(Mention(source_id=source, source_type="news", external_id="late", author_handle="late",
                          published_at=late.published_at, body="Laat", sentiment="neutral", content_hash="late"))
            s.add(DirtyDay(day=late.published_at.date()))
    result = await run_named_job(app, "monitoring.rollup_days", mon.a.id)
    assert (today - timedelta(days=20)).isoformat() in result["days"]
    with tenant_scope(mon.a.id):
        async with sessionmaker() as s:
            rows = list(await s.scalars(select(IndexBoard)))
            assert rows and all(r.changed_at is not None and r.changed_at >= r.computed_at for r in rows)
