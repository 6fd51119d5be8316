"""From a customer's post on the network to a webcare case, target p95 <= 30 s.

A second app runs with its in-process worker and scheduler (`create_app(settings, start_jobs=True)`, served by
`AsyncTestClient` with its lifespan): exactly the embedded deployment, so the periodic `monitoring.read_network`
job (every `READ_SECONDS`) reads the network as in production; nothing here runs a job by hand. The local AT
Protocol network (`atproto_network`) runs with its indexing loop off for the tests, so a background task settles
it every 500 ms, as the network's own loop (and the public AppView, continuously) would.

The organisation's account is connected and has posted; a routing rule makes a case of every negative mention.
Each round a customer answers the post angrily; the clock starts when the network has the post (the PDS answered)
and stops when the case with that post's address is in the database (polled every 100 ms). The rounds start at
uneven moments (a pause of 0-7 s), so they meet the job's ticks at different phases.

Run: ``.venv/bin/pytest -q -m bench tests/bench/test_network_case_bench.py -s -p no:xdist`` (PostgreSQL via
``TEST_POSTGRES_URL``). ``NETWORK_BENCH_ROUNDS`` changes the number of rounds. Prints p50/p95; asserts the target.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.tenancy.scope import tenant_scope
from core.web.app import create_app
from plugins.monitoring.sources.network import READ_SECONDS
from plugins.webcare.models import Case
from tests.atnet import AtprotoNetwork
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.monitoring.test_network import connect_account, reply_to, signed_in
from tests.plugins.webcare.conftest import activate_webcare
from tests.plugins.webcare.test_intake import add_rule

pytestmark = pytest.mark.bench

ROUNDS = int(os.environ.get("NETWORK_BENCH_ROUNDS", "8"))
POLL = 0.1
GIVE_UP = 120.0
TARGET = 30.0
ANGRY = "Waardeloze service, al {n} dagen geen internet en niemand helpt me. Ik ben woedend!"


async def _case_of(sessionmaker: Any, tenant_id: UUID, uri: str) -> Case | None:
    with tenant_scope(tenant_id):
        async with sessionmaker() as session:
            return await session.scalar(select(Case).where(Case.source_uri == uri))


async def _settling(network: AtprotoNetwork, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.to_thread(network.settle)
        await asyncio.sleep(0.5)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


async def test_network_post_to_case_latency(settings: Any, world: Any, sessionmaker: Any, client: Any,
                                            atproto_network: AtprotoNetwork, restore_broker: None,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "outbound_allow", (*settings.outbound_allow, "localhost"))
    await activate_monitoring(sessionmaker, world.a)
    await activate_webcare(sessionmaker, world.a)
    ours, theirs = (await asyncio.to_thread(atproto_network.create_account),
                    await asyncio.to_thread(atproto_network.create_account))
    await connect_account(client, sessionmaker, world.a, atproto_network, ours)
    await add_rule(sessionmaker, world.a, "Negatief", 0, {"sentiments": ["negative"]})
    org, customer = await signed_in(atproto_network, ours), await signed_in(atproto_network, theirs)
    post = await org.send_post("Storing in de regio? Laat het ons hier weten.")
    await org.request.close()

    stop = asyncio.Event()
    settler = asyncio.create_task(_settling(atproto_network, stop))
    app = create_app(settings, start_jobs=True)
    latencies: list[float] = []
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local"):
            await asyncio.sleep(READ_SECONDS + 2)  # the first read sets the cursor (history is not read)
            for n in range(ROUNDS):
                await asyncio.sleep(random.uniform(0, 7))
                uri = await reply_to(customer, post.uri, post.cid, ANGRY.format(n=n + 2))
                started = time.perf_counter()
                case = None
                while case is None and time.perf_counter() - started < GIVE_UP:
                    case = await _case_of(sessionmaker, world.a.id, uri)
                    if case is None:
                        await asyncio.sleep(POLL)
                assert case is not None, f"no case within {GIVE_UP:.0f} s"
                latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        await settler
        await customer.request.close()
    p50, p95 = statistics.median(latencies), _percentile(latencies, 0.95)
    print(f"\n[network post → webcare case] {ROUNDS} rounds, the job every {READ_SECONDS} s, in-process worker "
          f"+ scheduler: " + ", ".join(f"{s:.1f}" for s in latencies) + " s")
    print(f"  p50 {p50:.1f} s, p95 {p95:.1f} s (target <= {TARGET:.0f} s); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    assert p95 <= TARGET
