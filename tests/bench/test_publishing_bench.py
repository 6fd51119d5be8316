"""Scheduled publishing at speed: from a post's moment to the post readable through the AppView, p95 <= 5 s.

A real `regie worker` process (Redis broker, relay every second, as in production) works the jobs against the
local AT Protocol network (`atproto_network`). `POSTS` scheduled posts on a connected account are planned as
submitting plans them (a delayed `talking.publish_post` message in the outbox, sent by the worker's relay), their
moments `SPACING` seconds apart from `LEAD` seconds on. A watcher asks the database for each variant's network
address and, once it has one, settles the network and reads the post back from the AppView
(`app.bsky.feed.getPosts`); a post's latency runs from its moment to that read.

Run: ``TEST_POSTGRES_URL=postgresql+asyncpg://... TEST_REDIS_URL=redis://... .venv/bin/pytest -q -m bench
tests/bench/test_publishing_bench.py -s -p no:xdist``. Prints figures (recorded in docs/performance.md).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import statistics
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import select

from core.tenancy.scope import tenant_scope
from plugins.talking.models import Post, PostVariant
from plugins.talking.publishing.service import plan
from tests.atnet import AtprotoNetwork
from tests.bench.test_dashboard_bench import percentile
from tests.conftest import REDIS_URL
from tests.core.test_worker_faults import WorkerProcess, purge, require_redis
from tests.plugins.talking.conftest import talk  # noqa: F401 - a fixture
from tests.plugins.talking.test_publishing import allow_localhost, connected_remote  # noqa: F401 - a fixture

pytestmark = pytest.mark.bench

POSTS = int(os.environ.get("PUBLISHING_BENCH_POSTS", "20"))
SPACING = float(os.environ.get("PUBLISHING_BENCH_SPACING", "1.5"))
LEAD = 15.0
"""Seconds from planning to the first moment: the worker's relay has sent every message by then."""


async def _plan(sessionmaker: Any, tw: Any, account_id: UUID, first: datetime) -> dict[UUID, datetime]:
    """Scheduled posts and their delayed messages, planned as `submit` plans them (the worker's relay sends
    them: this process has no relay to the worker's broker)."""
    moments: dict[UUID, datetime] = {}
    with tenant_scope(tw.id):
        async with sessionmaker() as session, session.begin():
            for n in range(POSTS):
                moment = first + timedelta(seconds=n * SPACING)
                post = Post(title=f"Bench {n}", state="scheduled", publish_at=moment,
                            author_id=tw.users["marketer"].id, department_id=tw.departments["marketing"].id)
                post.variants = [PostVariant(account_id=account_id, platform="bluesky", handle="bench",
                                             text=f"Benchbericht {n}", images=[], links=[])]
                session.add(post)
                await session.flush()
                plan(session, post)  # as submitting does
                session.info.pop("outbox_dirty", None)  # the worker's relay sends it, not this process's
                moments[post.id] = moment
    return moments


async def test_a_due_post_is_on_the_network_within_five_seconds(app, client, talk, sessionmaker, settings,  # noqa: F811
                                                                atproto_network: AtprotoNetwork,
                                                                allow_localhost,  # noqa: F811
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    require_redis()
    tw = talk.world.a
    _remote, account_id = await connected_remote(client, sessionmaker, tw, atproto_network)
    monkeypatch.setenv("REGIE_OUTBOUND_ALLOW", "127.0.0.1,::1,localhost")
    worker_settings = dataclasses.replace(settings, broker_url=REDIS_URL)
    purge(worker_settings)
    worker = WorkerProcess(worker_settings, "publishing")
    latencies: dict[UUID, float] = {}
    try:
        worker.wait_ready()
        moments = await _plan(sessionmaker, tw, account_id, datetime.now(UTC) + timedelta(seconds=LEAD))
        uris: dict[UUID, str] = {}
        deadline = max(moments.values()) + timedelta(seconds=60)
        async with httpx.AsyncClient(base_url=atproto_network.appview, timeout=30) as appview:
            while len(latencies) < len(moments) and datetime.now(UTC) < deadline:
                with tenant_scope(tw.id):
                    async with sessionmaker() as session:
                        rows = (await session.execute(select(PostVariant.post_id, PostVariant.remote_uri).where(
                            PostVariant.remote_uri != ""))).all()
                uris.update({post_id: uri for post_id, uri in rows if post_id not in latencies})
                waiting = [uri for post_id, uri in uris.items() if post_id not in latencies]
                if waiting:
                    await asyncio.to_thread(atproto_network.settle)
                    answer = (await appview.get("/xrpc/app.bsky.feed.getPosts",
                                                params=[("uris", uri) for uri in waiting[:25]])).json()
                    seen = datetime.now(UTC)
                    shown = {p["uri"] for p in answer.get("posts", [])}
                    for post_id, uri in list(uris.items()):
                        if uri in shown and post_id not in latencies:
                            latencies[post_id] = (seen - moments[post_id]).total_seconds()
                await asyncio.sleep(0.05)
    finally:
        worker.stop()
    log = worker.output()
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            sent = {post_id: at for post_id, at in (await session.execute(
                select(PostVariant.post_id, PostVariant.published_at))).all() if at is not None}
    recorded = sorted((sent[p] - moments[p]).total_seconds() for p in sent)
    figures = sorted(latencies.values())
    print(f"\n[scheduled publishing] {len(latencies)} of {POSTS} posts readable through the AppView, a real "
          f"`regie worker` on Redis")
    if figures:
        print(f"  moment → post readable through the AppView: p50 {statistics.median(figures):.2f} s, "
              f"p95 {percentile(figures, 95):.2f} s, max {max(figures):.2f} s")
    if recorded:
        print(f"  of which moment → sent and recorded by the worker: p50 {statistics.median(recorded):.2f} s, "
              f"p95 {percentile(recorded, 95):.2f} s")
    assert len(latencies) == POSTS, log[-3000:]
    assert percentile(figures, 95) <= 5.0
