"""The live inbox: the change counter follows every kind of case change (intake in bulk, ORM edits, a change
in the web), only in the tenant it belongs to; the stamp answers 204 until something changed, then the new
version with the event the list reloads on; the list fragment carries the queue counts along."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy.scope import tenant_scope
from plugins.webcare.cases.changes import inbox_version
from plugins.webcare.inbox.routes import LIST_CHANGED
from plugins.webcare.models import Case
from tests.plugins.webcare.test_inbox import make_cases
from tests.plugins.webcare.test_intake import add_rule, ev, run, set_case
from tests.support import TenantWorld, World, login_as, post_form

WEB = "/t/acme/p/webcare/"
STAMP = re.compile(r'hx-get="/t/acme/p/webcare/stamp\?v=(\d+)"')


async def version(sessionmaker: async_sessionmaker[AsyncSession], tw: TenantWorld) -> int:
    with tenant_scope(tw.id):
        async with sessionmaker() as session:
            return await inbox_version(session)


async def test_every_case_change_raises_the_counter_of_its_own_tenant(
        wc: World, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await add_rule(sessionmaker, wc.a, "Alles", 1, {"keywords": ["storing", "nog"]})
    await add_rule(sessionmaker, wc.b, "Alles", 1, {"keywords": ["storing", "nog"]})
    await run(sessionmaker, wc.a, [ev("@jan", "storing"), ev("@piet", "storing")])  # bulk insert: one raise
    after_intake = await version(sessionmaker, wc.a)
    assert after_intake >= 1 and await version(sessionmaker, wc.b) == 0
    await run(sessionmaker, wc.a, [ev("@jan", "nog steeds")])  # joins the open case: an ORM change
    after_join = await version(sessionmaker, wc.a)
    assert after_join > after_intake
    with tenant_scope(wc.a.id):
        async with sessionmaker() as session:
            case_id = await session.scalar(select(Case.id).order_by(Case.number).limit(1))
    await set_case(sessionmaker, wc.a, case_id, status="waiting")
    assert await version(sessionmaker, wc.a) == after_join + 1
    await set_case(sessionmaker, wc.a, case_id, status="waiting")  # no real change, no raise
    assert await version(sessionmaker, wc.a) == after_join + 1
    assert await version(sessionmaker, wc.b) == 0


async def test_stamp_is_204_until_a_case_changes(wc: World, client: Any,
                                                 sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    [case_id] = await make_cases(sessionmaker, wc.a, 1)
    await login_as(client, wc.a, "agent")
    page = await client.get(WEB)
    seen = int(STAMP.search(page.text).group(1))
    assert 'hx-trigger="every 1s"' in page.text
    assert f'hx-trigger="{LIST_CHANGED} from:body, every 30s"' in page.text
    quiet = await client.get(f"{WEB}stamp", params={"v": str(seen)})
    assert quiet.status_code == 204 and quiet.content == b""
    # another agent changes the case in the web: the stamp reports the new version and the reload event
    response = await post_form(client, f"{WEB}cases/{case_id}/change", {"revision": "1", "status": "waiting"},
                               follow_redirects=False)
    assert response.status_code == 303
    changed = await client.get(f"{WEB}stamp", params={"v": str(seen)})
    assert changed.status_code == 200 and changed.headers["hx-trigger"] == LIST_CHANGED
    now = int(STAMP.search(changed.text).group(1))
    assert now > seen
    assert (await client.get(f"{WEB}stamp", params={"v": str(now)})).status_code == 204


async def test_stamp_refuses_a_version_that_is_not_a_number(wc: World, client: Any) -> None:
    await login_as(client, wc.a, "agent")
    for bad in ("", "abc", "-1", "1.5"):
        response = await client.get(f"{WEB}stamp", params={"v": bad})
        assert response.status_code == 422, bad
        assert "v" in response.text and "geheel getal" in response.text


async def test_fragment_brings_the_queue_counts_out_of_band(wc: World, client: Any,
                                                            sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    await make_cases(sessionmaker, wc.a, 2)
    await login_as(client, wc.a, "agent")
    full = await client.get(WEB)
    assert full.text.count('id="inbox-counts"') == 1 and 'hx-swap-oob' not in full.text
    fragment = await client.get(WEB, params={"fragment": "1"})
    assert '<ul class="notifications" id="inbox-counts" hx-swap-oob="true">' in fragment.text
    assert "<html" not in fragment.text


async def test_another_tenants_user_gets_no_stamp(wc: World, client: Any) -> None:
    await login_as(client, wc.b, "agent")
    response = await client.get(f"{WEB}stamp", params={"v": "0"}, follow_redirects=False)
    assert response.status_code in (302, 303, 403, 404)
