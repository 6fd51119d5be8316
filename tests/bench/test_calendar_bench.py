"""The content calendar at volume: a month view p95 <= 150 ms with 10,000 scheduled posts on PostgreSQL.

10,000 scheduled posts (two variants each, one on each of two accounts) are bulk inserted into one month — the
hard case: the month's grid reads every one of them (ids and moments) to count the day's "n more", and shows at
most four a day with their variants. Then each view is requested `RUNS` times through an app with a connection
pool, signed in as a marketer: the month, the month filtered by one account and by state, the calendar fragment
htmx reloads after a drag, the week, and the list's first page.

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://... .venv/bin/pytest -q -m bench tests/bench/test_calendar_bench.py
-s``. Prints figures (recorded in docs/performance.md); asserts no timings.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text

from core.db.bulk import bulk_insert
from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from plugins.talking.models import Post, PostVariant
from tests.bench.test_dashboard_bench import percentile
from tests.plugins.talking.conftest import activate_talking, add_accounts
from tests.support import login_as, post_form

pytestmark = pytest.mark.bench

POSTS = int(os.environ.get("CALENDAR_BENCH_POSTS", "10000"))
RUNS = int(os.environ.get("CALENDAR_BENCH_RUNS", "50"))
BASE = "/t/acme/p/talking"
MONTH = "2099-05"


async def seed_month(sessionmaker: Any, tenant_id: UUID, department_id: UUID | None,
                     accounts: list[tuple[UUID, str, str]], posts: int = POSTS) -> None:
    """`posts` scheduled posts spread over May 2099 (every hour of every day has some), a variant on each of
    `accounts` (id, platform, handle). Also the page benchmark's loader."""
    start = datetime(2099, 5, 1, 6, tzinfo=UTC)
    span = timedelta(days=30, hours=12).total_seconds()
    with tenant_scope(tenant_id):
        for first in range(0, posts, 2000):
            rows, variants = [], []
            for n in range(first, min(first + 2000, posts)):
                post_id = uuid4()
                rows.append({"id": post_id, "title": f"Tip {n}: zo vergoed je je bril", "theme": "vergoedingen",
                             "objective": "Meer bereik onder jongeren", "department_id": department_id,
                             "state": "scheduled", "publish_at": start + timedelta(seconds=span * n / posts)})
                variants += [{"post_id": post_id, "account_id": account_id, "platform": platform, "handle": handle,
                              "text": f"Tip {n}: wist je dat je bril vergoed wordt? Lees meer op de site.",
                              "images": [], "links": []} for account_id, platform, handle in accounts]
            async with sessionmaker() as session, session.begin():
                await bulk_insert(session, Post, rows)
                await bulk_insert(session, PostVariant, variants)


async def test_month_view_with_10k_scheduled_posts(app: Any, sessionmaker: Any, world: Any, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the 10,000-post calendar benchmark runs on PostgreSQL")
    await activate_talking(sessionmaker, world.a)
    accounts = await add_accounts(sessionmaker, world.a)
    t = time.perf_counter()
    await seed_month(sessionmaker, world.a.id, world.a.departments["marketing"].id,
                     [(accounts[p], p, f"acme_{p}") for p in ("x", "facebook")])
    seed_seconds = time.perf_counter() - t
    async with app.state.engine.connect() as conn:  # as autovacuum keeps a running server
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("SET ROLE NONE"))
        await conn.execute(text("VACUUM ANALYZE talking_post, talking_variant"))
    pages = {
        "month (10,000 posts in it)": f"{BASE}/?view=month&month={MONTH}",
        "month, one account": f"{BASE}/?view=month&month={MONTH}&account={accounts['x']}",
        "month, state scheduled": f"{BASE}/?view=month&month={MONTH}&state=scheduled",
        "calendar fragment (after a drag)": f"{BASE}/partials/calendar?view=month&month={MONTH}",
        "week": f"{BASE}/?view=week&week=2099-05-11",
        "list, all, page 1": f"{BASE}/?view=list&when=all",
    }
    pooled_app = create_app(dataclasses.replace(app.state.settings, db_pool_size=5), start_jobs=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    results = []
    try:
        async with AsyncTestClient(app=pooled_app, base_url="http://testserver.local") as browser:
            await login_as(browser, world.a, "marketer")
            await post_form(browser, "/lang", {"lang": "nl", "next": f"{BASE}/"})
            for label, url in pages.items():
                timings = []
                for _ in range(RUNS + 1):
                    t = time.perf_counter()
                    response = await browser.get(url)
                    timings.append((time.perf_counter() - t) * 1000)
                    assert response.status_code == 200, (label, response.status_code, response.text[:300])
                    assert "Tip " in response.text, label  # the posts themselves, not an empty grid
                timings = timings[1:]  # the first warms the connection's statement cache
                results.append((label, statistics.median(timings), percentile(timings, 95)))
    finally:
        await pooled_app.state.engine.dispose()
    width = max(len(r[0]) for r in results)
    print(f"\nContent calendar, {POSTS:,} scheduled posts in one month (seeded in {seed_seconds:.0f} s), "
          f"{RUNS} runs each (ms):")
    print(f"{'view':<{width}}  {'p50':>7}  {'p95':>7}")
    for label, p50, p95 in results:
        print(f"{label:<{width}}  {p50:7.1f}  {p95:7.1f}")
    print(json.dumps({"p95_ms": {label: round(p95, 1) for label, _p50, p95 in results}}))
