"""Ingestion throughput, end to end through the push API: batches of 1,000 realistic Dutch and English mentions
(about 8 % re-posts and exact duplicates), 10 search profiles, another plugin listening for `mention.received`.

What one request does: token authentication and the plugin guards, JSON decoding, validation, deduplication,
folding, language detection, sentiment per part, profile matching, bulk inserts, counters, events and the
alert job's outbox row, then the commit.

The app runs as `make serve` runs it: uvicorn in its own process (`tests/bench/ingest_server.py`) with its pool
of database connections and in-process job worker, on the test database. This process pushes over HTTP, first
from one client (each batch waits for the previous), then from `INGEST_PUSHERS` (2) clients at once, as several
integrations do: one batch's Python work then overlaps another's database work, which is how the two cores of
this machine are both used. The figure is mentions per second of wall time over all batches, after one untimed
warm-up batch (it loads the language model and fills the caches, as the first request of a running server
does). The server's CPU seconds are printed too: on a busy machine they say more than wall time.

After that, the same number of batches through `ingest()` alone in this process (no HTTP, JSON, or
authentication), and with ``INGEST_PROFILE=1`` a cProfile summary (CPU time of this thread) of one batch.

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://... .venv/bin/pytest -q -m bench tests/bench/test_ingest_bench.py -s``.
Prints figures; asserts no timings.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import os
import pstats
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from core.activation.models import PluginActivation
from core.tenancy.scope import tenant_scope
from plugins.monitoring.mentions.ingest import ingest
from plugins.monitoring.models import Mention, SearchProfile, Source
from tests.bench.ingest_server import Listener
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.support import api_headers

pytestmark = pytest.mark.bench

BATCH = 1000
BATCHES = int(os.environ.get("INGEST_BATCHES", "10"))
PUSHERS = int(os.environ.get("INGEST_PUSHERS", "2"))
"""Concurrent clients in the second API phase: integrations push at the same time."""
URL = "/api/v1/t/acme/monitoring/mentions/ingest"
ROOT = Path(__file__).resolve().parents[2]

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


async def test_ingest_throughput(app: Any, world: Any, sessionmaker: Any, settings: Any, backend: str,
                                 tmp_path: Path) -> None:
    await activate_monitoring(sessionmaker, world.a)
    source_id = await _setup(sessionmaker, world)
    token = (await api_headers(sessionmaker, world.a, "member"))["Authorization"]
    rng, now, recent = random.Random(7), datetime.now(UTC), []
    warm_up = _body(make_items(rng, 10**8, now, recent))
    bodies = [_body(make_items(rng, b * BATCH, now, recent)) for b in range(BATCHES * 2)]
    count_file = tmp_path / "events"
    with _served(settings, count_file) as (url, pid):
        async with httpx.AsyncClient(base_url=url, timeout=120,
                                     headers={"Authorization": token, "Content-Type": "application/json"}) as client:
            r = await client.post(URL, content=warm_up)
            assert r.status_code == 200 and r.json()["created"] + r.json()["folded"] == BATCH, r.text[:500]
            await _analyze(sessionmaker)
            one = await _push(client, pid, bodies[:BATCHES], pushers=1)
            many = await _push(client, pid, bodies[BATCHES:], pushers=PUSHERS)
    received = int(count_file.read_text())
    total, folded = await _count(sessionmaker, world)
    assert total == BATCH * (BATCHES * 2 + 1) and received == total - folded

    # the pipeline alone (no HTTP, no JSON, no authentication), fresh items into the same source
    listener = Listener()
    app.state.pm.register(listener)
    try:
        more = [make_items(rng, (BATCHES * 2 + b) * BATCH, now, recent) for b in range(BATCHES)]
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
    print(f"\n[ingest bench, {backend}] batches of {BATCH} mentions after one warm-up batch, 10 profiles, "
          f"{folded} folded, {received} events to another plugin")
    for label, (wall, server_cpu, times) in ((" 1 pusher ", one), (f" {PUSHERS} pushers", many)):
        count = BATCH * len(times)
        print(f"  API,{label}: {count / wall:6.0f} mentions/s  ({len(times)} batches in {wall:.2f} s; batch median "
              f"{sorted(times)[len(times) // 2] * 1000:.0f} ms; the server used {server_cpu / wall:.0%} of a core, "
              f"{count / server_cpu:.0f} mentions per CPU second)")
    print(f"  ingest() alone  : {n / alone[0]:6.0f} mentions/s  ({alone[0]:.2f} s; "
          f"{n / alone[1]:.0f} per CPU second of this process)")
    print(f"  load average    : {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if profile_text:
        print(profile_text)


async def _analyze(sessionmaker: Any) -> None:
    """Planner statistics, as autovacuum keeps them on a running server: the test fixtures empty the tables, and
    this machine's PostgreSQL runs with autovacuum off, so without this the planner would take the tables for
    empty and join mentions by scanning them (the alert check took seconds instead of milliseconds)."""
    async with sessionmaker() as session, session.begin():
        await session.execute(text("ANALYZE"))


def _body(items: list[dict[str, Any]]) -> bytes:
    """A request body, encoded before the clock starts: the client's JSON work is not the server's."""
    return json.dumps({"source": "Push", "items": items}).encode()


@contextmanager
def _served(settings: Any, count_file: Path) -> Iterator[tuple[str, int]]:
    """The app in its own uvicorn process on a free port, on the test database: (base URL, process id)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key,
           "REGIE_VAR_DIR": str(settings.var_dir), "BROKER_URL": "", "REDIS_URL": "", "SMTP_URL": ""}
    log = open(count_file.with_suffix(".log"), "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.ingest_server", str(port), str(count_file)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(url + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start: " + count_file.with_suffix(".log").read_text()[-2000:])
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _push(client: httpx.AsyncClient, pid: int, bodies: list[bytes], pushers: int,
                ) -> tuple[float, float, list[float]]:
    """Send the batches from `pushers` concurrent clients: (wall seconds, CPU seconds of the server, seconds per
    request)."""
    queue = list(reversed(bodies))
    times: list[float] = []

    async def pusher() -> None:
        while queue:
            body = queue.pop()
            t = time.perf_counter()
            r = await client.post(URL, content=body)
            assert r.status_code == 200, r.text[:500]
            times.append(time.perf_counter() - t)

    started, cpu = time.perf_counter(), _cpu_seconds(pid)
    await asyncio.gather(*(pusher() for _ in range(pushers)))
    return time.perf_counter() - started, _cpu_seconds(pid) - cpu, times


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
