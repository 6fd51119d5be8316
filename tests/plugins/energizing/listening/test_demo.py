"""The listening demo: open candidates with evidence and a dismissed one, once, shown in the queue."""

from __future__ import annotations

from sqlalchemy import func, select

from core.plugins.api import tenant_scope
from core.plugins.context import hook_context
from plugins.energizing.listening import hooks
from plugins.energizing.listening.models import Candidate, Decision, Evidence
from tests.support import login_as


async def test_the_demo_seeds_candidates_once(client, energizing, sessionmaker, settings):
    a = energizing.a
    for _run in range(2):
        with tenant_scope(a.id):
            async with sessionmaker() as s, s.begin():
                assert await hooks.seed_demo(hook_context(s, a.tenant, "nl", settings=settings)) == []
    with tenant_scope(a.id):
        async with sessionmaker() as s:
            states = sorted((await s.scalars(select(Candidate.state))).all())
            evidence = await s.scalar(select(func.count()).select_from(Evidence))
            decisions = await s.scalar(select(func.count()).select_from(Decision))
    assert states == ["dismissed", "open", "open", "open"] and evidence == 13 and decisions == 1
    await login_as(client, a, "marketer")
    page = await client.get("/t/acme/p/energizing/candidates/")
    assert page.status_code == 200 and "@fysio_mark" in page.text
