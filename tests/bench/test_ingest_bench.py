"""Ingestion throughput, end to end through the push API: batches of 1,000 realistic Dutch and English mentions
(about 8 % re-posts and exact duplicates), 10 search profiles, another plugin listening for `mention.received`.

What one request does: token authentication and the plugin guards, JSON decoding, validation, deduplication,
folding, language detection, sentiment per part, profile matching, bulk inserts, counters, events and the
alert job's outbox row, then the commit. The figure is mentions per second of wall time over all batches
after one untimed warm-up batch (it loads the language model and fills the caches, as the first request of a
running server does), then the same number of batches through `ingest()` alone, and with ``INGEST_PROFILE=1``
a cProfile summary (CPU time of this thread) of one batch. CPU seconds of this process are printed too: on a
busy machine they say more than wall time. ``INGEST_GC_FREEZE=1`` freezes the heap before the API phase (what
a server can do after start-up with `gc.freeze()`), so full collections stop walking the test runner's objects.

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://... .venv/bin/pytest -q -m bench tests/bench/test_ingest_bench.py -s``.
Prints figures; asserts no timings.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.activation.models import PluginActivation
from core.plugins.api import PluginInfo, hookimpl
from core.tenancy.scope import tenant_scope
from plugins.monitoring.mentions.ingest import ingest
from plugins.monitoring.models import Mention, SearchProfile, Source
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.support import api_headers

pytestmark = pytest.mark.bench

BATCH = 1000
BATCHES = int(os.environ.get("INGEST_BATCHES", "10"))
URL = "/api/v1/t/acme/monitoring/mentions/ingest"

BRANDS = ["KPN", "Ziggo", "Vodafone", "Odido", "NS", "ProRail", "Albert Heijn", "Jumbo", "bol", "Coolblue"]
NL = {
    "neg": ["Alweer een storing bij {b}, al twee uur geen internet. Echt waardeloos!",
            "De klantenservice van {b} is onbereikbaar, wachttijd van 45 minuten. Slecht geregeld.",
            "{b} rekent opnieuw te veel af op mijn factuur. Ik ben het zat en ga overstappen.",
            "Waarom duurt de bezorging van {b} zo lang? Pakket nog steeds niet binnen #fail"],
    "pos": ["Top geholpen door de medewerker van {b}, snel en vriendelijk opgelost!",
            "Eindelijk glasvezel van {b} aangesloten, supersnel en zonder problemen. Aanrader.",
            "Compliment voor {b}: de monteur was op tijd en heel behulpzaam #top"],
    "neu": ["{b} maakt de kwartaalcijfers bekend op donderdag.",
            "Vanaf maandag verandert de dienstregeling van {b} in het oosten van het land.",
            "Weet iemand of {b} ook een winkel in Utrecht heeft?"],
}
EN = {
    "neg": ["Another outage at {b}, no internet for hours. Terrible service!",
            "{b} customer support kept me on hold for 40 minutes. Awful experience.",
            "Really disappointed with {b}, my order arrived broken #fail"],
    "pos": ["Great support from {b} today, friendly and fast. Thanks!",
            "Love the new {b} app, works perfectly and looks amazing."],
    "neu": ["{b} announces its quarterly results on Thursday.",
            "Does anyone know if {b} ships to Belgium?"],
}
TITLES = {"nl": ["Storing bij {b}", "{b} in het nieuws", "Klanten boos op {b}", "Nieuwe dienst van {b}"],
          "en": ["{b} outage", "{b} in the news", "Customers angry at {b}", "New service from {b}"]}
QUERIES = ['kpn OR @kpn OR #kpn', 'ziggo AND (storing* OR outage OR internet)', 'vodafone OR odido',
           '"ns" OR prorail OR trein* -vacature', '"albert heijn" OR @ah OR jumbo', 'bol OR coolblue OR bezorg*',
           'klantenservice OR "customer support" OR wachttijd', 'factuur OR overstappen OR opzeggen',
           '(storing OR outage) AND NOT gepland', 'glasvezel OR "fibre" OR modem OR wifi']
SOURCE_TYPES = ["news", "blog", "forum", "microblog", "social", "review"]


def make_items(rng: random.Random, start: int, now: datetime, recent: list[str]) -> list[dict[str, Any]]:
    """One batch: 1 in 12 is a re-post (RT) or an exact copy of an earlier text."""
    items = []
    for i in range(start, start + BATCH):
        lang = "nl" if rng.random() < 0.7 else "en"
        brand = rng.choice(BRANDS)
        if recent and rng.random() < 1 / 12:
            body = rng.choice([f"RT @{rng.choice(['nos', 'jan', 'piet'])}: ", "", ""]) + rng.choice(recent)
        else:
            templates = (NL if lang == "nl" else EN)[rng.choice(["neg", "neg", "pos", "neu"])]
            body = rng.choice(templates).format(b=brand) + f" ({rng.randint(1, 10**6)})"
            recent.append(body)
        if rng.random() < 0.3:
            body += f" https://www.{brand.lower().replace(' ', '')}.nl/x?utm_source=tw&id={i}"
        news = rng.random() < 0.2
        items.append({
            "external_id": f"ext-{i}", "body": body,
            "title": rng.choice(TITLES[lang]).format(b=brand) if news else "",
            "lead": "Een korte inleiding bij het bericht." if news and lang == "nl" else "",
            "published_at": (now - timedelta(minutes=rng.randint(0, 600))).isoformat(),
            "url": f"https://{'nieuws' if news else 'x'}.example.{lang}/{i}",
            "author_handle": f"user{rng.randint(1, 5000)}", "author_name": "Someone",
            "author_reach": rng.randint(0, 50_000), "source_type": rng.choice(SOURCE_TYPES),
            "tags": ["bench"] if rng.random() < 0.1 else []})
    del recent[:-200]
    return items


class Listener:
    """A plugin that listens for mentions, as webcare will."""

    def __init__(self) -> None:
        self.received = 0

    @hookimpl
    def regie_plugin(self) -> PluginInfo:
        return PluginInfo(name="benchlistener", groundswell_function="talking", default_owner="customer_service")

    @hookimpl
    def regie_event(self, ctx: Any, event: Any) -> None:
        self.received += 1


async def _setup(sessionmaker: Any, world: Any) -> Any:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            for n, query in enumerate(QUERIES):
                session.add(SearchProfile(name=f"Profile {n}", query=query))
            source = Source(name="Push", kind="api", source_type="microblog")
            session.add(source)
            session.add(PluginActivation(plugin="benchlistener", department_id=world.a.departments["service"].id,
                                         status="active"))
            await session.flush()
            return source.id


async def _count(sessionmaker: Any, world: Any) -> tuple[int, int]:
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            total = await session.scalar(select(func.count()).select_from(Mention))
            folded = await session.scalar(select(func.count()).select_from(Mention)
                                          .where(Mention.duplicate_of_id.is_not(None)))
    return int(total or 0), int(folded or 0)


class GcClock:
    """Seconds spent in the garbage collector (a full collection walks every object of the process)."""

    def __init__(self) -> None:
        self.seconds, self._start = 0.0, 0.0

    def __call__(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._start


async def test_ingest_throughput(app: Any, client: Any, world: Any, sessionmaker: Any, backend: str) -> None:
    await activate_monitoring(sessionmaker, world.a)
    listener = Listener()
    app.state.pm.register(listener)
    try:
        source_id = await _setup(sessionmaker, world)
        headers = await api_headers(sessionmaker, world.a, "member")
        rng, now, recent = random.Random(7), datetime.now(UTC), []
        warm_up = make_items(rng, 10**8, now, recent)
        batches = [make_items(rng, b * BATCH, now, recent) for b in range(BATCHES)]
        r = await client.post(URL, json={"source": "Push", "items": warm_up}, headers=headers)
        assert r.status_code == 200 and r.json()["created"] + r.json()["folded"] == BATCH
        if os.environ.get("INGEST_GC_FREEZE"):  # as a server would after start-up: the heap so far is permanent
            gc.collect()
            gc.freeze()
        gc_clock = GcClock()
        gc.callbacks.append(gc_clock)
        started, cpu, times = time.perf_counter(), time.process_time(), []
        for batch in batches:
            t = time.perf_counter()
            r = await client.post(URL, json={"source": "Push", "items": batch}, headers=headers)
            assert r.status_code == 200, r.text[:500]
            times.append(time.perf_counter() - t)
        api = (time.perf_counter() - started, time.process_time() - cpu)
        gc.callbacks.remove(gc_clock)
        gc.unfreeze()
        total, folded = await _count(sessionmaker, world)
        assert total == BATCH * (BATCHES + 1) and listener.received == total - folded

        # the pipeline alone (no HTTP, no JSON, no authentication), fresh items into the same source
        more = [make_items(rng, (BATCHES + b) * BATCH, now, recent) for b in range(BATCHES)]
        started, cpu = time.perf_counter(), time.process_time()
        for batch in more:
            with tenant_scope(world.a.id):
                async with sessionmaker() as session, session.begin():
                    source = await session.get(Source, source_id)
                    await ingest(session, source, batch, pm=app.state.pm, tenant=world.a.tenant)
        alone = (time.perf_counter() - started, time.process_time() - cpu)
        profile_text = ""
        if os.environ.get("INGEST_PROFILE"):
            profile_text = await _profiled(app, sessionmaker, world, source_id, make_items(rng, 10**7, now, recent))
    finally:
        app.state.pm.unregister(listener)
    n = BATCH * BATCHES
    print(f"\n[ingest bench, {backend}] {BATCHES} batches x {BATCH} mentions after one warm-up batch, 10 profiles, "
          f"{folded} folded, {listener.received} events to another plugin")
    print(f"  API end to end : {n / api[0]:6.0f} mentions/s  ({api[0]:.2f} s; batch median "
          f"{sorted(times)[len(times) // 2] * 1000:.0f} ms, best {min(times) * 1000:.0f} ms; "
          f"{n / api[1]:.0f} per CPU second of this process; {gc_clock.seconds:.2f} s in the garbage collector)")
    print(f"  ingest() alone : {n / alone[0]:6.0f} mentions/s  ({alone[0]:.2f} s; "
          f"{n / alone[1]:.0f} per CPU second of this process)")
    print(f"  load average   : {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if profile_text:
        print(profile_text)


async def _profiled(app: Any, sessionmaker: Any, world: Any, source_id: Any, batch: list[dict[str, Any]]) -> str:
    """cProfile of `ingest()` for one batch (the test client runs the app on another thread, out of sight)."""
    profiler = cProfile.Profile(time.thread_time)  # CPU of this thread: robust on a busy machine
    with tenant_scope(world.a.id):
        async with sessionmaker() as session, session.begin():
            source = await session.get(Source, source_id)
            profiler.enable()
            await ingest(session, source, batch, pm=app.state.pm, tenant=world.a.tenant)
            profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
    return out.getvalue()
