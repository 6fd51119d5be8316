"""Audit log: filters (action prefix, actor, dates, text), pagination keeping filters, access, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from core.audit.models import AuditEntry
from core.audit.service import record
from core.tenancy.scope import tenant_scope
from tests.support import api_headers, login_as

URL = "/t/acme/audit/"
API = "/api/v1/t/acme/audit"




async def _seed(sessionmaker, world) -> None:
    """30 regie.* entries by the admin, 3 account.* entries by the regie holder (one with a reason), old ones."""
    from core.auth.principal import Principal

    a = world.a
    with tenant_scope(a.id):
        async with sessionmaker() as session, session.begin():
            admin, regie = Principal(user=a.users["admin"]), Principal(user=a.users["regie"])
            start = datetime.now(UTC) - timedelta(minutes=10)
            for i in range(30):
                entry = await record(session, admin, "regie.appointed", summary=f"Regie entry {i:02d}")
                entry.created_at = start + timedelta(seconds=i)
            for i in range(3):
                entry = await record(session, regie, "account.approved", summary=f"Account {i}",
                                     reason="Voldoet aan 100% van de voorwaarden" if i == 0 else "")
                entry.created_at = start + timedelta(seconds=40 + i)
            await record(session, regie, "policy.published", summary="Oud besluit")
        async with sessionmaker() as session, session.begin():
            await session.execute(update(AuditEntry).where(AuditEntry.summary == "Oud besluit")
                                  .values(created_at=datetime(2020, 1, 15, 12, tzinfo=UTC)))
    with tenant_scope(world.b.id):
        async with sessionmaker() as session, session.begin():
            await record(session, Principal(user=world.b.users["admin"]), "globex.secret",
                         summary="Globex geheim")


async def test_filters_and_pagination_keep_filters(client, world, sessionmaker):
    await _seed(sessionmaker, world)
    await login_as(client, world.a, "regie")
    r = await client.get(URL + "?action=regie.")
    assert r.status_code == 200
    assert "30 regels" in r.text and "Regie entry 29" in r.text and "Account 0" not in r.text
    assert "Regie entry 04" not in r.text  # newest first: 29..05 on page 1
    assert "action=regie.&amp;page=2" in r.text and "Globex geheim" not in r.text
    r = await client.get(URL + "?action=regie.&page=2")
    assert "Regie entry 04" in r.text and "Regie entry 00" in r.text and "Regie entry 05" not in r.text
    r = await client.get(URL + "?actor=regie@acme")
    assert "Account 2" in r.text and "Regie entry" not in r.text and "Oud besluit" in r.text
    r = await client.get(URL + "?q=100%25 van")
    assert "Account 0" in r.text and "Account 1" not in r.text
    r = await client.get(URL + "?date_from=2020-01-01&date_to=2020-01-31")
    assert "Oud besluit" in r.text and "Account 0" not in r.text
    r = await client.get(URL + "?date_from=2021-01-01")
    assert "Oud besluit" not in r.text and "Account 0" in r.text


async def test_pagination_total_counts_only_this_tenant(client, world, sessionmaker):
    from core.auth.principal import Principal

    with tenant_scope(world.b.id):
        async with sessionmaker() as session, session.begin():
            await record(session, Principal(user=world.b.users["admin"]), "regie.appointed", summary="Globex")
    headers = await api_headers(sessionmaker, world.a, "regie")
    body = (await client.get(API + "?action=regie.", headers=headers)).json()
    assert body["items"] == [] and body["pagination"]["total"] == 0


async def test_api_filters_and_pagination(client, world, sessionmaker):
    await _seed(sessionmaker, world)
    headers = await api_headers(sessionmaker, world.a, "regie")
    body = (await client.get(API + "?action=regie.&page=2", headers=headers)).json()
    assert body["pagination"] == {"page": 2, "per_page": 25, "total": 30, "pages": 2,
                                  "total_exact": True, "has_next": False}
    assert [e["summary"] for e in body["items"]] == [f"Regie entry {i:02d}" for i in range(4, -1, -1)]
    assert body["filters"]["action"] == "regie."
    body = (await client.get(API + "?actor=REGIE@acme.test&q=voorwaarden", headers=headers)).json()
    assert [e["summary"] for e in body["items"]] == ["Account 0"]
    assert body["items"][0]["actor"] == "regie@acme.test"
    today = datetime.now(UTC).date()
    body = (await client.get(API + f"?date_to={(today - timedelta(days=1)).isoformat()}", headers=headers)).json()
    assert [e["summary"] for e in body["items"]] == ["Oud besluit"]


async def test_bad_filters_give_field_and_reason(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "regie")
    r = await client.get(API + "?date_from=gisteren", headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date_from"
    r = await client.get(API + "?date_from=2024-02-01&date_to=2024-01-01", headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "date_to"
    await login_as(client, world.a, "regie")
    r = await client.get(URL + "?date_from=gisteren")
    assert r.status_code == 422 and "Gebruik een datum zoals 2026-01-31." in r.text
    assert 'value="gisteren"' in r.text


async def test_audit_read_permission(client, world, sessionmaker):
    await _seed(sessionmaker, world)
    for who in ("member", "viewer"):
        await login_as(client, world.a, who)
        assert (await client.get(URL)).status_code == 403
    await login_as(client, world.a, "admin")
    assert (await client.get(URL)).status_code == 200
    headers = await api_headers(sessionmaker, world.a, "member")
    assert (await client.get(API, headers=headers)).status_code == 403
    other = await api_headers(sessionmaker, world.b, "regie")
    assert (await client.get(API, headers=other)).status_code in (401, 403)
    body = (await client.get("/api/v1/t/globex/audit", headers=other)).json()
    # the token's own use is recorded too (once a minute: tests/core/test_api_tokens.py)
    assert [e["summary"] for e in body["items"] if e["action"] != "token.used"] == ["Globex geheim"]


async def test_decisions_of_this_slice_are_audited(client, world, sessionmaker):
    headers = await api_headers(sessionmaker, world.a, "regie")
    await client.post("/api/v1/t/acme/starting-points", json={"people": "Iedereen"}, headers=headers)
    await client.post("/api/v1/t/acme/starting-points/1/approve", json={"reason": "goed"}, headers=headers)
    await client.post("/api/v1/t/acme/policy", json={"strategy": {"function": "Luisteren"}}, headers=headers)
    await client.post("/api/v1/t/acme/policy/1/publish", headers=headers)
    body = (await client.get(API + "?action=starting_points.approved", headers=headers)).json()
    assert body["items"][0]["reason"] == "goed" and body["items"][0]["actor"] == "regie@acme.test (API)"
    with tenant_scope(world.a.id):
        async with sessionmaker() as session:
            actions = set((await session.scalars(select(AuditEntry.action))).all())
            assert {"starting_points.approved", "policy.published"} <= actions
            decisions = select(func.count()).select_from(AuditEntry).where(AuditEntry.action != "token.used")
            assert await session.scalar(decisions) == 4
