"""What every request costs before its handler runs: one database connection, and for htmx fragments and API
calls nothing of what only the page layout shows (navigation, banners, the notification count)."""

from __future__ import annotations

from sqlalchemy import event

from core.jobs.outbox import wait_for_relays
from tests.plugins.monitoring.conftest import activate_monitoring
from tests.plugins.webcare.conftest import activate_webcare
from tests.querycount import count_queries
from tests.support import api_headers, login_as

INBOX = "/t/acme/p/webcare/"


def _reads(queries, table: str) -> list[str]:
    return [s for s in queries.statements if f"FROM {table}" in s or f"FROM {table} " in s]


async def test_a_page_request_uses_one_connection(app, client, world):
    """The request context and the handler share one session: one connection, not one each."""
    await login_as(client, world.a, "admin")
    await client.get("/t/acme/roadmap")  # warm: process caches filled
    await wait_for_relays()
    checkouts: list[object] = []

    def checked_out(*_args: object) -> None:
        checkouts.append(object())

    event.listen(app.state.engine.sync_engine.pool, "checkout", checked_out)
    try:
        response = await client.get("/t/acme/roadmap")
        await wait_for_relays()
    finally:
        event.remove(app.state.engine.sync_engine.pool, "checkout", checked_out)
    assert response.status_code == 200
    assert len(checkouts) == 1


async def test_fragments_and_api_calls_skip_what_only_the_layout_shows(app, client, world, sessionmaker):
    await activate_monitoring(sessionmaker, world.a)
    await activate_webcare(sessionmaker, world.a)
    await login_as(client, world.a, "agent")
    page = await client.get(INBOX)
    assert page.status_code == 200 and 'class="bell"' in page.text
    await wait_for_relays()
    with count_queries(app.state.engine) as full:
        await client.get(INBOX)
        await wait_for_relays()
    with count_queries(app.state.engine) as fragment:
        poll = await client.get(f"{INBOX}stamp?v=0", headers={"HX-Request": "true"})
        await wait_for_relays()
    assert poll.status_code in (200, 204)  # 204: nothing changed since version 0
    assert _reads(full, "notification"), full.report()  # the bell's count, on the page
    assert not _reads(fragment, "notification"), fragment.report()
    assert not _reads(fragment, "webcare_crisis"), fragment.report()  # webcare's banner asks about a crisis
    assert len(fragment) < len(full)
    headers = await api_headers(sessionmaker, world.a, "agent")
    with count_queries(app.state.engine) as api:
        answer = await client.get("/api/v1/t/acme/webcare/cases", headers=headers)
        await wait_for_relays()
    assert answer.status_code == 200, answer.text
    assert not _reads(api, "notification") and not _reads(api, "webcare_crisis"), api.report()


async def test_a_refused_token_is_on_record_although_the_call_fails(app, client, world, sessionmaker):
    """The token's use or refusal is committed before the handler runs: a failing call keeps it."""
    headers = await api_headers(sessionmaker, world.a, "member")
    answer = await client.get("/api/v1/t/acme/monitoring/mentions", headers=headers)
    assert answer.status_code in (403, 404)  # monitoring is not active: the call fails
    from sqlalchemy import select

    from core.audit.models import AuditEntry
    from core.tenancy.scope import tenant_scope

    with tenant_scope(world.a.id):
        async with sessionmaker() as s:
            actions = set(await s.scalars(select(AuditEntry.action)))
    assert "token.used" in actions
