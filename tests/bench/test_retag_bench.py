"""Re-tag throughput: how fast `monitoring.retag_profile` walks past mentions after a profile changed.

A tenant gets RETAG_BENCH_MENTIONS mentions (default 20,000; a mix of texts of which about a third match),
then the job runs three times: tagging a new profile (inserts), after a query change (inserts and deletes),
and once more with nothing to change (the idempotent walk: read, match, compare). Each prints mentions/s;
a million mentions take about 1,000,000 / rate seconds.

Run: ``.venv/bin/pytest -q -m bench tests/bench/test_retag_bench.py -s`` (both backends; PostgreSQL via
``TEST_POSTGRES_URL``). Prints figures; asserts no timings.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from sqlalchemy import func, insert, select

from core.jobs.progress import start_progress
from core.plugins.api import run_named_job
from core.tenancy.scope import tenant_scope
from plugins.monitoring.models import Mention, MentionProfile, SearchProfile, Source

pytestmark = pytest.mark.bench

N = int(os.environ.get("RETAG_BENCH_MENTIONS", "20000"))
TEXTS = ["Storing bij KPN in Utrecht, niets werkt meer", "Ziggo is weer traag vanavond #ziggo",
         "Het weer is mooi vandaag, zin in het weekend", "Klantenservice van KPN heeft me snel geholpen",
         "Nieuwe vacature: monteur glasvezel", "@kpn waarom duurt de aansluiting zo lang?"]


async def _mentions(sessionmaker, tenant_id) -> None:  # type: ignore[no-untyped-def]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            source = Source(name="Bench", kind="api", source_type="microblog")
            session.add(source)
            await session.flush()
            for offset in range(0, N, 5000):
                rows = [{"source_id": source.id, "source_type": "microblog", "external_id": f"m{i}",
                         "published_at": start + timedelta(minutes=i), "body": TEXTS[i % len(TEXTS)] + f" {i}",
                         "author_handle": f"user{i % 97}", "language": "nl", "sentiment": "neutral",
                         "content_hash": hashlib.sha256(uuid4().bytes).hexdigest(), "author_reach": i % 500}
                        for i in range(offset, min(N, offset + 5000))]
                await session.execute(insert(Mention), rows)


async def _run(app, sessionmaker, tenant_id, profile_id, version: int, label: str) -> None:  # type: ignore[no-untyped-def]
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            progress = start_progress(session, "monitoring.retag", title="bench")
            await session.flush()
            progress_id = str(progress.id)
    began = time.perf_counter()
    outcome = await run_named_job(app, "monitoring.retag_profile", tenant_id, profile_id=str(profile_id),
                                  progress_id=progress_id, version=version)
    seconds = time.perf_counter() - began
    print(f"\n[{app.state.settings.database_url.split(':')[0]}] re-tag {label}: {outcome['scanned']} mentions in "
          f"{seconds:.2f} s = {outcome['scanned'] / seconds:,.0f} mentions/s "
          f"(+{outcome['added']} / -{outcome['removed']})")


async def test_retag_throughput(app, world, sessionmaker) -> None:
    tenant_id = world.a.id
    await _mentions(sessionmaker, tenant_id)
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            profile = SearchProfile(name="Merk", query="kpn OR @kpn", version=1)
            session.add(profile)
            await session.flush()
            profile_id = profile.id
    await _run(app, sessionmaker, tenant_id, profile_id, 1, "new profile")
    with tenant_scope(tenant_id):
        async with sessionmaker() as session, session.begin():
            profile = await session.get(SearchProfile, profile_id)
            profile.query, profile.version = "(kpn OR ziggo) NOT vacature", 2
    await _run(app, sessionmaker, tenant_id, profile_id, 2, "query changed")
    await _run(app, sessionmaker, tenant_id, profile_id, 2, "nothing to change")
    with tenant_scope(tenant_id):
        async with sessionmaker() as session:
            tagged = await session.scalar(select(func.count()).select_from(MentionProfile))
    assert tagged == sum(1 for i in range(N) if TEXTS[i % len(TEXTS)].lower().count("kpn")
                         or "ziggo" in TEXTS[i % len(TEXTS)].lower())
