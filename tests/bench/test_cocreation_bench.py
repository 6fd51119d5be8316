"""The idea board at volume: front page and idea search p95 <= 100 ms with 50,000 ideas and 1,000,000 votes in a
tenant; the similar-ideas suggestion (asked while someone types a new idea) within 150 ms.

The ideas get titles and descriptions made of a product vocabulary, so trigram and full-text search have real
work; votes follow a long tail (a few ideas with thousands, most with a handful), 25,000 customers voting. Each
page is then requested `RUNS` times through an app with a connection pool, as a reader who is not signed in and
as a signed-in customer: the front page (most votes, newest, one stage, one category, page 50), a search, and the
suggestion for several half-typed titles.

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://... .venv/bin/pytest -q -m bench tests/bench/test_cocreation_bench.py
-s``. Prints figures (recorded in docs/cocreation.md); asserts no timings. Both databases run it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text, update

from core.customers.models import Customer
from core.db.bulk import bulk_insert
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from plugins.cocreation.models import Category, CocreationSettings, Idea, Stage, Vote
from plugins.cocreation.settings import board_settings
from tests.bench.test_dashboard_bench import percentile
from tests.plugins.energizing.conftest import activate

pytestmark = pytest.mark.bench

IDEAS = int(os.environ.get("COCREATION_BENCH_IDEAS", "50000"))
VOTES = int(os.environ.get("COCREATION_BENCH_VOTES", "1000000"))
CUSTOMERS = int(os.environ.get("COCREATION_BENCH_CUSTOMERS", "25000"))
RUNS = int(os.environ.get("COCREATION_BENCH_RUNS", "50"))
BOARD = "/t/acme/p/cocreation/board/"

SUBJECTS = ("app", "website", "factuur", "klantenservice", "abonnement", "bezorging", "inlog", "betaling",
            "meterstand", "storingskaart", "chat", "nieuwsbrief", "winkel", "pakket", "retour", "spaarpunten",
            "notificatie", "wachtwoord", "profiel", "zoekfunctie", "agenda", "afspraak", "formulier", "kaart")
WISHES = ("donkere modus voor de", "sneller laden van de", "betalen met iDEAL in de", "meldingen bij wijziging van de",
          "Engelse versie van de", "toegankelijker maken van de", "exporteren vanuit de", "filter op datum in de",
          "delen via WhatsApp vanuit de", "offline gebruik van de", "grotere letters in de", "chatbot in de",
          "samenvatting per maand van de", "koppeling met de agenda voor de", "spraakbesturing in de")
EXTRA = ("graag", "voor ouderen", "op de telefoon", "zonder account", "voor zakelijke klanten", "met uitleg",
         "in het weekend", "voor mensen met een beperking", "met een overzicht", "per e-mail")


def _title(rng: random.Random, n: int) -> str:
    return f"{rng.choice(WISHES).capitalize()} {rng.choice(SUBJECTS)} {rng.choice(EXTRA)} ({n})"


def _vote_counts(rng: random.Random, ideas: int, votes: int) -> list[int]:
    """A long tail that adds up to `votes`: weight 1/rank^0.8, no idea over the number of customers."""
    weights = [1 / (rank ** 0.8) for rank in range(1, ideas + 1)]
    rng.shuffle(weights)
    total = sum(weights)
    counts = [min(CUSTOMERS, int(votes * w / total)) for w in weights]
    short, i = votes - sum(counts), 0
    while short > 0:  # rounding: spread the rest one each over ideas with room (each customer votes once)
        if counts[i % ideas] < CUSTOMERS:
            counts[i % ideas] += 1
            short -= 1
        i += 1
    return counts


async def seed_board(sessionmaker: Any, tenant_id: UUID, ideas: int, votes: int, after: int = 0) -> dict[str, Any]:
    """`ideas` published ideas over a year with `votes` votes from `CUSTOMERS` customers (bulk inserted), numbered
    from `after` + 1 (a board that has ideas already, such as the demo's, keeps its numbers)."""
    rng = random.Random(20)
    now = datetime.now(UTC)
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            settings = await board_settings(session)
            categories = [Category(name=f"Categorie {n}", position=n) for n in range(8)]
            session.add_all(categories)
            await session.flush()
            stage_keys = [s.key for s in (await session.scalars(select(Stage).order_by(Stage.position))).all()]
            category_ids = [c.id for c in categories]
            settings_id = settings.id
        customer_ids = [uuid4() for _ in range(CUSTOMERS)]
        for start in range(0, CUSTOMERS, 10_000):
            async with sessionmaker() as session, session.begin():
                await bulk_insert(session, Customer, [
                    {"id": cid, "email": f"klant{start + i}@voorbeeld.test", "display_name": f"Klant {start + i}",
                     "is_blocked": False, "verified_at": now}
                    for i, cid in enumerate(customer_ids[start:start + 10_000])])
        counts = _vote_counts(rng, ideas, votes)
        chunk = 5_000
        for start in range(0, ideas, chunk):
            rows, vote_rows = [], []
            for n in range(start + 1, min(ideas, start + chunk) + 1):
                idea_id, number = uuid4(), after + n
                created = now - timedelta(minutes=(ideas - n) * 525_600 / ideas)
                count = counts[n - 1]
                rows.append({
                    "id": idea_id, "number": number, "title": _title(rng, number),
                    "description": " ".join(rng.choice(WISHES) + " " + rng.choice(SUBJECTS) for _ in range(6)),
                    "category_id": rng.choice(category_ids), "tags": [], "campaign_id": None, "status": "published",
                    "stage_key": rng.choices(stage_keys, weights=(60, 15, 8, 6, 6, 5)[:len(stage_keys)])[0],
                    "merged_into_id": None, "source": "board", "customer_id": customer_ids[n % CUSTOMERS],
                    "author_user_id": None, "author_name": f"Klant {n % CUSTOMERS}", "vote_count": count,
                    "comment_count": 0, "follower_count": 1, "flag_count": 0, "spam_reasons": [],
                    "moderation_note": "", "owner_id": None, "effort": None, "value": None, "triaged_at": None,
                    "first_response_at": None, "stage_changed_at": None, "published_at": created,
                    "client_ip": "", "created_at": created, "updated_at": created})
                offset = (n * 7919) % CUSTOMERS
                vote_rows += [{"id": uuid4(), "idea_id": idea_id,
                               "customer_id": customer_ids[(offset + k) % CUSTOMERS]} for k in range(count)]
            async with sessionmaker() as session, session.begin():
                await bulk_insert(session, Idea, rows)
                for v in range(0, len(vote_rows), 50_000):
                    await bulk_insert(session, Vote, vote_rows[v:v + 50_000])
        async with sessionmaker() as session, session.begin():
            await session.execute(update(CocreationSettings).where(CocreationSettings.id == settings_id)
                                  .values(idea_counter=after + ideas).execution_options(synchronize_session=False))
    return {"category_id": category_ids[0], "stage": stage_keys[2]}


async def _analyze(app: Any) -> None:
    async with app.state.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SET ROLE NONE"))
            await conn.execute(text("VACUUM ANALYZE cocreation_idea, cocreation_vote, customer"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def _timed(browser: Any, url: str, headers: dict[str, str] | None = None) -> list[float]:
    timings = []
    for _ in range(RUNS + 1):
        t = time.perf_counter()
        response = await browser.get(url, headers=headers or {})
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return timings[1:]  # the first warms the connection's statement cache


async def test_board_pages_with_50k_ideas_and_1m_votes(app: Any, sessionmaker: Any, world: Any,
                                                      backend: str) -> None:
    await activate(sessionmaker, world.a, "cocreation", "marketing")
    t = time.perf_counter()
    seeded = await seed_board(sessionmaker, world.a.id, IDEAS, VOTES)
    seed_seconds = time.perf_counter() - t
    await _analyze(app)
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            stored = await session.scalar(select(Vote.id).limit(1))
            assert stored is not None
    typed = ["donk", "donkere mod", "betalen met ide", "meldingen bij wijz", "spraakbest", "toegankelijk"]
    pages = {
        "front page, most votes": BOARD,
        "front page, newest": f"{BOARD}?order=new",
        "front page, recently changed": f"{BOARD}?order=recent",
        "front page, one stage": f"{BOARD}?stage={seeded['stage']}",
        "front page, one category": f"{BOARD}?category={seeded['category_id']}",
        "front page, page 50": f"{BOARD}?page=50",
        "search 'donkere modus app'": f"{BOARD}?q={quote('donkere modus app')}",
        "search 'iDEAL betaling'": f"{BOARD}?q={quote('iDEAL betaling')}",
    }
    pooled_app = create_app(dataclasses.replace(app.state.settings, db_pool_size=5), start_jobs=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results: list[tuple[str, float, float]] = []
    try:
        async with AsyncTestClient(app=pooled_app, base_url="http://testserver.local") as browser:
            for label, url in pages.items():
                timings = await _timed(browser, url)
                results.append((label, statistics.median(timings), percentile(timings, 95)))
            suggestion: list[float] = []
            for words in typed:
                suggestion += await _timed(browser, f"{BOARD}similar?title={quote(words)}",
                                           {"HX-Request": "true"})
            results.append(("similar ideas while typing (6 prefixes)", statistics.median(suggestion),
                            percentile(suggestion, 95)))
    finally:
        await pooled_app.state.engine.dispose()
    width = max(len(r[0]) for r in results)
    print(f"\nIdea board on {backend}: {IDEAS:,} ideas, {VOTES:,} votes, {CUSTOMERS:,} customers "
          f"(seeded in {seed_seconds:.0f} s), {RUNS} runs each (ms):")
    print(f"{'page':<{width}}  {'p50':>7}  {'p95':>7}")
    for label, p50, p95 in results:
        print(f"{label:<{width}}  {p50:7.1f}  {p95:7.1f}")
    print(json.dumps({"backend": backend, "p95_ms": {label: round(p95, 1) for label, _p50, p95 in results}}))
