"""Buzz dashboard at scale: 1,000,000 mentions of one tenant over a year on PostgreSQL, target p95 ≤ 150 ms.

Set-up (not timed against the target): a year of synthetic mentions (Dutch and English, 8 source types,
5 search profiles, ~20,000 authors, ~400 places of one source type each, hashtags) is generated day by day;
the raw mentions and their profile matches are COPY'd into their tables (so the table really holds a million
rows), the hourly counters are built exactly as `stats.count` would, and the day rollup rows come from the
rollup's own code (`rollup.day_rows`, `rollup.week_rows`). Today stays queued in `DirtyDay`, as it is
in steady state, so the dashboard reads today (and the ragged ends of rolling periods) from `HourStat`.

Timed: `service.dashboard(...)` — every query the page needs (KPIs with the previous period, volume per
profile or source type, sentiment share and trend, source split, top authors, terms, hashtags, places) —
20 times per query set, each in a fresh session from a pooled engine as in production; then the widget,
the whole page request (`GET /t/acme/p/monitoring/`: sign-in cookie, guards, navigation, HTML and charts,
through a second app with a connection pool, as in production) and one day's rollup at this scale.

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/<db> .venv/bin/pytest -q -m bench
tests/bench/test_dashboard_bench.py -s`` (``BUZZ_BENCH_MENTIONS`` to change the size). Prints figures; asserts
no timings.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import logging
import multiprocessing
import os
import random
import re
import statistics
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from core.db.engine import make_engine, make_sessionmaker
from core.plugins.api import HookContext
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from plugins.monitoring.buzz import hooks, service
from plugins.monitoring.buzz.rollup import WEEKLY_KINDS, day_mention, day_rows, monday, recompute_day, week_rows
from plugins.monitoring.models import ALL_PROFILES, SearchProfile, Source
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.support import login_as

pytestmark = pytest.mark.bench

TOTAL = int(os.environ.get("BUZZ_BENCH_MENTIONS", "1000000"))
DAYS = 365
RUNS = 20
WORKERS = 2
POOL = 10
FLUSH_DAYS = 15
SOURCE_TYPES = ["news", "blog", "forum", "microblog", "social", "review", "video", "other"]
SOURCE_WEIGHTS = [12, 6, 8, 35, 25, 6, 4, 4]
PROFILES = ["Merk", "Klantenservice", "Producten", "Directie", "Duurzaamheid"]
WORDS = tuple(re.findall(r"\S+",
    "storing internet klantenservice wachttijd factuur abonnement premie trein vertraging perron winkel "
         "bezorging pakket retour korting aanbieding rente hypotheek app inloggen netwerk glasvezel modem wifi "
         "klant service medewerker vriendelijk slecht goed snel traag duur goedkoop probleem oplossing verzekering "
         "schade vergoeding overstappen opzeggen contract prijs kwaliteit levering monteur afspraak bestelling "
         "outage support delivery refund price quality order broken great terrible helpful slow fast update"))
FILLER = tuple(re.findall(r"\S+", "de het een en van in op is dat niet met voor the a of to and is it"))
TAGS = ["storing", "fail", "top", "klantenservice", "duurzaam", "nieuws", "deal", "app"]
SENTIMENTS = (["neutral"] * 45) + (["negative"] * 30) + (["positive"] * 25)
LANGUAGES = (["nl"] * 70) + (["en"] * 25) + (["und"] * 5)
MENTION_COLUMNS = ["id", "tenant_id", "source_id", "source_type", "external_id", "url", "place", "author_handle",
                   "author_name", "author_reach", "published_at", "title", "lead", "body", "language", "sentiment",
                   "sentiment_score", "sentiment_by", "sentiment_parts", "content_hash", "reposts", "tags",
                   "created_at", "updated_at"]
MATCH_COLUMNS = ["id", "tenant_id", "mention_id", "profile_id", "published_at", "created_at", "updated_at"]
HOUR_COLUMNS = ["id", "tenant_id", "hour", "profile_key", "source_type", "language", "sentiment", "mentions", "reach",
                "created_at", "updated_at"]
DAY_COLUMNS = ["id", "tenant_id", "day", "kind", "profile_key", "source_type", "language", "sentiment", "key",
               "label", "mentions", "reach", "created_at", "updated_at"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Generator:
    """Mentions of one day at a time, with the rows for every table; a pure function of the day's index, so
    two worker processes generate while the main one COPYs.

    Texts come from a pool of 20,000 generated posts; ids grow monotonically (day index, then a counter), so
    primary keys are appended rather than scattered."""

    def __init__(self, tenant_id: uuid.UUID, sources: dict[str, uuid.UUID], profiles: list[uuid.UUID],
                 now: datetime) -> None:
        rng = random.Random(20260302)
        self.tenant_id, self.sources, self.profiles, self.now = tenant_id, sources, profiles, now
        self.authors = [(f"user{i}", f"Gebruiker {i}", int(rng.paretovariate(1.2) * 50)) for i in range(20000)]
        self.places = [f"site{i}.example" for i in range(400)]
        self.place_type = {p: rng.choices(SOURCE_TYPES, SOURCE_WEIGHTS)[0] for p in self.places}
        """A place (site, forum, channel) has one source type, as in real data."""
        self.texts = [self.text(rng) for _ in range(20000)]
        self.prefix = rng.getrandbits(48)

    def ids(self, index: int) -> Iterator[str]:
        for n in itertools.count(1):
            h = f"{self.prefix:012x}{index:04x}{n:016x}"
            yield f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    @staticmethod
    def text(rng: random.Random) -> tuple[str, str]:
        words = rng.choices(WORDS, k=rng.randint(6, 14)) + rng.choices(FILLER, k=rng.randint(3, 8))
        rng.shuffle(words)
        if rng.random() < 0.3:
            words.append("#" + rng.choice(TAGS))
        if rng.random() < 0.15:
            words.append("?")
        return " ".join(rng.choices(WORDS, k=4)).capitalize(), " ".join(words)

    def author(self, rng: random.Random) -> tuple[str, str, int]:
        if rng.random() < 0.5:  # half of the mentions come from a small, loud crowd
            return self.authors[min(int(rng.paretovariate(0.9)) - 1, len(self.authors) - 1)]
        return self.authors[rng.randrange(len(self.authors))]

    def day(self, index: int, day: date, count: int) -> dict[str, list[Any]]:
        rng = random.Random(index)
        ids = self.ids(index)
        rows: dict[str, list[Any]] = {"mention": [], "match": [], "hour": [], "day": []}
        hours: Counter[tuple[Any, ...]] = Counter()
        reach: Counter[tuple[Any, ...]] = Counter()
        for_rollup = []
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for i in range(count):
            at = start + timedelta(seconds=rng.randrange(86400))
            if at > self.now:
                at = self.now - timedelta(seconds=rng.randrange(3600))
            language, sentiment = rng.choice(LANGUAGES), rng.choice(SENTIMENTS)
            handle, name, author_reach = self.author(rng)
            place = self.places[min(int(rng.expovariate(1 / 40)), len(self.places) - 1)]
            source_type = self.place_type[place]
            title, body = self.texts[rng.randrange(len(self.texts))]
            matched = rng.sample(self.profiles, rng.choice((0, 1, 1, 1, 2, 2, 3)))
            mid = next(ids)
            rows["mention"].append((mid, self.tenant_id, self.sources[source_type], source_type, f"e{index}-{i}",
                                    "", place, handle, name, author_reach, at, title, "", body, language, sentiment,
                                    0.0, "model", "{}", f"{index:032x}{i:032x}", rng.choice((0, 0, 0, 1, 5)), "[]",
                                    self.now, self.now))
            for pid in matched:
                rows["match"].append((next(ids), self.tenant_id, mid, pid, at, self.now, self.now))
            hour = at.replace(minute=0, second=0, microsecond=0)
            for key in (ALL_PROFILES, *matched):
                hours[(hour, key, source_type, language, sentiment)] += 1
                reach[(hour, key, source_type, language, sentiment)] += author_reach
            for_rollup.append(day_mention(matched, source_type, language, sentiment, place, handle, name,
                                          author_reach, title, "", body))
        for dims, n in hours.items():
            rows["hour"].append((next(ids), self.tenant_id, *dims, n, reach[dims], self.now, self.now))
        per_day: Counter[tuple[Any, ...]] = Counter()
        per_day_reach: Counter[tuple[Any, ...]] = Counter()
        for (hour, *dims), n in hours.items():
            per_day[tuple(dims)] += n
            per_day_reach[tuple(dims)] += reach[(hour, *dims)]
        cells = [(*dims, n, per_day_reach[dims]) for dims, n in per_day.items()]
        rows["day"] = [self.day_stat(next(ids), r) for r in day_rows(day, cells, for_rollup)]
        return rows

    def day_stat(self, row_id: str, r: dict[str, Any]) -> tuple[Any, ...]:
        return (row_id, self.tenant_id, r["day"], r["kind"], r["profile_key"], r["source_type"], r["language"],
                r["sentiment"], r["key"], r["label"], r["mentions"], r["reach"], self.now, self.now)


class Weeks:
    """The weekly rows, by the rollup's own `week_rows`, from the days' all-dimensions rows."""

    def __init__(self, gen: Generator) -> None:
        self.gen, self.ids = gen, gen.ids(0xFFFF)
        self.week: dict[tuple[Any, ...], list[Any]] = {}
        """(kind, profile key, key) → [label, mentions, max reach, summed reach] of the week so far."""

    def add(self, day_stats: list[tuple[Any, ...]]) -> None:
        for r in day_stats:
            if r[3] in WEEK_SOURCES:
                w = self.week.setdefault((r[3], r[4], r[8]), ["", 0, 0, 0])
                w[0] = max(w[0], r[9])
                w[1] += r[10]
                w[2] = max(w[2], r[11])
                w[3] += r[11]

    def close(self, week: date) -> list[tuple[Any, ...]]:
        totals = [(kind, pk, key, *v) for (kind, pk, key), v in self.week.items()]
        self.week = {}
        return [self.gen.day_stat(next(self.ids), r) for r in week_rows(week, totals)]


_worker: Generator | None = None


def _start_worker(*args: Any) -> None:
    global _worker
    _worker = Generator(*args)


def _generate(index: int, day: date, count: int) -> dict[str, list[Any]]:
    assert _worker is not None
    return _worker.day(index, day, count)


async def copy(conn: Any, table: str, columns: list[str], records: list[tuple[Any, ...]]) -> None:
    if records:
        await conn.copy_records_to_table(table, records=records, columns=columns)


WEEK_SOURCES = {k[:-1] for k in WEEKLY_KINDS}
BIG_TABLES = ("monitoring_mention", "monitoring_mention_profile", "monitoring_hour_stat", "monitoring_day_stat")


async def secondary_indexes(conn: Any) -> list[tuple[str, str]]:
    """The big tables' plain indexes (not primary keys or unique constraints): dropped for the bulk load and
    built again after it, exactly as defined (faster than growing them row by row)."""
    rows = await conn.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY($1::text[]) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", list(BIG_TABLES))
    return [(r["indexname"], r["indexdef"]) for r in rows]


async def load(app: Any, tenant_id: uuid.UUID) -> tuple[dict[str, float], list[int]]:
    """Generate and COPY a year of data; returns timings of the phases and the mentions per day."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with tenant_scope(tenant_id):
        async with app.state.sessionmaker() as s, s.begin():
            sources = {t: Source(name=f"Bron {t}", kind="api", source_type=t) for t in SOURCE_TYPES}
            profiles = [SearchProfile(name=n, query=n.lower()) for n in PROFILES]
            s.add_all([*sources.values(), *profiles])
            await s.flush()
            source_ids = {t: src.id for t, src in sources.items()}
            profile_ids = [p.id for p in profiles]
    now = datetime.now(UTC)
    gen = Generator(tenant_id, source_ids, profile_ids, now)
    weeks = Weeks(gen)
    today = now.date()
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    weights = [1 + 0.3 * ((i % 7) < 5) + 0.5 * random.Random(i).random() for i in range(DAYS)]
    scale = TOTAL / sum(weights)
    counts = [int(w * scale) for w in weights]
    counts[-1] += TOTAL - sum(counts)
    waiting = copying = 0.0
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    async with app.state.engine.connect() as sa_conn:
        raw = await sa_conn.get_raw_connection()
        conn = raw.driver_connection
        await conn.execute("SET ROLE NONE")  # the owner loads (indexes, COPY, VACUUM), not the app role
        indexes = await secondary_indexes(conn)
        for name, _definition in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
        with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_start_worker,
                                 initargs=(tenant_id, source_ids, profile_ids, now)) as pool:
            jobs = iter(enumerate(zip(days, counts, strict=True)))
            ahead: deque[Any] = deque()

            def submit() -> None:
                job = next(jobs, None)
                if job is not None:
                    i, (day, count) = job
                    ahead.append(loop.run_in_executor(pool, _generate, i, day, count))

            for _ in range(2 * FLUSH_DAYS):
                submit()
            rows: dict[str, list[Any]] = {"mention": [], "match": [], "hour": [], "day": []}
            for i, day in enumerate(days):
                w = time.perf_counter()
                found = await ahead.popleft()
                waiting += time.perf_counter() - w
                submit()
                for table, found_rows in found.items():
                    rows[table] += found_rows
                weeks.add(found["day"])
                if day.weekday() == 6 or i == DAYS - 1:
                    rows["day"] += weeks.close(monday(day))
                if (i + 1) % FLUSH_DAYS == 0 or i == DAYS - 1:
                    c = time.perf_counter()
                    await copy(conn, "monitoring_mention", MENTION_COLUMNS, rows["mention"])
                    await copy(conn, "monitoring_mention_profile", MATCH_COLUMNS, rows["match"])
                    await copy(conn, "monitoring_hour_stat", HOUR_COLUMNS, rows["hour"])
                    await copy(conn, "monitoring_day_stat", DAY_COLUMNS, rows["day"])
                    copying += time.perf_counter() - c
                    rows = {k: [] for k in rows}
        c = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            await conn.execute(definition)
        timings["indexes"] = time.perf_counter() - c
        await conn.execute("INSERT INTO monitoring_dirty_day (id, tenant_id, day, created_at, updated_at) "
                           "VALUES ($1, $2, $3, now(), now())", uuid.uuid4(), tenant_id, today)
        await sa_conn.commit()
        for table in BIG_TABLES:
            await conn.execute(f"VACUUM ANALYZE {table}")
    timings.update(waiting=waiting, copy=copying, total=time.perf_counter() - t0)
    return timings, counts


