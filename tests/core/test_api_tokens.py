"""API tokens: scopes narrow the creator's roles, every token expires, revoked and expired ones are refused
(401, audited), and use is recorded at most once a minute per token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.auth import security
from core.auth.models import ApiToken
from core.auth.permissions import MATRIX, TOKEN_NEVER, TOKEN_SCOPES, scope_allows
from core.auth.tokens import digest
from core.tenancy.scope import tenant_scope
from tests.core.test_workgroup import audit, rows
from tests.support import TenantWorld, login_as, post_form

MEMBERS = "/api/v1/t/acme/members"
ACCOUNTS = "/api/v1/t/acme/accounts"


async def token(sessionmaker: Any, tw: TenantWorld, who: str, scopes: str, **values: Any) -> tuple[dict[str, str], Any]:
    raw = f"rg_test-{who}-{scopes.replace(' ', '-')}-{len(values)}"
    with tenant_scope(tw.id):
        async with sessionmaker() as s, s.begin():
            row = ApiToken(membership_id=tw.memberships[who].id, name=f"{who} {scopes}", prefix=raw[:8],
                           token_hash=digest(raw), scopes=scopes, **values)
            s.add(row)
    return {"Authorization": f"Bearer {raw}"}, row


def test_every_action_a_token_may_reach_is_in_exactly_one_scope():
    for action in MATRIX:
        holders = [scope for scope, actions in TOKEN_SCOPES.items() if action in actions]
        assert len(holders) == (0 if action in TOKEN_NEVER else 1), (action, holders)
    assert not scope_allows({"read"}, "plugin.work") and scope_allows({"read", "write"}, "plugin.work")
    assert scope_allows(set(), "public") and not scope_allows({"nonsense"}, "tenant.read")


async def test_scopes_narrow_the_creators_roles_and_never_widen_them(client, world, sessionmaker):
    read, _ = await token(sessionmaker, world.a, "admin", "read")
    write, _ = await token(sessionmaker, world.a, "admin", "read write")
    admin, _ = await token(sessionmaker, world.a, "admin", "admin")
    viewer, _ = await token(sessionmaker, world.a, "viewer", "read write admin")
    patch = f"{MEMBERS}/{world.a.memberships['member'].id}"
    assert (await client.get(MEMBERS, headers=read)).status_code == 200
    assert (await client.post(ACCOUNTS, headers=read, json={})).status_code == 403
    assert (await client.post(ACCOUNTS, headers=write, json={})).status_code == 400  # allowed; empty body
    assert (await client.patch(patch, headers=write, json={"role": "viewer"})).status_code == 403
    assert (await client.get(MEMBERS, headers=admin)).status_code == 403  # admin scope does not include read
    assert (await client.patch(patch, headers=admin, json={"role": "viewer"})).status_code == 200
    # every scope, but a viewer's token still cannot do what a viewer cannot
    assert (await client.get(MEMBERS, headers=viewer)).status_code == 200
    assert (await client.post(ACCOUNTS, headers=viewer, json={})).status_code == 403


async def test_revoked_and_expired_tokens_are_refused_and_audited(client, world, sessionmaker):
    now = datetime.now(UTC)
    expired, _ = await token(sessionmaker, world.a, "regie", "read", expires_at=now - timedelta(seconds=1))
    revoked, _ = await token(sessionmaker, world.a, "regie", "read write", revoked_at=now)
    assert (await client.get(MEMBERS, headers=expired)).status_code == 401
    assert (await client.get(MEMBERS, headers=revoked)).status_code == 401
    refused = await audit(sessionmaker, world.a, "token.refused")
    assert sorted(e.data["reason"] for e in refused) == ["expired", "revoked"]
    assert {e.data["path"] for e in refused} == {MEMBERS}
    assert not await audit(sessionmaker, world.a, "token.used")


async def test_every_use_is_audited_and_last_used_moves_once_a_minute(client, world, sessionmaker, monkeypatch):
    headers, row = await token(sessionmaker, world.a, "regie", "read")
    start = datetime.now(UTC)
    monkeypatch.setattr(security, "clock", lambda: start)
    assert (await client.get(MEMBERS, headers=headers)).status_code == 200
    monkeypatch.setattr(security, "clock", lambda: start + timedelta(seconds=30))
    assert (await client.get(MEMBERS + "?page=2", headers=headers)).status_code == 200
    first, second = await audit(sessionmaker, world.a, "token.used")
    assert first.data == {"method": "GET", "path": MEMBERS, "prefix": row.prefix} == second.data
    assert first.actor_label == world.a.email("regie") + " (API)"
    [stored] = await rows(sessionmaker, world.a, ApiToken, ApiToken.id == row.id)
    assert stored.last_used_at == start  # 30 s later: the token row was not rewritten
    monkeypatch.setattr(security, "clock", lambda: start + timedelta(seconds=61))
    assert (await client.get("/api/v1/t/acme/audit", headers=headers)).status_code == 200
    paths = [e.data["path"] for e in await audit(sessionmaker, world.a, "token.used")]
    assert paths == [MEMBERS, MEMBERS, "/api/v1/t/acme/audit"]
    [stored] = await rows(sessionmaker, world.a, ApiToken, ApiToken.id == row.id)
    assert stored.last_used_at == start + timedelta(seconds=61)


async def test_web_form_sets_scopes_and_expiry_with_field_errors(client, world, sessionmaker):
    await login_as(client, world.a, "regie")
    form = "/t/acme/people/tokens/"
    page = await client.get(form)
    assert 'name="scopes" value="read" checked' in page.text and 'name="expires_at"' in page.text
    today = datetime.now(UTC).date()
    cases = [({"scopes": "everything"}, "scopes"), ({"expires_at": str(today)}, "expires_at"),
             ({"expires_at": str(today + timedelta(days=366))}, "expires_at"), ({"expires_at": "morgen"}, "expires_at")]
    for values, field in cases:
        r = await post_form(client, form, {"name": "script", **values})
        assert r.status_code == 422, values
        assert f'id="f-{field}"' in r.text and 'class="error"' in r.text
    assert not await rows(sessionmaker, world.a, ApiToken)
    r = await post_form(client, form, {"name": "default"})
    assert r.status_code == 201
    r = await post_form(client, form, {"name": "year", "scopes": ["read", "write"],
                                       "expires_at": str(today + timedelta(days=365))})
    assert r.status_code == 201
    made = {t.name: t for t in await rows(sessionmaker, world.a, ApiToken)}
    assert made["default"].scopes == "read" and made["year"].scopes == "read write"
    assert made["default"].expires_at.date() == today + timedelta(days=90)
    assert made["year"].expires_at.date() == today + timedelta(days=365)
    listing = await client.get(form)
    assert "schrijven" in listing.text and made["year"].prefix in listing.text
    [created] = [e for e in await audit(sessionmaker, world.a, "token.created") if e.data["scopes"] == "read write"]
    assert created.data["expires_at"].startswith(str(today + timedelta(days=365)))


async def test_api_lists_and_revokes_own_tokens_only(client, world, sessionmaker):
    mine, own = await token(sessionmaker, world.a, "member", "read write")
    _, others = await token(sessionmaker, world.a, "regie", "read")
    listing = await client.get("/api/v1/t/acme/tokens", headers=mine)
    assert listing.status_code == 200
    [item] = listing.json()["items"]
    assert item["prefix"] == own.prefix and item["scopes"] == ["read", "write"] and item["last_used_at"]
    assert (await client.delete(f"/api/v1/t/acme/tokens/{others.id}", headers=mine)).status_code == 404
    assert (await client.delete(f"/api/v1/t/acme/tokens/{own.id}", headers=mine)).status_code == 204
    assert (await client.get("/api/v1/t/acme/tokens", headers=mine)).status_code == 401
    assert len(await audit(sessionmaker, world.a, "token.revoked")) == 1
    admin, _ = await token(sessionmaker, world.a, "admin", "write admin")
    every = (await client.get("/api/v1/t/acme/tokens", headers=admin)).json()["items"]
    assert {i["prefix"] for i in every} >= {own.prefix, others.prefix}
    read_only, _ = await token(sessionmaker, world.a, "admin", "read")
    assert (await client.get("/api/v1/t/acme/tokens", headers=read_only)).status_code == 403