QUERY_SETS: dict[str, dict[str, str]] = {
    "30 days (default), per day": {},
    "7 days, per hour": {"period": "7d", "granularity": "hour"},
    "24 hours, per hour": {"period": "24h"},
    "90 days, per week": {"period": "90d", "granularity": "week"},
    "365 days, per week": {"period": "custom"},
    "30 days + profile": {"profile": "*"},
    "30 days + source type": {"source_type": "microblog"},
    "30 days + sentiment": {"sentiment": "negative"},
    "30 days + language": {"language": "en"},
    "30 days + profile, source type, sentiment, language": {"profile": "*", "source_type": "social",
                                                             "sentiment": "negative", "language": "nl"},
}


async def test_dashboard_at_a_million_mentions(app, world, sessionmaker, backend, restore_broker):
    if backend != "postgresql":
        pytest.skip("the dashboard benchmark runs on PostgreSQL")
    await activate_monitoring(sessionmaker, world.a)
    mon = world
    tenant_id = mon.a.id
    loaded, per_day = await load(app, tenant_id)
    today = datetime.now(UTC).date()
    async with app.state.engine.connect() as conn:
        await conn.execute(text("SET LOCAL ROLE NONE"))  # row-level security would count only a tenant's rows
        sizes = {t: (await conn.execute(text(f"SELECT count(*) FROM {t}"))).scalar() for t in (
            "monitoring_mention", "monitoring_mention_profile", "monitoring_hour_stat", "monitoring_day_stat")}
    print(f"\nLoaded in {loaded['total']:.0f} s ({WORKERS} processes generating with the rollup code, waited "
          f"{loaded['waiting']:.0f} s; COPY {loaded['copy']:.0f} s; indexes {loaded['indexes']:.0f} s): "
          + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))

    # a pooled engine, as the app runs in production (`db_pool_size` 10); the test settings use no pool
    pooled_engine = make_engine(dataclasses.replace(app.state.settings, db_pool_size=POOL))
    pooled = make_sessionmaker(pooled_engine)
    results: list[tuple[str, float, float]] = []
    try:
        with tenant_scope(tenant_id):
            async with pooled() as s:
                known = await service.profiles(s)
            for label, params in QUERY_SETS.items():
                params = dict(params)
                if params.get("profile") == "*":
                    params["profile"] = str(known[0].id)
                if params.get("period") == "custom":
                    params.update({"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()})
                filters = service.parse_filters(params, [p.id for p in known])
                timings = []
                for _ in range(RUNS + 1):
                    async with pooled() as s:  # a request: its own session, profiles read again
                        t = time.perf_counter()
                        board = await service.dashboard(s, filters, await service.profiles(s))
                        timings.append((time.perf_counter() - t) * 1000)
                timings = timings[1:]  # the first run warms the connection's statement cache
                results.append((f"{label} [{board.totals.mentions:,} mentions]", statistics.median(timings),
                                percentile(timings, 95)))
            timings = []
            for _ in range(RUNS):
                async with pooled() as s:
                    ctx = HookContext(tenant_id=tenant_id, tenant_slug="acme", session=s)
                    t = time.perf_counter()
                    await hooks.widgets(ctx)
                    timings.append((time.perf_counter() - t) * 1000)
            results.append(("widget (last 7 days + alerts + sparkline)", statistics.median(timings),
                            percentile(timings, 95)))
            async with pooled() as s:
                ctx = HookContext(tenant_id=tenant_id, tenant_slug="acme", session=s)
                t = time.perf_counter()
                value = await hooks.measure(ctx, "monitoring.places", (today - timedelta(days=29), today))
                measure_ms = (time.perf_counter() - t) * 1000
    finally:
        await pooled_engine.dispose()

    # the whole page through a second app with a connection pool, as in production (the test app has none)
    pooled_app = create_app(dataclasses.replace(app.state.settings, db_pool_size=POOL), start_jobs=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        async with AsyncTestClient(app=pooled_app, base_url="http://testserver.local") as browser:
            await login_as(browser, mon.a, "viewer")
            timings = []
            for _ in range(RUNS + 1):
                t = time.perf_counter()
                response = await browser.get("/t/acme/p/monitoring/")
                timings.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200 and response.text.count("data-chart=") == 4
    finally:
        await pooled_app.state.engine.dispose()
    timings = timings[1:]
    results.append(("whole page GET /t/acme/p/monitoring/ (30 days: auth, guards, nav, HTML, charts)",
                    statistics.median(timings), percentile(timings, 95)))

    with tenant_scope(tenant_id):
        async with sessionmaker() as s, s.begin():
            t = time.perf_counter()
            written = await recompute_day(s, today - timedelta(days=1))
            rollup_ms = (time.perf_counter() - t) * 1000

    width = max(len(r[0]) for r in results)
    print(f"\nBuzz dashboard, {sizes['monitoring_mention']:,} mentions, {RUNS} runs each (ms):")
    print(f"{'query set':<{width}}  {'p50':>7}  {'p95':>7}")
    for label, p50, p95 in results:
        print(f"{label:<{width}}  {p50:7.1f}  {p95:7.1f}")
    print(f"measure(monitoring.places, 30 days) = {value}: {measure_ms:.1f} ms")
    print(f"rollup of one day ({per_day[-2]:,} mentions → {written:,} DayStat rows): {rollup_ms:.0f} ms")
    print(json.dumps({"p95_ms": {label: round(p95, 1) for label, _p50, p95 in results}}))

